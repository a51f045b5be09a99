package claims

import (
	"fmt"
	"slices"
	"sort"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// claimedIndex is the claimed role as a review looks things up in it, built
// once: the delegations to the projects looked up, the projects by key ID,
// the project names in order. The claimed role may hold a hundred thousand
// delegations; every lookup is a map access or a binary search.
//
// Built from claimed decoded (indexClaimed), it holds every delegation and
// key; built from claimed's file (indexClaimedFile), the delegations to
// the projects the requests name and the keys they list, and the projects
// by the keys the requests hold: all a review looks up, without decoding
// the rest.
type claimedIndex struct {
	byName map[string]*metadata.DelegatedRole
	byKey  map[string][]string
	keys   map[string]*metadata.Key
	names  []string // sorted, every project claimed
}

func indexClaimed(claimed *metadata.TargetsType) (*claimedIndex, error) {
	idx := &claimedIndex{byName: map[string]*metadata.DelegatedRole{}, byKey: map[string][]string{}}
	if claimed == nil || claimed.Delegations == nil {
		return idx, nil
	}
	d := claimed.Delegations
	if d.SuccinctRoles != nil {
		return nil, errSuccinct
	}
	idx.keys = d.Keys
	idx.byName = make(map[string]*metadata.DelegatedRole, len(d.Roles))
	idx.byKey = make(map[string][]string, len(d.Keys))
	idx.names = make([]string, 0, len(d.Roles))
	for i := range d.Roles {
		r := &d.Roles[i]
		if _, dup := idx.byName[r.Name]; dup {
			return nil, delegatedTwice(r.Name)
		}
		idx.byName[r.Name] = r
		idx.names = append(idx.names, r.Name)
		idx.addKeys(r.Name, r.KeyIDs, nil)
	}
	sort.Strings(idx.names)
	return idx, nil
}

// indexClaimedFile indexes the claimed role in f for a review of requests
// naming projects and holding the keys keyIDs (see claimedIndex): the
// same lookups give what indexClaimed's give, and the same errors but one:
// a delegation claimed lists that no request names is not decoded, so
// what is wrong in it beyond its name and key IDs is not seen.
func indexClaimedFile(f *metafile.File, projects, keyIDs map[string]bool) (*claimedIndex, error) {
	t, listed, err := f.TargetsDelegatingTo(projects, true)
	if err != nil {
		return nil, err
	}
	idx := &claimedIndex{byName: map[string]*metadata.DelegatedRole{}, byKey: map[string][]string{}}
	d := t.Delegations
	if d == nil {
		return idx, nil
	}
	if d.SuccinctRoles != nil {
		return nil, errSuccinct
	}
	idx.keys = d.Keys
	idx.names = make([]string, 0, len(listed))
	for _, l := range listed {
		idx.names = append(idx.names, l.Name)
		idx.addKeys(l.Name, l.KeyIDs, keyIDs)
	}
	sort.Strings(idx.names)
	for i := 1; i < len(idx.names); i++ {
		if idx.names[i] == idx.names[i-1] {
			return nil, firstTwice(listed)
		}
	}
	for i := range d.Roles {
		idx.byName[d.Roles[i].Name] = &d.Roles[i]
	}
	return idx, nil
}

// addKeys adds project under each key ID it lists once (only those in
// only, unless only is nil).
func (idx *claimedIndex) addKeys(project string, ids []string, only map[string]bool) {
	for j, id := range ids {
		if only != nil && !only[id] || j > 0 && slices.Contains(ids[:j], id) {
			continue
		}
		idx.byKey[id] = append(idx.byKey[id], project)
	}
}

// claimed reports whether claimed delegates to project.
func (idx *claimedIndex) claimed(project string) bool {
	_, found := slices.BinarySearch(idx.names, project)
	return found
}

// count is how many projects claimed delegates to.
func (idx *claimedIndex) count() int { return len(idx.names) }

var errSuccinct = fmt.Errorf("the claimed role delegates to succinct hash bins, not to projects: give the claimed role's metadata")

func delegatedTwice(project string) error {
	return fmt.Errorf("the claimed role delegates to %q twice: fix the claimed role first", project)
}

// firstTwice is the error for the first delegation, in the order written,
// whose project an earlier one names: indexClaimed's.
func firstTwice(listed []metafile.Listed) error {
	seen := make(map[string]bool, len(listed))
	for _, l := range listed {
		if seen[l.Name] {
			return delegatedTwice(l.Name)
		}
		seen[l.Name] = true
	}
	return nil
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
