package ceremony

// What changes between the metadata clients trust and the metadata about
// to be signed: keys and thresholds of root's roles, targets' delegations
// and files.

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// rootRoleOrder orders root's roles: the four top-level roles, then any other.
func rootRoleOrder(roots ...*metadata.RootType) []string {
	out := []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP}
	var extra []string
	for _, r := range roots {
		if r == nil {
			continue
		}
		for name := range r.Roles {
			if !slices.Contains(out, name) && !slices.Contains(extra, name) {
				extra = append(extra, name)
			}
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// onlineOnly are the key IDs a root lists for timestamp or snapshot and
// not for root: online keys, whoever holds them.
func onlineOnly(r *metadata.RootType) map[string]bool {
	out := map[string]bool{}
	if r == nil {
		return out
	}
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT} {
		if rr := r.Roles[role]; rr != nil {
			for _, id := range rr.KeyIDs {
				out[id] = true
			}
		}
	}
	if rr := r.Roles[metadata.ROOT]; rr != nil {
		for _, id := range rr.KeyIDs {
			delete(out, id)
		}
	}
	return out
}

func (rv *reviewer) rootReview(next, trusted *metadata.RootType) *RootReview {
	rr := &RootReview{SpecVersion: next.SpecVersion, ConsistentSnapshot: next.ConsistentSnapshot}
	if trusted != nil {
		rr.TrustedSpecVersion = trusted.SpecVersion
		c := trusted.ConsistentSnapshot
		rr.TrustedConsistentSnapshot = &c
	}
	nextOnline, trustedOnline := onlineOnly(next), onlineOnly(trusted)
	for _, role := range rootRoleOrder(next, trusted) {
		var newIDs, oldIDs []string
		rrr := RootRoleReview{Role: role}
		if r := next.Roles[role]; r != nil {
			newIDs, rrr.Threshold = r.KeyIDs, r.Threshold
		}
		var oldKeys map[string]*metadata.Key
		if trusted != nil {
			oldKeys = trusted.Keys
			if r := trusted.Roles[role]; r != nil {
				oldIDs, rrr.TrustedThreshold = r.KeyIDs, r.Threshold
			}
		}
		if newIDs == nil && oldIDs == nil && rrr.Threshold == 0 && rrr.TrustedThreshold == 0 {
			continue
		}
		rrr.Added, rrr.Removed, rrr.Kept = rv.diffKeys(
			keyList{oldIDs, oldKeys, trustedOnline}, keyList{newIDs, next.Keys, nextOnline})
		rr.Roles = append(rr.Roles, rrr)
	}
	return rr
}

// keyList is the keys a role or delegation lists.
type keyList struct {
	ids    []string
	keys   map[string]*metadata.Key
	online map[string]bool
}

// has reports whether the list holds key k (listed as id): the same public
// key under any key ID, or the same key ID where a key is not defined.
func (kl keyList) has(id string, k *metadata.Key) bool {
	// Written alike first: a role that keeps its keys keeps them as they
	// were written, and none is then encoded to be compared.
	for _, o := range kl.ids {
		if keys.WrittenAlike(kl.keys[o], k) {
			return true
		}
	}
	for _, o := range kl.ids {
		if ko := kl.keys[o]; k != nil && ko != nil {
			if keys.SameKey(ko, k) {
				return true
			}
		} else if o == id {
			return true
		}
	}
	return false
}

// diffKeys compares the keys of a role by public key, not key ID: a key
// listed under another key ID is kept, not removed and added.
func (rv *reviewer) diffKeys(old, next keyList) (added, removed, kept []ReviewKey) {
	// A key ID listed twice counts once. The lists are short (a role's
	// keys), and compared for each of 100,000 delegations: looked for in
	// what came before, not in a map made for each.
	for i, id := range next.ids {
		if slices.Contains(next.ids[:i], id) {
			continue
		}
		k := next.keys[id]
		if old.has(id, k) {
			kept = append(kept, rv.key(id, k, next.online[id]))
		} else {
			added = append(added, rv.key(id, k, next.online[id]))
		}
	}
	for i, id := range old.ids {
		if slices.Contains(old.ids[:i], id) {
			continue
		}
		k := old.keys[id]
		if !next.has(id, k) {
			removed = append(removed, rv.key(id, k, old.online[id]))
		}
	}
	return added, removed, kept
}

// CompareTargets compares a targets role (top-level or delegated) with the
// version clients trust; trusted nil means none, and everything in next is
// new. Keys are named from ws's ceremony.json; ws may be nil.
func CompareTargets(ws *workspace.Workspace, next, trusted *metadata.TargetsType) *TargetsReview {
	return (&reviewer{ws: ws}).targetsReview(next, trusted)
}

func (rv *reviewer) targetsReview(next, trusted *metadata.TargetsType) *TargetsReview {
	if next == nil {
		next = &metadata.TargetsType{}
	}
	tr := &TargetsReview{Delegations: []DelegationReview{}, Targets: []TargetReview{}}
	type entry struct {
		terms *DelegationTerms
		list  keyList
	}
	collect := func(t *metadata.TargetsType) (map[string]entry, []string) {
		out, order := map[string]entry{}, []string{}
		if t == nil || t.Delegations == nil {
			return out, order
		}
		d := t.Delegations
		for _, r := range d.Roles {
			if _, dup := out[r.Name]; dup {
				continue
			}
			terms := &DelegationTerms{Threshold: r.Threshold, Terminating: r.Terminating, Paths: len(r.Paths), PathHashPrefixes: len(r.PathHashPrefixes),
				paths: r.Paths, prefixes: r.PathHashPrefixes}
			out[r.Name] = entry{terms, keyList{r.KeyIDs, d.Keys, nil}}
			order = append(order, r.Name)
		}
		if s := d.SuccinctRoles; s != nil {
			terms := &DelegationTerms{Threshold: s.Threshold, Terminating: true, HashBins: hashBins(s)}
			out["\x00succinct"] = entry{terms, keyList{s.KeyIDs, d.Keys, nil}}
			order = append(order, "\x00succinct")
		}
		return out, order
	}
	// described gives e's terms with its keys named: only for what the
	// review shows (a claimed role of 100,000 delegations shows the few
	// that change).
	described := func(e entry) *DelegationTerms {
		e.terms.Keys = rv.keysOf(e.list.ids, e.list.keys)
		return e.terms
	}
	name := func(key string, e entry) string {
		if b := e.terms.HashBins; b != nil {
			return b.First + ".." + b.Last
		}
		return key
	}
	newD, newOrder := collect(next)
	oldD, oldOrder := collect(trusted)
	for _, key := range newOrder {
		n := newD[key]
		o, ok := oldD[key]
		if !ok {
			tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, n), Change: ChangeAdded, New: described(n)})
			continue
		}
		added, removed, _ := rv.diffKeys(o.list, n.list)
		if len(added) == 0 && len(removed) == 0 && sameTerms(o.terms, n.terms) {
			tr.DelegationsUnchanged++
			continue
		}
		tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, n), Change: ChangeChanged, Old: described(o), New: described(n), KeysAdded: added, KeysRemoved: removed})
	}
	for _, key := range oldOrder {
		if _, ok := newD[key]; !ok {
			o := oldD[key]
			tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, o), Change: ChangeRemoved, Old: described(o)})
		}
	}

	var oldT map[string]*metadata.TargetFiles
	if trusted != nil {
		oldT = trusted.Targets
	}
	for _, path := range slices.Sorted(maps.Keys(next.Targets)) {
		n := targetInfo(next.Targets[path])
		o, ok := oldT[path]
		switch {
		case !ok:
			tr.Targets = append(tr.Targets, TargetReview{Path: path, Change: ChangeAdded, New: n})
		case sameTarget(targetInfo(o), n):
			tr.TargetsUnchanged++
		default:
			tr.Targets = append(tr.Targets, TargetReview{Path: path, Change: ChangeChanged, Old: targetInfo(o), New: n})
		}
	}
	for _, path := range slices.Sorted(maps.Keys(oldT)) {
		if _, ok := next.Targets[path]; !ok {
			tr.Targets = append(tr.Targets, TargetReview{Path: path, Change: ChangeRemoved, Old: targetInfo(oldT[path])})
		}
	}
	return tr
}

func (rv *reviewer) keysOf(ids []string, all map[string]*metadata.Key) []ReviewKey {
	out := []ReviewKey{}
	for _, id := range ids {
		out = append(out, rv.key(id, all[id], false))
	}
	return out
}

func hashBins(s *metadata.SuccinctRoles) *HashBins {
	count := 1 << s.BitLength
	width := len(strconv.FormatInt(int64(count-1), 16))
	return &HashBins{Count: count, NamePrefix: s.NamePrefix, BitLength: s.BitLength,
		First: fmt.Sprintf("%s-%0*x", s.NamePrefix, width, 0), Last: fmt.Sprintf("%s-%0*x", s.NamePrefix, width, count-1)}
}

func sameTerms(a, b *DelegationTerms) bool {
	if a.Threshold != b.Threshold || a.Terminating != b.Terminating || !slices.Equal(a.paths, b.paths) || !slices.Equal(a.prefixes, b.prefixes) {
		return false
	}
	if (a.HashBins == nil) != (b.HashBins == nil) {
		return false
	}
	return a.HashBins == nil || *a.HashBins == *b.HashBins
}

func targetInfo(t *metadata.TargetFiles) *TargetInfo {
	info := &TargetInfo{Hashes: map[string]string{}}
	if t == nil {
		return info
	}
	info.Length = t.Length
	for alg, h := range t.Hashes {
		info.Hashes[alg] = h.String()
	}
	if t.Custom != nil {
		info.custom = *t.Custom
	}
	return info
}

func sameTarget(a, b *TargetInfo) bool {
	if a.Length != b.Length || len(a.Hashes) != len(b.Hashes) || !bytes.Equal(a.custom, b.custom) {
		return false
	}
	for alg, h := range a.Hashes {
		if b.Hashes[alg] != h {
			return false
		}
	}
	return true
}
