package claimed

import (
	"bytes"
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// Claimed's next version written from the trusted one's canonical form.
//
// A claims ceremony that only adds projects changes three things in
// claimed: its version and expiry, the delegations it appends (in
// descending project order, as nextClaimed appends them) and the keys
// those list that claimed has not yet. Everything else, 100,000
// delegations and 125,000 keys at PyPI's scale, is the trusted version's
// canonical form, byte for byte: what the signatures on the trusted
// version cover, and what verify's change check compares the next version
// with (checkClaimedChange). nextCanonical writes the next version by
// copying the trusted canonical form and splicing those changes in, so
// claimed is never decoded whole nor encoded again: the new delegations
// and keys are encoded alone and canonicalized, the keys merged into
// delegations.keys in the order canonical JSON sorts them. A claimed it
// cannot splice into (no delegations, no keys or roles, succinct roles,
// a key ID written with escapes or beyond ASCII, keys out of order) or a
// ceremony with rekeys is left to nextClaimed, which decodes it whole.
// TestNextCanonicalAsDecodingWhole holds the two to the same bytes.

// nextCanonical is nextClaimed's result for a ceremony that adds accepted
// and rekeys nothing, as an unsigned file, written from trusted's
// canonical form (see above); false when it cannot be, for nextClaimed
// to make instead. The accepted projects are not in trusted (the review
// refuses or keeps them unchanged otherwise; verify's change check
// refuses an addition of one it delegates already).
func nextCanonical(trusted *metafile.File, accepted []claims.Claim, version int64, expires time.Time) (*metafile.File, bool, error) {
	canon, err := trusted.Canonical()
	if err != nil {
		return nil, false, err
	}
	top, err := metafile.RawMembers(canon)
	if err != nil {
		return nil, false, nil
	}
	expiresJSON, err := expires.MarshalJSON()
	if err != nil {
		return nil, false, err
	}
	sorted := slices.Clone(accepted)
	slices.SortFunc(sorted, func(a, b claims.Claim) int { return -cmp.Compare(a.Project, b.Project) })
	for i := 1; i < len(sorted); i++ {
		if sorted[i].Project == sorted[i-1].Project {
			return nil, false, nil // nextClaimed's to refuse
		}
	}
	roles, keys, err := newDelegations(sorted)
	if err != nil {
		return nil, false, err
	}
	replaced := 0
	out, ok := appendObject(make([]byte, 0, spliceSize(canon, roles, keys)), top, func(out []byte, m metafile.RawMember) ([]byte, bool) {
		switch string(m.Quoted) {
		case `"version"`:
			replaced++
			return strconv.AppendInt(out, version, 10), true
		case `"expires"`:
			replaced++
			return append(out, expiresJSON...), true
		case `"delegations"`:
			replaced++
			return appendDelegations(out, m.Value, roles, keys)
		}
		return append(out, m.Value...), true
	})
	if !ok || replaced != 3 {
		return nil, false, nil
	}
	f, err := metafile.FromCanonical(out)
	if err != nil {
		return nil, false, err
	}
	return f, true, nil
}

// spliceSize is at least the size of claimed's next version made from the
// canonical form canon with roles and keys added: it is made in one buffer
// of that size, as growing it by appending would copy claimed's canonical
// form again (53 MB at 100,000 projects) into a buffer a quarter larger.
func spliceSize(canon []byte, roles [][]byte, keys []metafile.RawMember) int {
	size := len(canon) + 64 // a version of more digits
	for _, r := range roles {
		size += len(r) + 1
	}
	for _, k := range keys {
		size += len(k.Quoted) + len(k.Value) + 2
	}
	return size
}

// newDelegations are the canonical forms of the delegations to the
// claims, in their order, and the members (key ID and key, canonical) of
// the keys they list, in canonical order.
func newDelegations(accepted []claims.Claim) (roles [][]byte, keys []metafile.RawMember, err error) {
	all := map[string]*metadata.Key{}
	for _, c := range accepted {
		role, err := canonicalOf(claims.Delegation(c))
		if err != nil {
			return nil, nil, err
		}
		roles = append(roles, role)
		for id, k := range c.Keys {
			if _, ok := all[id]; !ok {
				all[id] = k
			}
		}
	}
	obj, err := canonicalOf(all)
	if err != nil {
		return nil, nil, err
	}
	if keys, err = metafile.RawMembers(obj); err != nil {
		return nil, nil, err
	}
	return roles, keys, nil
}

// canonicalOf is v encoded as JSON and canonicalized.
func canonicalOf(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return metafile.Canonicalize(buf.Bytes())
}

// appendDelegations appends the delegations object deleg with roles
// appended to its roles and keys merged into its keys (a key it has kept
// as it is); false if deleg is not an object with keys and roles that
// can be spliced into (see above).
func appendDelegations(out, deleg []byte, roles [][]byte, keys []metafile.RawMember) ([]byte, bool) {
	members, err := metafile.RawMembers(deleg)
	if err != nil {
		return out, false
	}
	spliced := 0
	out, ok := appendObject(out, members, func(out []byte, m metafile.RawMember) ([]byte, bool) {
		switch string(m.Quoted) {
		case `"keys"`:
			spliced++
			return appendMergedKeys(out, m.Value, keys)
		case `"roles"`:
			spliced++
			return appendRoles(out, m.Value, roles)
		case `"succinct_roles"`:
			return out, false
		}
		return append(out, m.Value...), true
	})
	return out, ok && spliced == 2
}

// appendObject appends the object of members, in their order, each value
// as value appends it; false as soon as value gives up.
func appendObject(out []byte, members []metafile.RawMember, value func([]byte, metafile.RawMember) ([]byte, bool)) ([]byte, bool) {
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(out, m.Quoted...), ':')
		var ok bool
		if out, ok = value(out, m); !ok {
			return out, false
		}
	}
	return append(out, '}'), true
}

// appendRoles appends the array value with roles added at its end.
func appendRoles(out, value []byte, roles [][]byte) ([]byte, bool) {
	if len(value) < 2 || value[0] != '[' || value[len(value)-1] != ']' {
		return out, false
	}
	out = append(out, value[:len(value)-1]...)
	empty := len(value) == 2
	for i, r := range roles {
		if i > 0 || !empty {
			out = append(out, ',')
		}
		out = append(out, r...)
	}
	return append(out, ']'), true
}

// appendMergedKeys appends the object value with the members of add
// (sorted) merged in, in canonical order; a member value has already
// stays as it is. False when a name of value is not plain ASCII free of
// escapes, or its names are not in increasing order: not sorted as this
// merge sorts.
func appendMergedKeys(out, value []byte, add []metafile.RawMember) ([]byte, bool) {
	for _, k := range add {
		if !plainASCII(k.Quoted) {
			return out, false
		}
	}
	out = append(out, '{')
	n, j := 0, 0
	member := func(quoted, v []byte) {
		if n++; n > 1 {
			out = append(out, ',')
		}
		out = append(append(append(out, quoted...), ':'), v...)
	}
	var prev []byte
	ok := metafile.EachRawMember(value, func(quoted, v []byte) bool {
		if !plainASCII(quoted) || prev != nil && bytes.Compare(prev, quoted) >= 0 {
			return false
		}
		prev = quoted
		for ; j < len(add) && bytes.Compare(add[j].Quoted, quoted) <= 0; j++ {
			if !bytes.Equal(add[j].Quoted, quoted) {
				member(add[j].Quoted, add[j].Value)
			}
		}
		member(quoted, v)
		return true
	})
	if !ok {
		return out, false
	}
	for ; j < len(add); j++ {
		member(add[j].Quoted, add[j].Value)
	}
	return append(out, '}'), true
}

// plainASCII reports whether quoted is a string written in quotes with
// printable ASCII between them and no escape: where byte order is the
// order canonical JSON sorts names in.
func plainASCII(quoted []byte) bool {
	if len(quoted) < 2 || quoted[0] != '"' || quoted[len(quoted)-1] != '"' {
		return false
	}
	for _, c := range quoted[1 : len(quoted)-1] {
		if c < 0x20 || c >= 0x7f || c == '\\' || c == '"' {
			return false
		}
	}
	return true
}
