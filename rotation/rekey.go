package rotation

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// RoleKeys is who may sign a role: key IDs, their keys, and how many must.
type RoleKeys struct {
	KeyIDs    []string
	Keys      map[string]*metadata.Key
	Threshold int
}

// Delegations gives delegated roles their keys in the new metadata, by
// role name (bins by their succinct name, "bins-*"). A delegated role not
// in it keeps its keys.
type Delegations map[string]RoleKeys

// Resigned is the offline metadata a new root calls for.
type Resigned struct {
	// Resign is in signing order (targets before what it delegates).
	Resign   []Resign
	Targets  map[string]*metadata.TargetsType
	Changes  []Change
	Problems []string
	Warnings []string
	// OnlineChanged are the online targets roles (rstuf's targets,
	// pep480's unclaimed and recently-claimed) whose keys or whose
	// delegations' keys change: the online side signs them again.
	OnlineChanged []string
	// Missing says what must be signed again but is not at hand: root's
	// targets keys change, and the state holds no targets metadata.
	Missing []string
}

// ResignOptions say how offline metadata is re-signed.
type ResignOptions struct {
	// RenewAll re-signs every offline role at hand, changed or not (the
	// yearly re-sign).
	RenewAll bool
	// Controlled are roles an attacker could have signed: their content
	// must come from the last good state.
	Controlled map[string]bool
	Now        time.Time
	// ExpiresDays is the new expiry period; 0 means 365.
	ExpiresDays int
	// label names a key ID for people; nil means short key IDs.
	label func(string) string
}

// ResignFor works out which offline targets roles of s must be signed
// again under newRoot: targets when root's targets keys or threshold
// change, a delegated role when its delegator's keys for it change, and
// any of them when the keys of a role it delegates change. Each is built
// from its last good content (s.LastGood, else s.Targets) at a version
// above every version seen, with a new expiry.
func ResignFor(s *State, newRoot *metadata.RootType, deleg Delegations, o ResignOptions) Resigned {
	out := Resigned{Targets: map[string]*metadata.TargetsType{}}
	if o.label == nil {
		o.label = func(id string) string { return "key " + short(id) }
	}
	days := o.ExpiresDays
	if days == 0 {
		days = 365
	}
	expires := o.Now.UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour)
	onlineOld, onlineNew := onlineKeys(s.Root), onlineKeys(newRoot)
	isOnline := func(ids []string) bool {
		for _, id := range ids {
			if !onlineOld[id] && !onlineNew[id] {
				return false
			}
		}
		return len(ids) > 0
	}

	// ownKeys[role] is the role's keys before and after, as its delegator
	// gives them.
	type before struct{ old, new RoleKeys }
	own := map[string]before{}
	if r := s.Root.Roles[metadata.TARGETS]; r != nil {
		own[metadata.TARGETS] = before{
			old: RoleKeys{KeyIDs: r.KeyIDs, Keys: s.Root.Keys, Threshold: r.Threshold},
			new: rootRoleKeys(newRoot, metadata.TARGETS),
		}
	}
	if t := own[metadata.TARGETS]; s.Targets[metadata.TARGETS] == nil && !sameRoleKeys(t.old, t.new) && !isOnline(t.new.KeyIDs) {
		out.Missing = append(out.Missing, fmt.Sprintf("targets: its keys change, so it must be signed again, but %s holds no targets metadata: give the repository directory, or the workspace that holds targets", s.Source))
	}
	queue := []string{metadata.TARGETS}
	done := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		cur := s.Targets[name]
		if done[name] || cur == nil {
			continue
		}
		done[name] = true
		base, from := cur, fmt.Sprintf("%s v%d of %s", name, cur.Version, s.Source)
		if s.LastGood != nil && s.LastGood.Targets[name] != nil {
			base = s.LastGood.Targets[name]
			from = fmt.Sprintf("%s v%d of %s (last good)", name, base.Version, s.LastGood.Source)
		}
		next, err := copyTargets(base)
		if err != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		var why []string
		ok := own[name]
		if !sameRoleKeys(ok.old, ok.new) {
			why = append(why, "its keys change")
		}
		if d := next.Delegations; d != nil {
			newKeys := map[string]*metadata.Key{}
			keep := func(ids []string, keys map[string]*metadata.Key) {
				for _, id := range ids {
					if k := keys[id]; k != nil {
						newKeys[id] = k
					}
				}
			}
			for i := range d.Roles {
				dr := &d.Roles[i]
				old := RoleKeys{KeyIDs: dr.KeyIDs, Keys: d.Keys, Threshold: dr.Threshold}
				nk, given := deleg[dr.Name]
				if !given {
					nk = old
				}
				own[dr.Name] = before{old: old, new: nk}
				if !sameRoleKeys(old, nk) {
					why = appendOnce(why, "the keys of roles it delegates change")
					out.Changes = append(out.Changes, changeOf(dr.Name, fmt.Sprintf("%s v?", name), old, nk, o.label))
				}
				if p := thresholdProblem(dr.Name, nk, removed(old, nk, o.label)); p != "" {
					out.Problems = append(out.Problems, p)
				}
				dr.KeyIDs, dr.Threshold = append([]string(nil), nk.KeyIDs...), nk.Threshold
				keep(nk.KeyIDs, nk.Keys)
				queue = append(queue, dr.Name)
			}
			if sr := d.SuccinctRoles; sr != nil {
				role := binsRole(sr)
				old := RoleKeys{KeyIDs: sr.KeyIDs, Keys: d.Keys, Threshold: sr.Threshold}
				nk, given := deleg[role]
				if !given {
					nk = old
				}
				if !sameRoleKeys(old, nk) {
					why = appendOnce(why, "the keys of roles it delegates change")
					out.Changes = append(out.Changes, changeOf(role, fmt.Sprintf("%s v?", name), old, nk, o.label))
				}
				if p := thresholdProblem(role, nk, removed(old, nk, o.label)); p != "" {
					out.Problems = append(out.Problems, p)
				}
				sr.KeyIDs, sr.Threshold = append([]string(nil), nk.KeyIDs...), nk.Threshold
				keep(nk.KeyIDs, nk.Keys)
			}
			d.Keys = map[string]*metadata.Key{}
			for id, k := range newKeys {
				d.Keys[id] = keys.Copy(k)
			}
		}
		ownIDs := ok.new.KeyIDs
		if name == metadata.TARGETS && len(ownIDs) == 0 {
			ownIDs = ok.old.KeyIDs
		}
		if isOnline(ownIDs) {
			if len(why) > 0 {
				out.OnlineChanged = append(out.OnlineChanged, name)
			}
			continue
		}
		if o.RenewAll && len(why) == 0 {
			why = append(why, "the yearly re-sign renews it")
		}
		if len(why) == 0 {
			continue
		}
		if o.Controlled[name] && (s.LastGood == nil || s.LastGood.Targets[name] == nil) {
			out.Problems = append(out.Problems, fmt.Sprintf("%s: the compromised keys can sign it, so %s in %s may be the attacker's: give --last-good with the last ceremony's workspace or a copy of the repository from before the compromise, to take its content from", name, name, s.Source))
		}
		seen := s.seenFor(name)
		next.Version = max(seen.MaxSafe, s.Current[name], cur.Version, base.Version) + 1
		if seen.Max >= SafeVersion {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s: version %d was published, which cannot be exceeded safely: %s is made at v%d; remove the %d.%s.json an attacker published from the repository and its CDN", name, seen.Max, name, next.Version, seen.Max, name))
		}
		next.Expires = expires
		out.Targets[name] = next
		out.Resign = append(out.Resign, Resign{Role: name, Version: next.Version, OldVersion: cur.Version, Expires: expires,
			Why: strings.Join(why, "; "), ContentFrom: from})
	}
	// Name the versions now known.
	for i := range out.Changes {
		c := &out.Changes[i]
		parent := strings.TrimSuffix(c.In, " v?")
		if t := out.Targets[parent]; t != nil {
			c.In = fmt.Sprintf("%s v%d", parent, t.Version)
		} else {
			c.In = parent + " (signed online)"
		}
	}
	return out
}

func rootRoleKeys(r *metadata.RootType, role string) RoleKeys {
	rr := r.Roles[role]
	if rr == nil {
		return RoleKeys{}
	}
	return RoleKeys{KeyIDs: rr.KeyIDs, Keys: r.Keys, Threshold: rr.Threshold}
}

// sameRoleKeys reports whether a and b list the same keys (as keys, in any
// order) at the same threshold.
func sameRoleKeys(a, b RoleKeys) bool {
	if a.Threshold != b.Threshold || len(a.KeyIDs) != len(b.KeyIDs) {
		return false
	}
	return covers(a, b) && covers(b, a)
}

func covers(a, b RoleKeys) bool {
	for _, id := range a.KeyIDs {
		found := false
		for _, other := range b.KeyIDs {
			if id == other || keys.SameKey(a.Keys[id], b.Keys[other]) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// thresholdProblem says what is wrong if the keys cannot meet the
// threshold once the keys in gone (their names) leave.
func thresholdProblem(role string, k RoleKeys, gone []string) string {
	who := "the revoked key"
	if len(gone) > 0 {
		who = strings.Join(gone, ", ")
	}
	switch n := distinctKeys(k); {
	case n == 0:
		return fmt.Sprintf("%s: no key would remain once %s leaves: give --replace OLD=NEWKEY with the key that takes its place", role, who)
	case n < k.Threshold:
		return fmt.Sprintf("%s: %d keys would remain for its threshold of %d once %s leaves: give --replace OLD=NEWKEY for the keys that leave (or change the threshold with a plan and 'ceremony init --from')", role, n, k.Threshold, who)
	}
	return ""
}

// removed names the keys of old that new does not list.
func removed(old, new RoleKeys, label func(string) string) []string {
	var out []string
	for _, id := range old.KeyIDs {
		if !covers(RoleKeys{KeyIDs: []string{id}, Keys: old.Keys}, new) {
			out = append(out, label(id))
		}
	}
	return out
}

func distinctKeys(k RoleKeys) int {
	n := 0
	for i, id := range k.KeyIDs {
		dup := false
		for _, prev := range k.KeyIDs[:i] {
			if prev == id || keys.SameKey(k.Keys[prev], k.Keys[id]) {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

func changeOf(role, in string, old, new RoleKeys, label func(string) string) Change {
	c := Change{Role: role, In: in, Threshold: new.Threshold, OldThreshold: old.Threshold, Removed: removed(old, new, label)}
	for _, id := range new.KeyIDs {
		if !covers(RoleKeys{KeyIDs: []string{id}, Keys: new.Keys}, old) {
			c.Added = append(c.Added, label(id))
		}
		c.Keys = append(c.Keys, label(id))
	}
	return c
}

func appendOnce(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// copyTargets is a deep copy of t, through its JSON form (go-tuf keeps
// unknown fields).
func copyTargets(t *metadata.TargetsType) (*metadata.TargetsType, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("failed to copy: %w", err)
	}
	var c metadata.TargetsType
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("failed to copy: %w", err)
	}
	return &c, nil
}

func copyRoot(r *metadata.RootType) (*metadata.RootType, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("failed to copy root: %w", err)
	}
	var c metadata.RootType
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("failed to copy root: %w", err)
	}
	return &c, nil
}
