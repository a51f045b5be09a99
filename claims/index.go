package claims

import (
	"fmt"
	"slices"
	"sort"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// claimedIndex is the claimed role as a review looks things up in it, built
// once: its delegations by project, the projects by key ID, the project
// names in order. The claimed role may hold a hundred thousand
// delegations; every lookup is a map access or a binary search.
type claimedIndex struct {
	byName map[string]*metadata.DelegatedRole
	byKey  map[string][]string
	keys   map[string]*metadata.Key
	names  []string // sorted
}

func indexClaimed(claimed *metadata.TargetsType) (*claimedIndex, error) {
	idx := &claimedIndex{byName: map[string]*metadata.DelegatedRole{}, byKey: map[string][]string{}}
	if claimed == nil || claimed.Delegations == nil {
		return idx, nil
	}
	d := claimed.Delegations
	if d.SuccinctRoles != nil {
		return nil, fmt.Errorf("the claimed role delegates to succinct hash bins, not to projects: give the claimed role's metadata")
	}
	idx.keys = d.Keys
	idx.byName = make(map[string]*metadata.DelegatedRole, len(d.Roles))
	idx.byKey = make(map[string][]string, len(d.Keys))
	idx.names = make([]string, 0, len(d.Roles))
	for i := range d.Roles {
		r := &d.Roles[i]
		if _, dup := idx.byName[r.Name]; dup {
			return nil, fmt.Errorf("the claimed role delegates to %q twice: fix the claimed role first", r.Name)
		}
		idx.byName[r.Name] = r
		idx.names = append(idx.names, r.Name)
		for j, id := range r.KeyIDs {
			if j > 0 && slices.Contains(r.KeyIDs[:j], id) {
				continue
			}
			idx.byKey[id] = append(idx.byKey[id], r.Name)
		}
	}
	sort.Strings(idx.names)
	return idx, nil
}

// sameKeys reports whether the delegation r has exactly the claim's keys
// and threshold. Key IDs are compared first; a delegation whose key IDs
// differ is compared by public key (another tool may have computed its
// key IDs otherwise).
func (idx *claimedIndex) sameKeys(r *metadata.DelegatedRole, c *Claim) bool {
	if r.Threshold != c.Threshold {
		return false
	}
	ids := map[string]bool{}
	for _, id := range r.KeyIDs {
		ids[id] = true
	}
	if len(ids) != len(c.Keys) {
		return false
	}
	matched := 0
	for id := range ids {
		if _, ok := c.Keys[id]; ok {
			matched++
			continue
		}
		k := idx.keys[id]
		for _, ck := range c.Keys {
			if keys.SameKey(k, ck) {
				matched++
				break
			}
		}
	}
	return matched == len(ids)
}

// digitNames returns the claimed projects named project, "-" and a digit:
// those whose legacy sdists project's patterns also match.
func (idx *claimedIndex) digitNames(project string) []string {
	return digitNamesIn(idx.names, project)
}

// digitNamesIn returns the names in sorted that are project, "-" and a
// digit: they lie between project+"-0" and project+"-:" (":" follows "9").
func digitNamesIn(sorted []string, project string) []string {
	lo, hi := project+"-0", project+"-:"
	var out []string
	for i := sort.SearchStrings(sorted, lo); i < len(sorted) && sorted[i] < hi; i++ {
		out = append(out, sorted[i])
	}
	return out
}
