package ceremony

import (
	"bytes"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Reviewing a targets role of 100,000 delegations against its trusted
// version without decoding either whole.
//
// The review a key holder reads before the PIN compares the role signed
// with the version clients trust (targetsReview): at 100,000 projects a
// claims ceremony adds a hundred delegations to claimed and leaves the
// rest as they were, and decoding both versions whole to find that took
// 1.5 s and 500 MB at 100,000 projects. targetsReviewOf compares the two
// canonical forms first: a delegation whose bytes are the trusted one's
// (the first of its name in each), and whose keys are the same bytes in
// both versions, is unchanged. Only the others, the delegations added,
// removed or changed, are decoded (metafile.File.TargetsDelegatingTo),
// and targetsReview compares those as it compares whole roles; the
// delegations found unchanged are added to its count. A role it cannot
// take apart so (no delegations, succinct hash bins, a delegation's name
// with escapes, keys out of order) is decoded whole, as before.
// TestTargetsReviewOfAsDecodingWhole holds the two to the same review.

// targetsReviewOf is the review of the targets role next against its
// trusted version given (nil: none), which path and role name in errors.
func (rv *reviewer) targetsReviewOf(next, given *metafile.File, path, role string) (*TargetsReview, error) {
	if given != nil {
		if tr, ok := rv.targetsReviewCanonical(next, given); ok {
			return tr, nil
		}
	}
	t, err := next.Targets()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var trusted *metadata.TargetsType
	if given != nil {
		if trusted, err = given.Targets(); err != nil {
			return nil, fmt.Errorf("%s: %w", workspace.TrustedPath(role), err)
		}
	}
	return rv.targetsReview(t, trusted), nil
}

// targetsReviewCanonical is targetsReview of next and trusted decoded,
// made from their canonical forms (see above); false where it cannot be,
// or where decoding fails (targetsReviewOf decodes whole and says why).
func (rv *reviewer) targetsReviewCanonical(next, trusted *metafile.File) (*TargetsReview, bool) {
	nd, ok := canonicalDelegations(next)
	if !ok {
		return nil, false
	}
	td, ok := canonicalDelegations(trusted)
	if !ok {
		return nil, false
	}
	changedKeys, ok := keysDiffering(nd.keys, td.keys)
	if !ok {
		return nil, false
	}
	trustedFirst := map[string]int{}
	for j, e := range td.roles {
		name, ok := delegationName(e)
		if !ok {
			return nil, false
		}
		if _, seen := trustedFirst[name]; !seen {
			trustedFirst[name] = j
		}
	}
	decode := map[string]bool{}
	seen := map[string]bool{}
	unchanged := 0
	for _, e := range nd.roles {
		name, ok := delegationName(e)
		if !ok {
			return nil, false
		}
		if seen[name] {
			continue // the first of a name is the delegation, as collect takes it
		}
		seen[name] = true
		if j, in := trustedFirst[name]; in && bytes.Equal(e, td.roles[j]) {
			lists, ok := listsAnyKey(e, changedKeys)
			if !ok {
				return nil, false
			}
			if !lists {
				unchanged++
				continue
			}
		}
		decode[name] = true
	}
	for name := range trustedFirst {
		if !seen[name] {
			decode[name] = true
		}
	}
	n, _, err := next.TargetsDelegatingTo(decode, false)
	if err != nil {
		return nil, false
	}
	t, _, err := trusted.TargetsDelegatingTo(decode, false)
	if err != nil {
		return nil, false
	}
	tr := rv.targetsReview(n, t)
	tr.DelegationsUnchanged += unchanged
	return tr, true
}

// delegationsParts are a canonical targets role's delegations.roles
// elements and delegations.keys members, as written.
type delegationsParts struct {
	roles [][]byte
	keys  []metafile.RawMember
}

// canonicalDelegations takes f's canonical delegations apart: false if it
// has none, or succinct hash bins, or no roles array or keys object.
func canonicalDelegations(f *metafile.File) (delegationsParts, bool) {
	var p delegationsParts
	canon, err := f.Canonical()
	if err != nil {
		return p, false
	}
	var deleg []byte
	if !metafile.EachRawMember(canon, func(quoted, value []byte) bool {
		if string(quoted) == `"delegations"` {
			deleg = value
		}
		return true
	}) || deleg == nil {
		return p, false
	}
	var roles, keys []byte
	succinct := false
	ok := metafile.EachRawMember(deleg, func(quoted, value []byte) bool {
		switch string(quoted) {
		case `"roles"`:
			roles = value
		case `"keys"`:
			keys = value
		case `"succinct_roles"`:
			succinct = true
		}
		return true
	})
	if !ok || succinct || roles == nil || keys == nil || roles[0] != '[' || keys[0] != '{' {
		return p, false
	}
	if p.roles, err = metafile.Elements(roles); err != nil {
		return p, false
	}
	if p.keys, err = metafile.RawMembers(keys); err != nil {
		return p, false
	}
	return p, true
}

// keysDiffering are the key IDs (quoted, as written) whose keys are not
// the same bytes in next and trusted, or that one of them lacks; false if
// either's names are not in strictly increasing order.
func keysDiffering(next, trusted []metafile.RawMember) (map[string]bool, bool) {
	out := map[string]bool{}
	ok := metafile.EachMemberPair(next, trusted, func(quoted, inNext, inTrusted []byte) {
		if inNext == nil || inTrusted == nil || !bytes.Equal(inNext, inTrusted) {
			out[string(quoted)] = true
		}
	})
	return out, ok
}

// delegationName is the name of the delegation e (canonical): false if it
// has none, more than one, or one that is no string free of escapes.
func delegationName(e []byte) (string, bool) {
	var name []byte
	names := 0
	ok := metafile.EachRawMember(e, func(quoted, value []byte) bool {
		if string(quoted) != `"name"` {
			return true
		}
		names++
		name = value
		return names == 1
	})
	if !ok || names != 1 || len(name) < 2 || name[0] != '"' || bytes.IndexByte(name, '\\') >= 0 {
		return "", false
	}
	return string(name[1 : len(name)-1]), true
}

// listsAnyKey reports whether the delegation e lists a key ID in quoted
// (as written); false, false if its keyids cannot be read so.
func listsAnyKey(e []byte, quoted map[string]bool) (lists, ok bool) {
	if len(quoted) == 0 {
		return false, true
	}
	var ids []byte
	n := 0
	if !metafile.EachRawMember(e, func(q, value []byte) bool {
		if string(q) == `"keyids"` {
			n++
			ids = value
		}
		return true
	}) || n > 1 {
		return false, false
	}
	if ids == nil || string(ids) == "null" {
		return false, true
	}
	elems, err := metafile.Elements(ids)
	if err != nil {
		return false, false
	}
	for _, id := range elems {
		if quoted[string(id)] {
			return true, true
		}
	}
	return false, true
}
