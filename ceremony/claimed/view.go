package claimed

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// claimedView is a claimed role's "signed" taken apart as far as
// checkClaimedChange needs, each part a slice of its canonical form and
// canonical itself. Its 100,000 delegations and 125,000 keys are not
// decoded: a delegation the next version keeps is the same bytes in both,
// and a key is known by its name as written, which canonical JSON writes
// one way (Canonicalize refuses a name given twice). A delegation is
// decoded (role) only where the check needs its name, key IDs or
// threshold: one added, rekeyed or changed. So a trusted delegation that
// cannot be decoded (a threshold that is a string), kept as it is, is kept:
// the check that decoded every delegation refused any change of such a
// claimed. Such a claimed is signed by targets' keys as it was published;
// claims init does not decode the delegations it keeps either (it copies
// them, nextCanonical), and 'ceremony verify' of the repository, which
// decodes every delegation as a client does, reports it.
type claimedView struct {
	version int64
	// rest are the members but version, expires and delegations;
	// delegRest the delegations' members but keys and roles.
	rest, delegRest map[string][]byte
	// keys are delegations.keys' members in the canonical form's order.
	keys []metafile.RawMember
	// roles are delegations.roles' elements.
	roles [][]byte
}

// viewClaimed takes f's "signed" apart in its canonical form
// (File.Canonical): when a bundle is verified, the one its signatures
// were counted on.
func viewClaimed(f *metafile.File) (*claimedView, error) {
	canon, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	top, err := metafile.Members(canon)
	if err != nil {
		return nil, err
	}
	v := &claimedView{rest: map[string][]byte{}, delegRest: map[string][]byte{}}
	var deleg []metafile.Member
	for _, m := range top {
		switch m.Name {
		case "version":
			if err := json.Unmarshal(m.Value, &v.version); err != nil {
				return nil, fmt.Errorf("version: %w", err)
			}
		case "expires":
		case "delegations":
			if string(m.Value) != "null" {
				if deleg, err = metafile.Members(m.Value); err != nil {
					return nil, fmt.Errorf("delegations: %w", err)
				}
			}
		default:
			v.rest[m.Name] = m.Value
		}
	}
	for _, m := range deleg {
		switch {
		case m.Name == "roles" && string(m.Value) != "null":
			if v.roles, err = metafile.Elements(m.Value); err != nil {
				return nil, fmt.Errorf("delegations.roles: %w", err)
			}
		case m.Name == "keys" && string(m.Value) != "null":
			if v.keys, err = metafile.RawMembers(m.Value); err != nil {
				return nil, fmt.Errorf("delegations.keys: %w", err)
			}
		case m.Name != "roles" && m.Name != "keys":
			v.delegRest[m.Name] = m.Value
		}
	}
	return v, nil
}

// delegatedRole is what the check reads of one delegation.
type delegatedRole struct {
	name      string
	keyIDs    []string
	threshold int
}

// role decodes delegation i.
func (v *claimedView) role(i int) (delegatedRole, error) {
	var r delegatedRole
	members, err := metafile.Members(v.roles[i])
	if err != nil {
		return r, fmt.Errorf("delegations.roles[%d]: %w", i, err)
	}
	for _, m := range members {
		switch m.Name {
		case "name":
			r.name, err = metafile.String(m.Value)
		case "keyids":
			r.keyIDs, err = metafile.StringList(m.Value)
		case "threshold":
			r.threshold, err = metafile.Int(m.Value)
		}
		if err != nil {
			return r, fmt.Errorf("delegations.roles[%d].%s: %w", i, m.Name, err)
		}
	}
	return r, nil
}

// quotedName is delegation i's name as written (quotes included), the
// rest of it walked but not decoded. A delegation with no name, or a null
// one, is named `""`, as role decodes it (the empty name); one whose name
// is not a string is an error.
func (v *claimedView) quotedName(i int) ([]byte, error) {
	name := []byte(`""`)
	var err error
	walked := metafile.EachRawMember(v.roles[i], func(quoted, value []byte) bool {
		if string(quoted) != `"name"` {
			return true
		}
		switch {
		case string(value) == "null":
		case len(value) == 0 || value[0] != '"':
			err = fmt.Errorf("delegations.roles[%d].name: not a string", i)
		default:
			name = value
		}
		return true
	})
	if !walked {
		return nil, fmt.Errorf("delegations.roles[%d]: not a JSON object", i)
	}
	return name, err
}

// quoted is s as canonical JSON writes it, quotes included: a name to
// look for among quotedName's.
func quoted(s string) (string, error) {
	q, err := canonicalJSON(s)
	return string(q), err
}

// eachKeyPair calls pair with every key ID of prev's keys or next's (as
// written, quotes included) and its key in each, nil where it has none:
// in one pass when both are in order, as canonical JSON writes them, else
// by name, sorted. A name given twice counts by its last key, as a
// decoder reads it.
func eachKeyPair(prev, next []metafile.RawMember, pair func(quoted, inPrev, inNext []byte)) {
	if metafile.EachMemberPair(prev, next, pair) {
		return
	}
	byName := func(members []metafile.RawMember) map[string][]byte {
		m := make(map[string][]byte, len(members))
		for _, k := range members {
			m[string(k.Quoted)] = k.Value
		}
		return m
	}
	p, n := byName(prev), byName(next)
	names := make([]string, 0, len(p)+len(n))
	for name := range p {
		names = append(names, name)
	}
	for name := range n {
		if _, ok := p[name]; !ok {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		pair([]byte(name), p[name], n[name])
	}
}
