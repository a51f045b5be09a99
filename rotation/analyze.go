package rotation

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
)

// Analyze works out the rotation req asks for, from s. It fails only on a
// request that does not fit s (a key ID s does not list, a replacement
// that is not a usable key); everything else, a recovery that cannot be
// in band included, is said in the Plan.
func Analyze(s *State, req Request) (*Plan, error) {
	if s == nil || s.Root == nil {
		return nil, fmt.Errorf("no trusted root to rotate from")
	}
	if req.Now.IsZero() {
		return nil, fmt.Errorf("no time to count expiry from")
	}
	r := s.ring()
	a := &analysis{s: s, req: req, ring: r, cause: map[string]Cause{}, repl: map[string]Key{}}
	p := &Plan{Emergency: req.Emergency(), Source: s.Source, Profile: s.Profile, Repository: s.Repository,
		TrustedRootVersion: s.Root.Version}
	a.p = p
	if err := a.causes(); err != nil {
		return nil, err
	}
	a.affected()
	stolen := map[string]bool{}
	for id, c := range a.cause {
		if c == Stolen {
			stolen[id] = true
		}
	}
	p.Reach = reachOf(s, stolen, a.labels())
	a.evidence(stolen)
	if !a.inBand() {
		p.Keys = a.keyList()
		return p, nil
	}
	p.InBand = true
	newRoot := a.newRoot()
	if newRoot == nil {
		p.Keys = a.keyList()
		return p, nil
	}
	controlled := map[string]bool{}
	for _, rc := range p.Reach {
		if rc.Controlled() {
			controlled[rc.Role] = true
		}
	}
	res := ResignFor(s, newRoot, a.delegations(), ResignOptions{
		RenewAll:   !req.Emergency() && len(req.Replace) == 0,
		Controlled: controlled, Now: req.Now, ExpiresDays: req.ExpiresDays, label: a.label,
	})
	p.Problems = append(p.Problems, res.Problems...)
	p.Problems = append(p.Problems, res.Missing...)
	p.NeedsReplacement = p.NeedsReplacement || res.NeedsReplacement
	p.Warnings = append(p.Warnings, res.Warnings...)
	p.Changes = append(p.Changes, res.Changes...)
	p.NewRoot = newRoot
	p.RootVersion = newRoot.Version
	p.NewTargets = res.Targets
	p.Resign = append([]Resign{{Role: metadata.ROOT, Version: newRoot.Version, OldVersion: s.Root.Version, Expires: newRoot.Expires,
		Why: a.rootWhy(), ContentFrom: fmt.Sprintf("root v%d of %s", s.Root.Version, s.Source)}}, res.Resign...)
	a.online(newRoot, res)
	a.signing(newRoot, res)
	a.steps(newRoot, res)
	p.Keys = a.keyList()
	if len(p.Problems) > 0 {
		p.NewRoot, p.NewTargets = nil, nil
	}
	return p, nil
}

// analysis is Analyze's working state.
type analysis struct {
	s     *State
	req   Request
	ring  *ring
	p     *Plan
	cause map[string]Cause // every key ID of an affected key
	repl  map[string]Key   // every key ID of a replaced key -> its replacement
}

func (a *analysis) label(id string) string {
	if k := a.ring.byID[id]; k != nil {
		return k.Label()
	}
	for _, nk := range a.repl {
		if nk.ID == id {
			return nk.Label()
		}
	}
	return "key " + short(id)
}

func (a *analysis) labels() map[string]string {
	out := map[string]string{}
	for _, id := range a.ring.ids {
		out[id] = a.label(a.ring.same(id)[0])
	}
	return out
}

// causes marks every key ID of each affected key; stolen wins over lost,
// lost over retired.
func (a *analysis) causes() error {
	mark := func(id string, c Cause) error {
		ids := a.ring.same(id)
		if len(ids) == 0 {
			return fmt.Errorf("key %s is not in %s", short(id), a.s.Source)
		}
		for _, same := range ids {
			if cur, ok := a.cause[same]; !ok || rank(c) > rank(cur) {
				a.cause[same] = c
			}
		}
		return nil
	}
	for _, id := range a.req.Stolen {
		if err := mark(id, Stolen); err != nil {
			return err
		}
	}
	if a.req.Online {
		found := false
		for _, id := range a.ring.ids {
			if a.ring.byID[id].Online {
				found = true
				if err := mark(id, Stolen); err != nil {
					return err
				}
			}
		}
		if !found {
			return fmt.Errorf("%s lists no online key (none for timestamp or snapshot)", a.s.Source)
		}
	}
	for _, id := range a.req.Lost {
		if err := mark(id, Lost); err != nil {
			return err
		}
	}
	seenNew := map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(a.req.Replace)) {
		nk := a.req.Replace[id]
		if nk.Key == nil {
			return fmt.Errorf("the replacement for %s has no key", a.label(id))
		}
		nid, err := keys.ID(nk.Key)
		if err != nil {
			return fmt.Errorf("the replacement for %s: %w", a.label(id), err)
		}
		nk.ID = nid
		old := a.ring.byID[id]
		if old == nil {
			return fmt.Errorf("key %s is not in %s", short(id), a.s.Source)
		}
		for _, n := range a.s.Names {
			if nk.Holder == "" && keys.SameKey(n.Key, nk.Key) {
				nk.Holder = n.Holder
				if nk.URI == "" {
					nk.URI = n.URI
				}
			}
		}
		if nk.Holder == "" {
			nk.Holder = old.Holder // the same holder, on a new device
		}
		nk.Online = nk.Online || old.Online
		if nk.Online && nk.URI == "" {
			nk.URI = a.req.OnlineKeyURI
		}
		for _, other := range a.ring.ids {
			if keys.SameKey(a.ring.byID[other].Key, nk.Key) {
				return fmt.Errorf("the replacement for %s is %s, which %s already lists: every key needs a new key of its own", a.label(id), a.label(other), a.s.Source)
			}
		}
		if prev, dup := seenNew[nid]; dup {
			return fmt.Errorf("the same new key replaces both %s and %s: every key needs a new key of its own", prev, a.label(id))
		}
		seenNew[nid] = a.label(id)
		if err := mark(id, Retired); err != nil {
			return err
		}
		for _, same := range a.ring.same(id) {
			a.repl[same] = nk
		}
	}
	return nil
}

func rank(c Cause) int {
	switch c {
	case Stolen:
		return 3
	case Lost:
		return 2
	}
	return 1
}

// affected lists each affected key once, with the roles listing it.
func (a *analysis) affected() {
	done := map[string]bool{}
	for _, id := range a.ring.ids {
		c, ok := a.cause[id]
		if !ok || done[id] {
			continue
		}
		for _, same := range a.ring.same(id) {
			done[same] = true
		}
		e := Affected{Key: *a.ring.byID[id], Cause: c, Roles: a.rolesListing(id)}
		if nk, ok := a.repl[id]; ok {
			e.ReplacedBy = &nk
		}
		a.p.Affected = append(a.p.Affected, e)
	}
}

// rolesListing names the roles whose delegator lists key id.
func (a *analysis) rolesListing(id string) []string {
	same := map[string]bool{}
	for _, s := range a.ring.same(id) {
		same[s] = true
	}
	has := func(ids []string) bool {
		for _, x := range ids {
			if same[x] {
				return true
			}
		}
		return false
	}
	var out []string
	for _, role := range slices.Sorted(maps.Keys(a.s.Root.Roles)) {
		if r := a.s.Root.Roles[role]; r != nil && has(r.KeyIDs) {
			out = append(out, role)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(a.s.Targets)) {
		d := a.s.Targets[name].Delegations
		if d == nil {
			continue
		}
		for _, dr := range d.Roles {
			if has(dr.KeyIDs) {
				out = append(out, dr.Name)
			}
		}
		if d.SuccinctRoles != nil && has(d.SuccinctRoles.KeyIDs) {
			out = append(out, binsRole(d.SuccinctRoles))
		}
	}
	return out
}

// evidence lists the files the stolen keys could have made (signed by
// them, in a role they alone can sign) and the versions no new version can
// exceed.
func (a *analysis) evidence(stolen map[string]bool) {
	const most = 20
	controlled := func(role string) bool {
		for _, r := range a.p.Reach {
			if r.Controlled() && (r.Role == role || strings.HasSuffix(r.Role, "-*") && strings.HasPrefix(role, strings.TrimSuffix(r.Role, "*"))) {
				return true
			}
		}
		return false
	}
	var signed []string
	for _, f := range a.s.Files {
		var by []string
		for _, id := range f.SignedBy {
			if stolen[id] {
				by = appendOnce(by, a.label(id))
			}
		}
		if len(by) > 0 && controlled(f.Role) {
			signed = append(signed, fmt.Sprintf("%s (%s v%d) could be the attacker's: it is signed by the stolen key of %s, which alone can sign %s", f.Name, f.Role, f.Version, strings.Join(by, ", "), f.Role))
		}
	}
	if len(signed) > most {
		signed = append(signed[:most], fmt.Sprintf("... and %d more files", len(signed)-most))
	}
	a.p.Evidence = append(a.p.Evidence, signed...)
	for _, role := range slices.Sorted(maps.Keys(a.s.Seen)) {
		if v := a.s.Seen[role]; v.Max >= SafeVersion {
			a.p.Evidence = append(a.p.Evidence, fmt.Sprintf("%s was published at version %d, beyond any version a client can be moved past (a fast-forward attack); the highest version below 2^53 seen is %d", role, v.Max, v.MaxSafe))
		}
	}
}

// inBand decides whether the keyholders can recover by signing a new
// root, and if not says why and what to do instead.
func (a *analysis) inBand() bool {
	root := a.s.Root.Roles[metadata.ROOT]
	if root == nil {
		a.p.OutOfBand = &OutOfBand{Statement: fmt.Sprintf("root v%d has no root role", a.s.Root.Version)}
		return false
	}
	var stolen, usable []string
	seen := map[string]bool{}
	for _, id := range root.KeyIDs {
		l := a.labels()[id]
		if seen[l] {
			continue
		}
		seen[l] = true
		switch a.cause[id] {
		case Stolen:
			stolen = append(stolen, l)
		case Lost:
		default:
			usable = append(usable, l)
		}
	}
	v := a.s.Root.Version
	switch {
	case len(stolen) >= root.Threshold:
		a.p.OutOfBand = &OutOfBand{
			Statement: fmt.Sprintf("In-band recovery is not possible. The compromised keys (%s) alone meet root v%d's threshold (%d of %d keys): anyone holding them can sign a root v%d of their own, and a client follows whichever root v%d it sees first, so no root the keyholders sign can revoke those keys for clients that see the attacker's first.",
				strings.Join(stolen, ", "), v, root.Threshold, len(root.KeyIDs), v+1, v+1),
			Steps: a.outOfBandSteps(true),
		}
		return false
	case len(usable) < root.Threshold:
		a.p.OutOfBand = &OutOfBand{
			Statement: fmt.Sprintf("In-band recovery is not possible. Only %d of root v%d's keys remain usable (%s), below its threshold of %d: root v%d cannot be signed by root v%d's threshold, so no client would take it.",
				len(usable), v, strings.Join(orNone(usable), ", "), root.Threshold, v+1, v),
			Steps: a.outOfBandSteps(len(stolen) > 0),
		}
		return false
	}
	return true
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none"}
	}
	return s
}

func (a *analysis) outOfBandSteps(attacker bool) []string {
	v := a.s.Root.Version
	maxRoot := max(a.s.seenFor(metadata.ROOT).Max, v)
	var steps []string
	if attacker {
		steps = append(steps,
			"Stop updates at once: take the repository's TUF metadata offline (serve no new timestamp) so that clients stop updating from it, and announce the compromise through channels the attacker does not control.",
			fmt.Sprintf("Keep the evidence: copy the repository's metadata (every root file, root v%d and above included) and the servers' logs before changing anything.", v+1))
	} else {
		steps = append(steps, fmt.Sprintf("The repository keeps working as it is: root v%d stays valid until %s. Everything below must be done before then.", v, a.s.Root.Expires.UTC().Format(time.RFC3339)))
	}
	steps = append(steps,
		"Hold a new bootstrap ceremony on a clean air-gapped machine, with new keys made on new devices for every offline role: 'ceremony init --plan NEW-PLAN --date YYYY-MM-DD WS' makes a new root v1. None of the affected keys may appear in it.",
		fmt.Sprintf("Publish it where it cannot be confused with the old chain: a new metadata location, or the same one after removing every published root file (up to v%d), so that no file name collides.", maxRoot),
		"Distribute the new root out of band: ship it in client releases (for PyPI, the root bundled with pip), and publish its SHA-256 and PGP words through channels the attacker does not control (signed announcements, the project's website). Clients cannot learn it from the repository: every client must replace its trusted root.",
		"Re-sign targets and every delegated role with the new keys, from the last good content (compare every hash bin with the last good snapshot), and publish them with a new online key.")
	if attacker {
		steps = append(steps, fmt.Sprintf("Tell users that a client which already took a root v%d or later from the old repository trusts the attacker: it must be reinstalled or given the new root by hand.", v+1))
	}
	return steps
}

// substitute maps a role's keys through the request: affected keys leave,
// their replacements take their place.
func (a *analysis) substitute(old RoleKeys) RoleKeys {
	out := RoleKeys{Threshold: old.Threshold, Keys: map[string]*metadata.Key{}}
	add := func(id string, k *metadata.Key) {
		for _, x := range out.KeyIDs {
			if x == id {
				return
			}
		}
		out.KeyIDs = append(out.KeyIDs, id)
		out.Keys[id] = k
	}
	for _, id := range old.KeyIDs {
		if _, ok := a.cause[id]; !ok {
			add(id, old.Keys[id])
			continue
		}
		if nk, ok := a.repl[id]; ok {
			add(nk.ID, nk.Key)
		}
	}
	return out
}

func (a *analysis) delegations() Delegations {
	out := Delegations{}
	for _, name := range slices.Sorted(maps.Keys(a.s.Targets)) {
		d := a.s.Targets[name].Delegations
		if d == nil {
			continue
		}
		for _, dr := range d.Roles {
			out[dr.Name] = a.substitute(RoleKeys{KeyIDs: dr.KeyIDs, Keys: d.Keys, Threshold: dr.Threshold})
		}
		if sr := d.SuccinctRoles; sr != nil {
			nk := a.substitute(RoleKeys{KeyIDs: sr.KeyIDs, Keys: d.Keys, Threshold: sr.Threshold})
			sort.Strings(nk.KeyIDs)
			out[binsRole(sr)] = nk
		}
	}
	return out
}

// newRoot is the trusted root with the request applied, or nil when a
// problem stops it (said in p.Problems).
func (a *analysis) newRoot() *metadata.RootType {
	s := a.s
	nr, err := copyRoot(s.Root)
	if err != nil {
		a.p.Problems = append(a.p.Problems, err.Error())
		return nil
	}
	days := a.req.ExpiresDays
	if days == 0 {
		days = 365
	}
	nr.Version = s.Root.Version + 1
	nr.Expires = a.req.Now.UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour)
	nr.Keys = map[string]*metadata.Key{}
	rstuf := s.Profile == plan.ProfileRSTUF || hasRSTUFFields(s.Root)
	for _, role := range slices.Sorted(maps.Keys(s.Root.Roles)) {
		if nr.Roles[role] == nil {
			a.p.Problems = append(a.p.Problems, fmt.Sprintf("root v%d: role %q is null: fix the trusted root", s.Root.Version, role))
			continue
		}
		old := rootRoleKeys(s.Root, role)
		nk := a.substitute(old)
		if p := thresholdProblem(role, nk, removed(old, nk, a.label)); p != "" {
			a.p.Problems = append(a.p.Problems, p)
			a.p.NeedsReplacement = true
		}
		nr.Roles[role].KeyIDs = nk.KeyIDs
		for _, id := range nk.KeyIDs {
			if k := s.Root.Keys[id]; k != nil {
				nr.Keys[id] = keys.Copy(k)
				continue
			}
			c := keys.Copy(nk.Keys[id])
			if rstuf {
				if err := a.rstufFields(c, id); err != nil {
					a.p.Problems = appendOnce(a.p.Problems, err.Error())
				}
			}
			nr.Keys[id] = c
		}
		if !sameRoleKeys(old, nk) {
			a.p.Changes = append(a.p.Changes, changeOf(role, fmt.Sprintf("root v%d", nr.Version), old, nk, a.label))
		}
	}
	if r := nr.Roles[metadata.ROOT]; r != nil && r.Threshold < 2 && s.Root.Roles[metadata.ROOT].Threshold >= 2 {
		a.p.Problems = append(a.p.Problems, "root: the threshold would fall below 2")
	}
	return nr
}

func hasRSTUFFields(r *metadata.RootType) bool {
	for _, k := range r.Keys {
		if _, ok := k.UnrecognizedFields[rstufKeyName]; ok {
			return true
		}
	}
	return false
}

// rstufFields gives a new key RSTUF's name and, for the online key, its URI.
func (a *analysis) rstufFields(k *metadata.Key, id string) error {
	var nk Key
	for _, r := range a.repl {
		if r.ID == id {
			nk = r
		}
	}
	if k.UnrecognizedFields == nil {
		k.UnrecognizedFields = map[string]any{}
	}
	name := nk.Holder
	if name == "" {
		name = "key " + short(id)
	}
	k.UnrecognizedFields[rstufKeyName] = name
	if nk.Online {
		if a.req.OnlineKeyURI == "" {
			return fmt.Errorf("the new online key needs its URI in root (x-rstuf-online-key-uri, where RSTUF's workers find it): give --online-key-uri URI")
		}
		k.UnrecognizedFields[rstufOnlineKeyURI] = a.req.OnlineKeyURI
	}
	return nil
}

func (a *analysis) rootWhy() string {
	switch {
	case len(a.p.Affected) == 0:
		return "the yearly re-sign renews it"
	case a.p.Emergency:
		return "revokes the compromised or lost keys"
	}
	return "replaces keys"
}

// keyList is every key of the ring and every replacement, sorted.
func (a *analysis) keyList() []Key {
	out := a.s.Keys()
	seen := map[string]bool{}
	for _, k := range out {
		seen[k.ID] = true
	}
	for _, id := range slices.Sorted(maps.Keys(a.repl)) {
		nk := a.repl[id]
		if !seen[nk.ID] {
			seen[nk.ID] = true
			out = append(out, nk)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
