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
	// NeedsReplacement: a role would be left short of keys (see Plan).
	NeedsReplacement bool
	Warnings         []string
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
	r := newResigner(s, newRoot, deleg, o)
	r.checkTargetsAtHand()
	r.walk()
	r.nameVersions()
	return r.out
}

// ownKeys are a role's keys before and after, as its delegator gives them.
type ownKeys struct{ old, new RoleKeys }

// resigner is what ResignFor keeps while it walks the targets roles from
// targets down the delegations.
type resigner struct {
	s       *State
	deleg   Delegations
	o       ResignOptions
	expires time.Time
	// onlineOld and onlineNew are the online keys of the old and new root.
	onlineOld, onlineNew map[string]bool
	// own[role] is the role's keys before and after.
	own   map[string]ownKeys
	queue []string
	done  map[string]bool
	out   Resigned
}

// newResigner prepares ResignFor's walk: the options' defaults, the new
// expiry, the online keys and targets' own keys from the two roots.
func newResigner(s *State, newRoot *metadata.RootType, deleg Delegations, o ResignOptions) *resigner {
	if o.label == nil {
		o.label = func(id string) string { return "key " + short(id) }
	}
	days := o.ExpiresDays
	if days == 0 {
		days = 365
	}
	r := &resigner{
		s:         s,
		deleg:     deleg,
		o:         o,
		expires:   o.Now.UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour),
		onlineOld: onlineKeys(s.Root),
		onlineNew: onlineKeys(newRoot),
		own:       map[string]ownKeys{},
		queue:     []string{metadata.TARGETS},
		done:      map[string]bool{},
		out:       Resigned{Targets: map[string]*metadata.TargetsType{}},
	}
	if t := s.Root.Roles[metadata.TARGETS]; t != nil {
		r.own[metadata.TARGETS] = ownKeys{
			old: RoleKeys{KeyIDs: t.KeyIDs, Keys: s.Root.Keys, Threshold: t.Threshold},
			new: rootRoleKeys(newRoot, metadata.TARGETS),
		}
	}
	return r
}

// isOnline reports whether ids are all online keys, of the old root or
// the new, and there is at least one.
func (r *resigner) isOnline(ids []string) bool {
	for _, id := range ids {
		if !r.onlineOld[id] && !r.onlineNew[id] {
			return false
		}
	}
	return len(ids) > 0
}

// checkTargetsAtHand notes as missing the targets metadata that must be
// signed again, because its offline keys change, when the state holds none.
func (r *resigner) checkTargetsAtHand() {
	t := r.own[metadata.TARGETS]
	if r.s.Targets[metadata.TARGETS] == nil && !sameRoleKeys(t.old, t.new) && !r.isOnline(t.new.KeyIDs) {
		r.out.Missing = append(r.out.Missing, fmt.Sprintf("targets: its keys change, so it must be signed again, but %s holds no targets metadata: give the repository directory, or the workspace that holds targets", r.s.Source))
	}
}

// walk visits each targets role at hand once, from targets down the
// delegations, breadth first.
func (r *resigner) walk() {
	for len(r.queue) > 0 {
		name := r.queue[0]
		r.queue = r.queue[1:]
		cur := r.s.Targets[name]
		if r.done[name] || cur == nil {
			continue
		}
		r.done[name] = true
		r.visit(name, cur)
	}
}

// visit builds the new content of the role name, whose current metadata is
// cur, gives the roles it delegates their new keys, and lists it to be
// signed again if it must be: offline, with a reason, else online.
func (r *resigner) visit(name string, cur *metadata.TargetsType) {
	base, from := r.lastGood(name, cur)
	next, err := copyTargets(base)
	if err != nil {
		r.out.Problems = append(r.out.Problems, fmt.Sprintf("%s: %v", name, err))
		return
	}
	ok := r.own[name]
	var why []string
	if !sameRoleKeys(ok.old, ok.new) {
		why = append(why, "its keys change")
	}
	if d := next.Delegations; d != nil {
		if r.delegate(name, d) {
			why = append(why, "the keys of roles it delegates change")
		}
	}
	if r.isOnline(signerIDs(name, ok)) {
		if len(why) > 0 {
			r.out.OnlineChanged = append(r.out.OnlineChanged, name)
		}
		return
	}
	if r.o.RenewAll && len(why) == 0 {
		why = append(why, "the yearly re-sign renews it")
	}
	if len(why) == 0 {
		return
	}
	r.checkControlled(name)
	next.Version = r.version(name, cur, base)
	next.Expires = r.expires
	r.out.Targets[name] = next
	r.out.Resign = append(r.out.Resign, Resign{Role: name, Version: next.Version, OldVersion: cur.Version, Expires: r.expires,
		Why: strings.Join(why, "; "), ContentFrom: from})
}

// lastGood returns the content the role name is built from, its last good
// metadata if the state has it, else cur, and says where it comes from.
func (r *resigner) lastGood(name string, cur *metadata.TargetsType) (*metadata.TargetsType, string) {
	if r.s.LastGood != nil && r.s.LastGood.Targets[name] != nil {
		base := r.s.LastGood.Targets[name]
		return base, fmt.Sprintf("%s v%d of %s (last good)", name, base.Version, r.s.LastGood.Source)
	}
	return cur, fmt.Sprintf("%s v%d of %s", name, cur.Version, r.s.Source)
}

// delegate gives the roles in d, the delegations of the role name's new
// content, their new keys, keeps only the keys they list, and queues the
// delegated roles to be visited. It reports whether any role's keys change.
func (r *resigner) delegate(name string, d *metadata.Delegations) bool {
	newKeys := map[string]*metadata.Key{}
	changed := false
	for i := range d.Roles {
		dr := &d.Roles[i]
		old := RoleKeys{KeyIDs: dr.KeyIDs, Keys: d.Keys, Threshold: dr.Threshold}
		nk, ch := r.newKeys(dr.Name, name, old)
		r.own[dr.Name] = ownKeys{old: old, new: nk}
		changed = changed || ch
		dr.KeyIDs, dr.Threshold = append([]string(nil), nk.KeyIDs...), nk.Threshold
		keepKeys(newKeys, nk)
		r.queue = append(r.queue, dr.Name)
	}
	if sr := d.SuccinctRoles; sr != nil {
		old := RoleKeys{KeyIDs: sr.KeyIDs, Keys: d.Keys, Threshold: sr.Threshold}
		nk, ch := r.newKeys(binsRole(sr), name, old)
		changed = changed || ch
		sr.KeyIDs, sr.Threshold = append([]string(nil), nk.KeyIDs...), nk.Threshold
		keepKeys(newKeys, nk)
	}
	d.Keys = map[string]*metadata.Key{}
	for id, k := range newKeys {
		d.Keys[id] = keys.Copy(k)
	}
	return changed
}

// newKeys returns the keys that role, delegated by parent with the keys
// old, has from now on (deleg's, else old) and reports whether they
// change. It notes the change, and a threshold the new keys cannot meet.
func (r *resigner) newKeys(role, parent string, old RoleKeys) (RoleKeys, bool) {
	nk, given := r.deleg[role]
	if !given {
		nk = old
	}
	changed := !sameRoleKeys(old, nk)
	if changed {
		r.out.Changes = append(r.out.Changes, changeOf(role, fmt.Sprintf("%s v?", parent), old, nk, r.o.label))
	}
	if p := thresholdProblem(role, nk, removed(old, nk, r.o.label)); p != "" {
		r.out.Problems = append(r.out.Problems, p)
		r.out.NeedsReplacement = true
	}
	return nk, changed
}

// keepKeys adds to kept the keys of k that k's key IDs list.
func keepKeys(kept map[string]*metadata.Key, k RoleKeys) {
	for _, id := range k.KeyIDs {
		if key := k.Keys[id]; key != nil {
			kept[id] = key
		}
	}
}

// signerIDs returns the key IDs that sign the role name from now on: its
// new keys, or for targets without new keys in root its old ones.
func signerIDs(name string, ok ownKeys) []string {
	ids := ok.new.KeyIDs
	if name == metadata.TARGETS && len(ids) == 0 {
		ids = ok.old.KeyIDs
	}
	return ids
}

// checkControlled notes as a problem a role the compromised keys can sign
// whose content comes from the state, not from the last good state.
func (r *resigner) checkControlled(name string) {
	s := r.s
	if r.o.Controlled[name] && (s.LastGood == nil || s.LastGood.Targets[name] == nil) {
		r.out.Problems = append(r.out.Problems, fmt.Sprintf("%s: the compromised keys can sign it, so %s in %s may be the attacker's: give --last-good with the last ceremony's workspace or a copy of the repository from before the compromise, to take its content from", name, name, s.Source))
	}
}

// version returns the role name's new version, above every version seen,
// cur's and base's, and warns when a version was published that cannot be
// exceeded safely.
func (r *resigner) version(name string, cur, base *metadata.TargetsType) int64 {
	seen := r.s.seenFor(name)
	v := max(seen.MaxSafe, r.s.Current[name], cur.Version, base.Version) + 1
	if seen.Max >= SafeVersion {
		r.out.Warnings = append(r.out.Warnings, fmt.Sprintf("%s: version %d was published, which cannot be exceeded safely: %s is made at v%d; remove the %d.%s.json an attacker published from the repository and its CDN", name, seen.Max, name, v, seen.Max, name))
	}
	return v
}

// nameVersions names, in each change, the version of the role it is made
// in, now that the versions are known, or says it is signed online.
func (r *resigner) nameVersions() {
	for i := range r.out.Changes {
		c := &r.out.Changes[i]
		parent := strings.TrimSuffix(c.In, " v?")
		if t := r.out.Targets[parent]; t != nil {
			c.In = fmt.Sprintf("%s v%d", parent, t.Version)
		} else {
			c.In = parent + " (signed online)"
		}
	}
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
		return fmt.Sprintf("%s: no key would remain once %s leaves: give a replacement key (OLD=NEW) that takes its place", role, who)
	case n < k.Threshold:
		return fmt.Sprintf("%s: %d keys would remain for its threshold of %d once %s leaves: give replacement keys (OLD=NEW) for the keys that leave (or change the threshold in a plan for the next root)", role, n, k.Threshold, who)
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
