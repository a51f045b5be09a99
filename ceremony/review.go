package ceremony

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ReviewReport is what a workspace is about to have signed, compared with
// what clients trust now, shown before anyone types a PIN. A new root
// version is compared with the trusted root (trusted/root.json); the roles
// of a bootstrap are compared with nothing: everything in them is new.
//
// Review only reads: it neither writes nor records anything, so it may be
// run at any point of a ceremony, sealed or not.
type ReviewReport struct {
	Dir        string         `json:"workspace"`
	Kind       workspace.Kind `json:"kind"`
	Profile    string         `json:"profile"`
	Repository string         `json:"repository,omitempty"`
	Warnings   []string       `json:"warnings,omitempty"`
	// Now is the time expiry days count from.
	Now time.Time `json:"now"`
	// Key is the key about to sign, when one was given.
	Key *ReviewKey `json:"key,omitempty"`
	// KeyMaySign are the roles Key may sign (empty if it may sign none).
	KeyMaySign []string     `json:"key_may_sign,omitempty"`
	Roles      []RoleReview `json:"roles"`
	// Lines say the workspace and the key in plain language; each role's
	// own lines are in its RoleReview.
	Lines []string `json:"lines"`
}

// RoleReview is one role about to be signed.
type RoleReview struct {
	Role    string `json:"role"`
	Version int64  `json:"version"`
	// TrustedVersion is the version clients trust now, 0 if they trust
	// none (the role is new).
	TrustedVersion int64     `json:"trusted_version,omitempty"`
	Expires        time.Time `json:"expires"`
	// ExpiresInDays is the time to Expires in whole days, rounded;
	// negative once expired.
	ExpiresInDays int  `json:"expires_in_days"`
	Expired       bool `json:"expired,omitempty"`
	// TrustedExpires is the expiry of the version clients trust, if any.
	TrustedExpires       *time.Time `json:"trusted_expires,omitempty"`
	TrustedExpiresInDays int        `json:"trusted_expires_in_days,omitempty"`
	// CanonicalSHA256 is the SHA-256 of the canonical bytes a signature
	// covers, as 'ceremony payload export' gives it: the same number on
	// two machines means the same thing is signed.
	CanonicalSHA256 string `json:"canonical_sha256"`
	// Root is set for root: keys and thresholds of the top-level roles.
	Root *RootReview `json:"root,omitempty"`
	// Targets is set for targets and delegated targets roles (claimed).
	Targets *TargetsReview `json:"targets,omitempty"`
	// Signers are who must sign, one count per rule, as status counts
	// them: for a new root version the previous root's rule first, then the
	// new root's.
	Signers []Count `json:"signers"`
	// Key says whether the key about to sign may sign this role.
	Key *KeyAuthorization `json:"key,omitempty"`
	// Problems are reasons signing this role will be refused (expired, a
	// version that does not follow the trusted root).
	Problems []string `json:"problems,omitempty"`
	// Lines say the change in plain language, to be read aloud; the first
	// is the role's heading.
	Lines []string `json:"lines"`
}

// RootReview is the change a root version makes: each top-level role's
// keys and threshold, spec_version and consistent_snapshot.
type RootReview struct {
	SpecVersion        string `json:"spec_version"`
	TrustedSpecVersion string `json:"trusted_spec_version,omitempty"`
	ConsistentSnapshot bool   `json:"consistent_snapshot"`
	// TrustedConsistentSnapshot is nil when no root is trusted.
	TrustedConsistentSnapshot *bool            `json:"trusted_consistent_snapshot,omitempty"`
	Roles                     []RootRoleReview `json:"roles"`
}

// RootRoleReview is the keys and threshold root gives one top-level role,
// against the trusted root's.
type RootRoleReview struct {
	Role    string      `json:"role"`
	Added   []ReviewKey `json:"added,omitempty"`
	Removed []ReviewKey `json:"removed,omitempty"`
	Kept    []ReviewKey `json:"kept,omitempty"`
	// Threshold is 0 if the new root drops the role; TrustedThreshold is 0
	// if the trusted root has no such role or no root is trusted.
	Threshold        int `json:"threshold"`
	TrustedThreshold int `json:"trusted_threshold,omitempty"`
}

// Changed reports whether the role's keys or threshold change.
func (r RootRoleReview) Changed() bool {
	return len(r.Added) > 0 || len(r.Removed) > 0 || r.Threshold != r.TrustedThreshold
}

// ReviewKey is a key as a keyholder recognizes it.
type ReviewKey struct {
	KeyID  string `json:"keyid"`
	Type   string `json:"keytype"`
	Scheme string `json:"scheme"`
	// Holder is the keyholder's name from ceremony.json, "" if unknown.
	Holder string `json:"holder,omitempty"`
	// Online marks a key of the online server.
	Online bool `json:"online,omitempty"`
	// URI is set for the key about to sign.
	URI string `json:"uri,omitempty"`
}

// Short is the key ID's first 12 hex digits.
func (k ReviewKey) Short() string { return k.KeyID[:min(12, len(k.KeyID))] }

// Label names the key for people: the keyholder, "online key", or
// "unknown key".
func (k ReviewKey) Label() string {
	switch {
	case k.Online && (k.Holder == "" || k.Holder == "online"):
		return "online key"
	case k.Online:
		return "online key " + k.Holder
	case k.Holder != "":
		return k.Holder
	}
	return "unknown key"
}

// String is the label with the scheme and short key ID:
// "frank (ed25519 19d225f0b15c)".
func (k ReviewKey) String() string {
	return fmt.Sprintf("%s (%s %s)", k.Label(), k.Scheme, k.Short())
}

// TargetsReview is the change a targets role makes: its delegations and
// its targets. Unchanged ones are counted, not listed.
type TargetsReview struct {
	Delegations          []DelegationReview `json:"delegations"`
	DelegationsUnchanged int                `json:"delegations_unchanged,omitempty"`
	Targets              []TargetReview     `json:"targets"`
	TargetsUnchanged     int                `json:"targets_unchanged,omitempty"`
}

// Change kinds of delegations and targets.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// DelegationReview is one delegation added, removed or changed.
type DelegationReview struct {
	// Name is the delegated role; for succinct hash bins (TAP 15), which
	// stand for many roles in one entry, the range "bins-0000..bins-3fff".
	Name   string `json:"name"`
	Change string `json:"change"`
	// Old is nil for a delegation added, New for one removed.
	Old *DelegationTerms `json:"old,omitempty"`
	New *DelegationTerms `json:"new,omitempty"`
	// KeysAdded and KeysRemoved are set for a delegation changed.
	KeysAdded   []ReviewKey `json:"keys_added,omitempty"`
	KeysRemoved []ReviewKey `json:"keys_removed,omitempty"`
}

// DelegationTerms is what a delegation says: keys, threshold, which paths.
type DelegationTerms struct {
	Keys             []ReviewKey `json:"keys"`
	Threshold        int         `json:"threshold"`
	Paths            int         `json:"paths,omitempty"`
	PathHashPrefixes int         `json:"path_hash_prefixes,omitempty"`
	Terminating      bool        `json:"terminating"`
	// HashBins is set for succinct hash bins.
	HashBins *HashBins `json:"hash_bins,omitempty"`

	paths, prefixes []string
}

// HashBins is a succinct hash-bin delegation (TAP 15): Count roles named
// First to Last, each with the delegation's keys and threshold.
type HashBins struct {
	Count      int    `json:"count"`
	NamePrefix string `json:"name_prefix"`
	BitLength  int    `json:"bit_length"`
	First      string `json:"first"`
	Last       string `json:"last"`
}

// TargetReview is one target added, removed or changed.
type TargetReview struct {
	Path   string      `json:"path"`
	Change string      `json:"change"`
	Old    *TargetInfo `json:"old,omitempty"`
	New    *TargetInfo `json:"new,omitempty"`
}

// TargetInfo is a target's length and hashes (hex, by algorithm).
type TargetInfo struct {
	Length int64             `json:"length"`
	Hashes map[string]string `json:"hashes"`

	custom []byte
}

// KeyAuthorization says whether the key about to sign may sign a role, and
// under which of the role's rules its signature counts.
type KeyAuthorization struct {
	Authorized bool `json:"authorized"`
	// CountedBy are the rules that list the key ("root v2"), NotCountedBy
	// those that do not ("previous root v1").
	CountedBy    []string `json:"counted_by,omitempty"`
	NotCountedBy []string `json:"not_counted_by,omitempty"`
	// AlreadySigned is set when the role holds a signature by the key: a
	// key signs each role once.
	AlreadySigned bool `json:"already_signed,omitempty"`
}

// maxListed bounds the delegations and targets Lines list one by one; the
// report's structure lists every one.
const maxListed = 50

// Review reads a workspace and says what is about to be signed, compared
// with what clients trust now. keyURI, if not empty, names the key about to
// sign: the review says which roles it may sign. Nothing is opened but the
// key's public part, so no PIN is asked.
func (e *Engine) Review(dir, keyURI string) (*ReviewReport, error) {
	return e.ReviewAt(dir, keyURI, time.Now())
}

// ReviewAt is Review with expiry days counted from now.
func (e *Engine) ReviewAt(dir, keyURI string, now time.Time) (*ReviewReport, error) {
	ws, err := openReviewed(dir)
	if err != nil {
		return nil, err
	}
	l, err := Load(ws)
	if err != nil {
		return nil, err
	}
	rv := &reviewer{ws: ws, now: now}
	rep := &ReviewReport{Dir: dir, Kind: ws.State.Kind, Profile: ws.State.Profile, Repository: ws.State.Repository,
		Warnings: ws.State.Warnings, Now: now.UTC()}
	var pub *metadata.Key
	if keyURI != "" {
		if pub, err = e.keys.PublicKey(keyURI); err != nil {
			return nil, fmt.Errorf("key %q: %w; give the URI of the key about to sign (file:, pkcs11:, yubikey:)", keyURI, err)
		}
		id, err := keys.ID(pub)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", keyURI, err)
		}
		k := rv.key(id, pub, false)
		k.URI = keyURI
		rep.Key = &k
	}
	for _, role := range ws.State.Roles {
		r, err := rv.role(l, role, pub)
		if err != nil {
			return nil, err
		}
		if r.Key != nil && r.Key.Authorized {
			rep.KeyMaySign = append(rep.KeyMaySign, role)
			if rep.Key.Holder == "" {
				// Listed under a key ID other than ours (metadata made by
				// another tool): name it as the workspace lists it.
				rules, _ := l.Rules(role)
				for _, id := range threshold.KeyIDsOf(rules, pub) {
					if h := ws.Holder(id); h != "" {
						rep.Key.Holder = h
					}
				}
			}
		}
		rep.Roles = append(rep.Roles, r)
	}
	rep.Lines = rv.summary(rep, l)
	return rep, nil
}

// openReviewed opens a workspace, saying what to do when dir is not one.
func openReviewed(dir string) (*workspace.Workspace, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such directory; name the workspace directory 'ceremony init' created", dir)
	}
	if err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory; name the workspace directory 'ceremony init' created", dir)
	}
	state := filepath.Join(dir, workspace.StateFile)
	if _, err := os.Stat(state); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, workspace.PlanFile)); err != nil {
			return nil, fmt.Errorf("%s: missing: %q is not a ceremony workspace; name the directory that 'ceremony init --plan PLAN DIR' created", state, dir)
		}
	}
	return workspace.Open(dir)
}

type reviewer struct {
	ws  *workspace.Workspace
	now time.Time
}

// days is the time from now to t in whole days, rounded.
func (rv *reviewer) days(t time.Time) int {
	return int(math.Round(t.Sub(rv.now).Hours() / 24))
}

// key describes a key; online says the metadata lists it for online roles
// only, for keys ceremony.json does not know.
func (rv *reviewer) key(id string, k *metadata.Key, online bool) ReviewKey {
	rk := ReviewKey{KeyID: id}
	if k != nil {
		rk.Type, rk.Scheme = k.Type, k.Scheme
	}
	if rv.ws == nil {
		rk.Online = online
		return rk
	}
	for _, e := range rv.ws.State.Keys {
		if e.KeyID == id {
			rk.Holder, rk.Online = e.Holder, e.Online
			return rk
		}
	}
	rk.Online = online
	return rk
}

func (rv *reviewer) role(l *Loaded, role string, pub *metadata.Key) (RoleReview, error) {
	f := l.Files[role]
	path := rv.ws.MetadataPath(role)
	h, err := f.Header()
	if err != nil {
		return RoleReview{}, fmt.Errorf("%s: %w", path, err)
	}
	msg, err := f.Canonical()
	if err != nil {
		return RoleReview{}, fmt.Errorf("%s: %w", path, err)
	}
	r := RoleReview{Role: role, Version: h.Version, Expires: h.Expires.UTC(), ExpiresInDays: rv.days(h.Expires), Expired: !h.Expires.After(rv.now),
		CanonicalSHA256: transcripts.Sum(msg)}
	if role == metadata.ROOT && l.TrustedRoot != nil {
		r.TrustedVersion = l.TrustedRoot.Version
		t := l.TrustedRoot.Expires.UTC()
		r.TrustedExpires, r.TrustedExpiresInDays = &t, rv.days(t)
	}
	trusted, err := l.GivenRole(role) // a claims or project ceremony's trusted version
	if err != nil {
		return RoleReview{}, err
	}
	if trusted != nil {
		r.TrustedVersion = trusted.Version
		t := trusted.Expires.UTC()
		r.TrustedExpires, r.TrustedExpiresInDays = &t, rv.days(t)
	}
	switch role {
	case metadata.ROOT:
		r.Root = rv.rootReview(l.Root, l.TrustedRoot)
	default:
		t, err := f.Targets()
		if err != nil {
			return RoleReview{}, fmt.Errorf("%s: %w", path, err)
		}
		r.Targets = rv.targetsReview(t, trusted)
	}
	rules, err := l.Rules(role)
	if err != nil {
		return RoleReview{}, fmt.Errorf("%s: %w", path, err)
	}
	for _, rule := range rules {
		t, err := threshold.Count(rule, f)
		if err != nil {
			return RoleReview{}, fmt.Errorf("%s: %w", path, err)
		}
		r.Signers = append(r.Signers, Count{Delegator: rule.Delegator, Threshold: rule.Threshold, Met: t.Met(),
			Signed: parties(rv.ws, t.Signed), Missing: parties(rv.ws, t.Missing), Invalid: parties(rv.ws, t.Invalid)})
	}
	if pub != nil {
		a := &KeyAuthorization{}
		for _, rule := range rules {
			if _, ok := rule.KeyIDFor(pub); ok {
				a.CountedBy = append(a.CountedBy, rule.Delegator)
			} else {
				a.NotCountedBy = append(a.NotCountedBy, rule.Delegator)
			}
		}
		a.Authorized = len(a.CountedBy) > 0
		a.AlreadySigned = signedBy(f, threshold.KeyIDsOf(rules, pub))
		r.Key = a
	}
	if r.Expired {
		r.Problems = append(r.Problems, fmt.Sprintf("%s expired at %s: signing will be refused; start a new workspace with 'ceremony init'", path, r.Expires.Format(time.RFC3339)))
	}
	if want := l.ExpectedVersion(role); want != 0 && h.Version != want {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: version %d, want %d: signing will be refused", path, h.Version, want))
	}
	if above := l.VersionAbove(role); h.Version <= above {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: version %d does not follow the trusted version %d: signing will be refused", path, h.Version, above))
	}
	r.Lines = rv.roleLines(r, rules)
	return r, nil
}

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
	seen := map[string]bool{}
	for _, id := range next.ids {
		if seen["n"+id] {
			continue
		}
		seen["n"+id] = true
		k := next.keys[id]
		if old.has(id, k) {
			kept = append(kept, rv.key(id, k, next.online[id]))
		} else {
			added = append(added, rv.key(id, k, next.online[id]))
		}
	}
	for _, id := range old.ids {
		if seen["o"+id] {
			continue
		}
		seen["o"+id] = true
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
			terms.Keys = rv.keysOf(r.KeyIDs, d.Keys)
			out[r.Name] = entry{terms, keyList{r.KeyIDs, d.Keys, nil}}
			order = append(order, r.Name)
		}
		if s := d.SuccinctRoles; s != nil {
			terms := &DelegationTerms{Threshold: s.Threshold, Terminating: true, HashBins: hashBins(s)}
			terms.Keys = rv.keysOf(s.KeyIDs, d.Keys)
			out["\x00succinct"] = entry{terms, keyList{s.KeyIDs, d.Keys, nil}}
			order = append(order, "\x00succinct")
		}
		return out, order
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
			tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, n), Change: ChangeAdded, New: n.terms})
			continue
		}
		added, removed, _ := rv.diffKeys(o.list, n.list)
		if len(added) == 0 && len(removed) == 0 && sameTerms(o.terms, n.terms) {
			tr.DelegationsUnchanged++
			continue
		}
		tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, n), Change: ChangeChanged, Old: o.terms, New: n.terms, KeysAdded: added, KeysRemoved: removed})
	}
	for _, key := range oldOrder {
		if _, ok := newD[key]; !ok {
			o := oldD[key]
			tr.Delegations = append(tr.Delegations, DelegationReview{Name: name(key, o), Change: ChangeRemoved, Old: o.terms})
		}
	}

	var oldT map[string]*metadata.TargetFiles
	if trusted != nil {
		oldT = trusted.Targets
	}
	for _, path := range sortedTargetPaths(next.Targets) {
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
	for _, path := range sortedTargetPaths(oldT) {
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

func sortedTargetPaths(m map[string]*metadata.TargetFiles) []string {
	out := make([]string, 0, len(m))
	for p := range m {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
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

// The plain-language lines.

func (rv *reviewer) summary(rep *ReviewReport, l *Loaded) []string {
	lines := []string{}
	head := fmt.Sprintf("workspace %s: %s ceremony, profile %s", rep.Dir, rep.Kind, rep.Profile)
	if rep.Repository != "" {
		head += ", repository " + rep.Repository
	}
	lines = append(lines, head)
	for _, w := range rep.Warnings {
		lines = append(lines, "WARNING: "+w)
	}
	switch {
	case !rv.ws.State.Kind.SignsRoot():
		var trusted []string
		for _, role := range rv.ws.State.Trusted {
			if f := l.Given[role]; f != nil {
				if h, err := f.Header(); err == nil {
					trusted = append(trusted, fmt.Sprintf("%s v%d", role, h.Version))
				}
			}
		}
		lines = append(lines, fmt.Sprintf("clients trust %s now (%s/); this ceremony signs %s", strings.Join(trusted, ", "), workspace.TrustedDir, strings.Join(rv.ws.State.Roles, ", ")))
	case l.TrustedRoot != nil:
		lines = append(lines, fmt.Sprintf("clients trust root v%d now (%s); this ceremony signs %s", l.TrustedRoot.Version, workspace.TrustedRoot, strings.Join(rv.ws.State.Roles, ", ")))
	default:
		lines = append(lines, fmt.Sprintf("bootstrap: clients trust nothing yet, everything below is new; this ceremony signs %s", strings.Join(rv.ws.State.Roles, ", ")))
	}
	if rep.Key != nil {
		if len(rep.KeyMaySign) > 0 {
			lines = append(lines, fmt.Sprintf("the key about to sign, %s, may sign %s", rep.Key, strings.Join(rep.KeyMaySign, ", ")))
		} else {
			lines = append(lines, fmt.Sprintf("the key about to sign, %s, may sign nothing in this workspace", rep.Key))
		}
	}
	return lines
}

func (rv *reviewer) roleLines(r RoleReview, rules []threshold.Rule) []string {
	expiry := fmt.Sprintf("expires %s (%s)", r.Expires.Format(time.DateOnly), reviewDays(r.ExpiresInDays, r.Expired))
	var lines []string
	if r.TrustedVersion != 0 {
		lines = append(lines, fmt.Sprintf("%s v%d replaces v%d; %s; v%d %s", r.Role, r.Version, r.TrustedVersion, expiry,
			r.TrustedVersion, reviewExpiry(*r.TrustedExpires, r.TrustedExpiresInDays, !r.TrustedExpires.After(rv.now))))
	} else {
		lines = append(lines, fmt.Sprintf("%s v%d is new; %s", r.Role, r.Version, expiry))
	}
	for _, p := range r.Problems {
		lines = append(lines, "PROBLEM: "+p)
	}
	if r.Root != nil {
		lines = append(lines, rootLines(r.Root, r.TrustedVersion != 0)...)
	}
	if r.Targets != nil {
		lines = append(lines, targetsLines(r.Targets)...)
	}
	for i, c := range r.Signers {
		all := make([]string, 0, len(rules[i].KeyIDs))
		for _, id := range rules[i].KeyIDs {
			all = append(all, HolderName(rv.ws, id))
		}
		state := "threshold met"
		if !c.Met {
			state = fmt.Sprintf("needs %d more", c.Threshold-len(c.Signed))
		}
		line := fmt.Sprintf("must sign: %s requires %d of %s; signed: %s (%s)", c.Delegator, c.Threshold, strings.Join(all, ", "), signerNames(c.Signed), state)
		if len(c.Invalid) > 0 {
			line += "; INVALID signature from " + signerNames(c.Invalid)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "canonical bytes to sign: sha256 "+r.CanonicalSHA256)
	if a := r.Key; a != nil {
		switch {
		case !a.Authorized:
			lines = append(lines, fmt.Sprintf("the key about to sign may NOT sign %s (%s)", r.Role, whoMay(rv.ws, rules)))
		case a.AlreadySigned:
			lines = append(lines, fmt.Sprintf("the key about to sign has already signed %s", r.Role))
		case len(a.NotCountedBy) > 0:
			lines = append(lines, fmt.Sprintf("the key about to sign may sign %s: counted for %s, not for %s", r.Role, strings.Join(a.CountedBy, ", "), strings.Join(a.NotCountedBy, ", ")))
		default:
			lines = append(lines, fmt.Sprintf("the key about to sign may sign %s: counted for %s", r.Role, strings.Join(a.CountedBy, ", ")))
		}
	}
	return lines
}

func reviewDays(days int, expired bool) string {
	switch {
	case expired && days >= 0:
		return "EXPIRED"
	case expired:
		return fmt.Sprintf("EXPIRED %d days ago", -days)
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

func reviewExpiry(t time.Time, days int, expired bool) string {
	if expired {
		return fmt.Sprintf("expired %s (%s)", t.Format(time.DateOnly), reviewDays(days, true))
	}
	return fmt.Sprintf("expires %s (%s)", t.Format(time.DateOnly), reviewDays(days, false))
}

func signerNames(ps []Party) string {
	if len(ps) == 0 {
		return "none yet"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Holder
	}
	return strings.Join(names, ", ")
}

func reviewKeyNames(ks []ReviewKey) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Label()
	}
	return strings.Join(names, ", ")
}

func rootLines(rr *RootReview, trusted bool) []string {
	var lines []string
	for _, r := range rr.Roles {
		var parts []string
		for _, k := range r.Added {
			parts = append(parts, "+ "+k.String())
		}
		for _, k := range r.Removed {
			parts = append(parts, "- "+k.String())
		}
		keysText := strings.Join(parts, ", ")
		switch {
		case len(parts) == 0 && len(r.Kept) == 0:
			keysText = "none"
		case len(parts) == 0:
			keysText = "unchanged (" + reviewKeyNames(r.Kept) + ")"
		case len(r.Kept) > 0:
			keysText += "; kept " + reviewKeyNames(r.Kept)
		}
		thr := fmt.Sprintf("%s threshold %d", r.Role, r.Threshold)
		switch {
		case r.Threshold == 0:
			thr = fmt.Sprintf("%s role REMOVED (threshold was %d)", r.Role, r.TrustedThreshold)
		case trusted && r.TrustedThreshold == 0:
			thr = fmt.Sprintf("%s role is new, threshold %d", r.Role, r.Threshold)
		case trusted:
			thr = fmt.Sprintf("%s threshold %d -> %d", r.Role, r.TrustedThreshold, r.Threshold)
		}
		lines = append(lines, fmt.Sprintf("%s keys: %s; %s", r.Role, keysText, thr))
	}
	if !trusted {
		lines = append(lines, fmt.Sprintf("spec_version %s; consistent_snapshot %t", rr.SpecVersion, rr.ConsistentSnapshot))
		return lines
	}
	lines = append(lines, fmt.Sprintf("spec_version %s%s; consistent_snapshot %s",
		reviewArrow(rr.TrustedSpecVersion, rr.SpecVersion), unchangedNote(rr.TrustedSpecVersion == rr.SpecVersion),
		reviewArrow(strconv.FormatBool(*rr.TrustedConsistentSnapshot), strconv.FormatBool(rr.ConsistentSnapshot))+unchangedNote(*rr.TrustedConsistentSnapshot == rr.ConsistentSnapshot)))
	return lines
}

func reviewArrow(old, next string) string { return old + " -> " + next }

func unchangedNote(same bool) string {
	if same {
		return " (unchanged)"
	}
	return " (CHANGED)"
}

func targetsLines(tr *TargetsReview) []string {
	var lines []string
	if len(tr.Delegations) == 0 {
		if tr.DelegationsUnchanged > 0 {
			lines = append(lines, fmt.Sprintf("delegations: unchanged (%d)", tr.DelegationsUnchanged))
		} else {
			lines = append(lines, "delegations: none")
		}
	} else {
		head := "delegations:"
		if tr.DelegationsUnchanged > 0 {
			head += fmt.Sprintf(" (%d unchanged)", tr.DelegationsUnchanged)
		}
		lines = append(lines, head)
		for i, d := range tr.Delegations {
			if i == maxListed {
				lines = append(lines, fmt.Sprintf("  ... and %d more delegations (the JSON review lists every one)", len(tr.Delegations)-maxListed))
				break
			}
			lines = append(lines, "  "+delegationLine(d))
		}
	}
	if len(tr.Targets) == 0 {
		if tr.TargetsUnchanged > 0 {
			lines = append(lines, fmt.Sprintf("targets: unchanged (%d)", tr.TargetsUnchanged))
		} else {
			lines = append(lines, "targets: none")
		}
		return lines
	}
	head := "targets:"
	if tr.TargetsUnchanged > 0 {
		head += fmt.Sprintf(" (%d unchanged)", tr.TargetsUnchanged)
	}
	lines = append(lines, head)
	for i, t := range tr.Targets {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("  ... and %d more targets (the JSON review lists every one)", len(tr.Targets)-maxListed))
			break
		}
		switch t.Change {
		case ChangeAdded:
			lines = append(lines, fmt.Sprintf("  + %s (%s)", t.Path, targetText(t.New)))
		case ChangeRemoved:
			lines = append(lines, fmt.Sprintf("  - %s (%s)", t.Path, targetText(t.Old)))
		default:
			lines = append(lines, fmt.Sprintf("  ~ %s (%s -> %s)", t.Path, targetText(t.Old), targetText(t.New)))
		}
	}
	return lines
}

func targetText(t *TargetInfo) string {
	alg := "sha256"
	if _, ok := t.Hashes[alg]; !ok {
		algs := make([]string, 0, len(t.Hashes))
		for a := range t.Hashes {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		if len(algs) == 0 {
			return fmt.Sprintf("%d bytes, no hash", t.Length)
		}
		alg = algs[0]
	}
	return fmt.Sprintf("%d bytes, %s %s", t.Length, alg, t.Hashes[alg])
}

func delegationLine(d DelegationReview) string {
	switch d.Change {
	case ChangeAdded:
		return "+ " + termsText(d.Name, d.New)
	case ChangeRemoved:
		return "- " + termsText(d.Name, d.Old)
	}
	var parts []string
	for _, k := range d.KeysAdded {
		parts = append(parts, "+ "+k.String())
	}
	for _, k := range d.KeysRemoved {
		parts = append(parts, "- "+k.String())
	}
	if len(parts) > 0 {
		parts = []string{"keys " + strings.Join(parts, ", ")}
	}
	o, n := d.Old, d.New
	if o.Threshold != n.Threshold {
		parts = append(parts, fmt.Sprintf("threshold %d -> %d", o.Threshold, n.Threshold))
	}
	if !slices.Equal(o.paths, n.paths) {
		parts = append(parts, fmt.Sprintf("paths %d -> %d (changed)", o.Paths, n.Paths))
	}
	if !slices.Equal(o.prefixes, n.prefixes) {
		parts = append(parts, fmt.Sprintf("path_hash_prefixes %d -> %d (changed)", o.PathHashPrefixes, n.PathHashPrefixes))
	}
	if o.Terminating != n.Terminating {
		parts = append(parts, fmt.Sprintf("terminating %t -> %t", o.Terminating, n.Terminating))
	}
	if o.HashBins != nil && n.HashBins != nil && *o.HashBins != *n.HashBins {
		parts = append(parts, fmt.Sprintf("hash bins %d %s..%s -> %d %s..%s", o.HashBins.Count, o.HashBins.First, o.HashBins.Last, n.HashBins.Count, n.HashBins.First, n.HashBins.Last))
	}
	return "~ " + d.Name + ": " + strings.Join(parts, "; ")
}

func termsText(name string, t *DelegationTerms) string {
	ks := make([]string, len(t.Keys))
	online := 0
	for i, k := range t.Keys {
		ks[i] = k.String()
		if k.Online {
			online++
		}
	}
	if b := t.HashBins; b != nil {
		kind := "key"
		if online == len(t.Keys) {
			kind = "online key"
		}
		if len(t.Keys) != 1 {
			kind += "s"
		}
		return fmt.Sprintf("%d hash-bin roles %s..%s, each %d %s, threshold %d: %s", b.Count, b.First, b.Last, len(t.Keys), kind, t.Threshold, strings.Join(ks, ", "))
	}
	var scope []string
	if t.Paths > 0 {
		scope = append(scope, fmt.Sprintf("%d paths", t.Paths))
	}
	if t.PathHashPrefixes > 0 {
		scope = append(scope, fmt.Sprintf("%d path_hash_prefixes", t.PathHashPrefixes))
	}
	if len(scope) == 0 {
		scope = append(scope, "no paths")
	}
	term := "not terminating"
	if t.Terminating {
		term = "terminating"
	}
	return fmt.Sprintf("%s: keys %s; threshold %d; %s; %s", name, strings.Join(ks, ", "), t.Threshold, strings.Join(scope, ", "), term)
}
