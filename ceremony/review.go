package ceremony

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
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
//
// Expiry days are counted from now (zero: the engine's clock).
func (e *Engine) Review(dir, keyURI string, now time.Time) (*ReviewReport, error) {
	now = e.NowOr(now)
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
		pub, err = e.keys.PublicKey(keyURI)
		if errors.Is(err, keys.ErrKeysAfterLogin) {
			pub, err = keyNamedBy(ws, keyURI, l.keyByID, err)
		}
		if err != nil {
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
		return nil, fmt.Errorf("%s: no such directory; name the directory of a ceremony's workspace", dir)
	}
	if err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("%s: not a directory; name the directory of a ceremony's workspace", dir)
	}
	state := filepath.Join(dir, workspace.StateFile)
	if _, err := os.Stat(state); errors.Is(err, fs.ErrNotExist) {
		if _, err := os.Stat(filepath.Join(dir, workspace.PlanFile)); err != nil {
			return nil, fmt.Errorf("%s: missing: %q is not a ceremony workspace; name the directory of a ceremony's workspace", state, dir)
		}
	}
	return workspace.Open(dir)
}

// reviewOf is what every review says of role's metadata f, whatever it
// comes from: its version and expiry, the hash of the bytes signed, and
// who has signed under rules.
func (rv *reviewer) reviewOf(role string, f *metafile.File, rules []threshold.Rule) (RoleReview, error) {
	h, err := f.Header()
	if err != nil {
		return RoleReview{}, err
	}
	msg, err := f.Canonical()
	if err != nil {
		return RoleReview{}, err
	}
	r := RoleReview{Role: role, Version: h.Version, Expires: h.Expires.UTC(), ExpiresInDays: rv.days(h.Expires), Expired: !h.Expires.After(rv.now),
		CanonicalSHA256: transcripts.Sum(msg)}
	for _, rule := range rules {
		t, err := threshold.Count(rule, f)
		if err != nil {
			return RoleReview{}, err
		}
		r.Signers = append(r.Signers, Count{Delegator: rule.Delegator, Threshold: rule.Threshold, Met: t.Met(),
			Signed: parties(rv.ws, t.Signed), Missing: parties(rv.ws, t.Missing), Invalid: parties(rv.ws, t.Invalid)})
	}
	return r, nil
}

// replaces notes in r the version it replaces and when that expires.
func (rv *reviewer) replaces(r *RoleReview, version int64, expires time.Time) {
	t := expires.UTC()
	r.TrustedVersion, r.TrustedExpires, r.TrustedExpiresInDays = version, &t, rv.days(t)
}

type reviewer struct {
	ws  *workspace.Workspace
	now time.Time
	// entries are ws's key entries by key ID (the first of each), made
	// when first needed: a review of claimed names 200,000 keys.
	entries map[string]*workspace.KeyEntry
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
	if rv.entries == nil {
		rv.entries = make(map[string]*workspace.KeyEntry, len(rv.ws.State.Keys))
		for i := range rv.ws.State.Keys {
			e := &rv.ws.State.Keys[i]
			if _, ok := rv.entries[e.KeyID]; !ok {
				rv.entries[e.KeyID] = e
			}
		}
	}
	if e, ok := rv.entries[id]; ok {
		rk.Holder, rk.Online = e.Holder, e.Online
		return rk
	}
	rk.Online = online
	return rk
}

func (rv *reviewer) role(l *Loaded, role string, pub *metadata.Key) (RoleReview, error) {
	f := l.Files[role]
	path := rv.ws.MetadataPath(role)
	rules, err := l.Rules(role)
	if err != nil {
		return RoleReview{}, fmt.Errorf("%s: %w", path, err)
	}
	r, err := rv.reviewOf(role, f, rules)
	if err != nil {
		return RoleReview{}, fmt.Errorf("%s: %w", path, err)
	}
	if role == metadata.ROOT && l.TrustedRoot != nil {
		rv.replaces(&r, l.TrustedRoot.Version, l.TrustedRoot.Expires)
	}
	var given *metafile.File // a claims or project ceremony's trusted version
	if role != metadata.ROOT {
		if given, err = l.given(role); err != nil {
			return RoleReview{}, err
		}
	}
	if given != nil {
		h, err := given.Header()
		if err != nil {
			return RoleReview{}, fmt.Errorf("%s: %w", workspace.TrustedPath(role), err)
		}
		rv.replaces(&r, h.Version, h.Expires)
	}
	switch role {
	case metadata.ROOT:
		r.Root = rv.rootReview(l.Root, l.TrustedRoot)
	default:
		if r.Targets, err = rv.targetsReviewOf(f, given, path, role); err != nil {
			return RoleReview{}, err
		}
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
		r.Problems = append(r.Problems, fmt.Sprintf("%s expired at %s: signing will be refused; start a new workspace", path, r.Expires.Format(time.RFC3339)))
	}
	if want := l.ExpectedVersion(role); want != 0 && r.Version != want {
		r.Problems = append(r.Problems, fmt.Sprintf("%s: version %d, want %d: signing will be refused", path, r.Version, want))
	}
	switch above, err := l.VersionAbove(role); {
	case err != nil:
		r.Problems = append(r.Problems, fmt.Sprintf("%v: signing will be refused", err))
	case r.Version <= above:
		r.Problems = append(r.Problems, fmt.Sprintf("%s: version %d does not follow the trusted version %d: signing will be refused", path, r.Version, above))
	}
	r.Lines = rv.roleLines(r, rules)
	return r, nil
}

// The plain-language lines.
