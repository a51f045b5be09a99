package rstuf

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// ErrNotAuthorized means the key may sign none of the pending metadata.
var ErrNotAuthorized = errors.New("key is not authorized")

// ErrAlreadySigned means the key has signed all the pending metadata it may
// sign.
var ErrAlreadySigned = errors.New("key has already signed")

// Names RSTUF gives the trusted metadata beside what is pending.
const (
	pendingTrustedRoot    = "trusted_root"
	pendingTrustedTargets = "trusted_targets"
)

// Pending is RSTUF's answer to GET /api/v1/metadata/sign/, saved to a file:
// {"data": {"metadata": {ROLE: ..., "trusted_root": ...}}, "message": ...}.
type Pending struct {
	// Message is RSTUF's message ("Metadata role(s) pending signing").
	Message string
	// Roles holds the metadata pending signing by the role name RSTUF uses
	// for it ("root", or a delegated targets role), each with "signed"
	// exactly as RSTUF sent it.
	Roles map[string]*metafile.File
	// TrustedRoot is the root RSTUF trusts now; it comes with a pending
	// root of version 2 or more (a pending root v1 is a bootstrap being
	// signed).
	TrustedRoot *metafile.File
	// TrustedTargets is the targets metadata that delegates the pending
	// delegated roles.
	TrustedTargets *metafile.File
}

// RoleNames are the pending roles, root first, then by name.
func (p *Pending) RoleNames() []string {
	names := make([]string, 0, len(p.Roles))
	for name := range p.Roles {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == metadata.ROOT) != (names[j] == metadata.ROOT) {
			return names[i] == metadata.ROOT
		}
		return names[i] < names[j]
	})
	return names
}

// ParsePending reads RSTUF's saved "pending signing" answer. It checks what
// signing needs: a pending root of version 2 or more comes with the trusted
// root it follows (RSTUF's CLI asks for it too), a pending delegated role
// with the trusted targets that delegates it, and only root and targets
// metadata are pending (as RSTUF's CLI accepts).
func ParsePending(data []byte) (*Pending, error) {
	top, ok := asObject(data)
	if !ok {
		return nil, fmt.Errorf("RSTUF pending signing answer: not a JSON object")
	}
	p := &Pending{Roles: map[string]*metafile.File{}}
	if raw, ok := top["message"]; ok {
		p.Message, _ = asString(raw)
	}
	if d, ok := top["data"]; !ok || isNull(d) {
		return nil, fmt.Errorf("RSTUF pending signing answer has no data (message %q): nothing is pending signing", p.Message)
	}
	d, ok := asObject(top["data"])
	if !ok {
		return nil, fmt.Errorf("RSTUF pending signing answer: data is not an object")
	}
	md, ok := asObject(d["metadata"])
	if !ok {
		return nil, fmt.Errorf("RSTUF pending signing answer: data.metadata is missing or not an object")
	}
	for _, name := range slices.Sorted(maps.Keys(md)) {
		field := "data.metadata." + name
		f, err := metafile.Parse(md[name])
		if err != nil {
			return nil, fmt.Errorf("RSTUF pending signing answer: %s: %w", field, err)
		}
		h, err := f.Header()
		if err != nil {
			return nil, fmt.Errorf("RSTUF pending signing answer: %s: %w", field, err)
		}
		want := metadata.TARGETS
		switch {
		case name == pendingTrustedRoot:
			want = metadata.ROOT
			p.TrustedRoot = f
		case name == pendingTrustedTargets:
			p.TrustedTargets = f
		case strings.HasPrefix(name, "trusted_"):
			return nil, fmt.Errorf("RSTUF pending signing answer: %s: unknown trusted metadata (RSTUF sends trusted_root and trusted_targets)", field)
		case name == metadata.ROOT:
			want = metadata.ROOT
			p.Roles[name] = f
		default:
			p.Roles[name] = f
		}
		if p.Roles[name] == f {
			if err := f.CheckSpecFields(); err != nil {
				return nil, fmt.Errorf("RSTUF pending signing answer: %s: %w", field, err)
			}
		}
		if h.Type != want {
			return nil, fmt.Errorf("RSTUF pending signing answer: %s: _type is %q, want %q (only root and targets metadata are signed offline)", field, h.Type, want)
		}
	}
	if len(p.Roles) == 0 {
		return nil, fmt.Errorf("RSTUF pending signing answer: no metadata is pending signing (only trusted metadata)")
	}
	if f := p.Roles[metadata.ROOT]; f != nil {
		h, _ := f.Header()
		if h.Version > 1 {
			if p.TrustedRoot == nil {
				return nil, fmt.Errorf("RSTUF pending signing answer: root v%d is pending but trusted_root is missing; root v%d is needed to sign it", h.Version, h.Version-1)
			}
			th, _ := p.TrustedRoot.Header()
			if th.Version != h.Version-1 {
				return nil, fmt.Errorf("RSTUF pending signing answer: root v%d is pending but trusted_root is v%d; want v%d", h.Version, th.Version, h.Version-1)
			}
		}
	}
	for _, name := range p.RoleNames() {
		if name == metadata.ROOT {
			continue
		}
		if p.TrustedTargets == nil {
			return nil, fmt.Errorf("RSTUF pending signing answer: %s is pending but trusted_targets, which delegates it, is missing", name)
		}
	}
	return p, nil
}

// CheckExpiry refuses pending metadata that has expired at now: signing it
// would be wasted, since no client accepts it.
func (p *Pending) CheckExpiry(now time.Time) error {
	for _, name := range p.RoleNames() {
		h, err := p.Roles[name].Header()
		if err != nil {
			return fmt.Errorf("pending %s: %w", name, err)
		}
		if !h.Expires.After(now) {
			return fmt.Errorf("pending %s v%d expired at %s: refusing to sign expired metadata; have RSTUF prepare it again", name, h.Version, h.Expires.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// Rules returns who may sign the pending role and how many must: for root,
// the trusted root's root role (if any) and the new root's own; for a
// delegated role, the trusted targets' delegation.
func (p *Pending) Rules(role string) ([]threshold.Rule, error) {
	f := p.Roles[role]
	if role == metadata.ROOT {
		root, err := f.Root()
		if err != nil {
			return nil, fmt.Errorf("pending root: %w", err)
		}
		var trusted *metadata.RootType
		if p.TrustedRoot != nil {
			if trusted, err = p.TrustedRoot.Root(); err != nil {
				return nil, fmt.Errorf("trusted_root: %w", err)
			}
		}
		return threshold.RootRules(root, trusted)
	}
	if p.TrustedTargets == nil {
		return nil, fmt.Errorf("%s is pending but there is no trusted_targets to delegate it", role)
	}
	t, err := p.TrustedTargets.Targets()
	if err != nil {
		return nil, fmt.Errorf("trusted_targets: %w", err)
	}
	r, err := threshold.FromTargets(t, role, fmt.Sprintf("trusted targets v%d", t.Version))
	if err != nil {
		return nil, err
	}
	return []threshold.Rule{r}, nil
}

// signPayload is the sign payload, in the order RSTUF's CLI writes it
// (cli/admin/helpers.py SignPayload: signature, then role).
type signPayload struct {
	Signature signatureJSON `json:"signature"`
	Role      string        `json:"role"`
}

type signatureJSON struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// SignPayload writes RSTUF's sign payload for one signature:
// {"signature": {"keyid": KEYID, "sig": HEX}, "role": ROLE}.
func SignPayload(role string, keyID string, sig []byte) ([]byte, error) {
	switch {
	case role == "":
		return nil, fmt.Errorf("sign payload: role is empty")
	case keyID == "":
		return nil, fmt.Errorf("sign payload: key ID is empty")
	case len(sig) == 0:
		return nil, fmt.Errorf("sign payload: signature is empty")
	}
	b, err := json.MarshalIndent(signPayload{Signature: signatureJSON{KeyID: keyID, Sig: hex.EncodeToString(sig)}, Role: role}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("failed to encode sign payload: %w", err)
	}
	return append(b, '\n'), nil
}

// SignPending signs, with s, every pending role s's key may sign, over the
// canonical bytes of its "signed" as RSTUF sent it, and returns one sign
// payload per key ID the key signs under (a key listed under different IDs
// by the trusted and the new root signs under each). Who may sign: for
// root, the keys of the trusted root's root role and of the new root's own
// (RSTUF's worker accepts either: repository.py sign_metadata); for a
// delegated role, the keys the trusted targets delegates it to.
//
// It refuses, before s signs anything: a key that may sign nothing pending
// (ErrNotAuthorized) and a key that has signed everything it may sign
// already (ErrAlreadySigned). Roles whose thresholds are all met already
// are left alone. Each signature is verified (keys.SignMessage) before a
// payload is made.
func SignPending(p *Pending, s keys.Signer) ([][]byte, error) {
	if p == nil || len(p.Roles) == 0 {
		return nil, fmt.Errorf("nothing is pending signing")
	}
	pub := s.TUFKey()
	type job struct {
		role   string
		keyIDs []string
	}
	var jobs []job
	var already, full, who []string
	for _, role := range p.RoleNames() {
		rules, err := p.Rules(role)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, r := range rules {
			if id, ok := r.KeyIDFor(pub); ok && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			who = append(who, fmt.Sprintf("%s: %s", role, allowed(rules)))
			continue
		}
		f := p.Roles[role]
		met := true
		for _, r := range rules {
			t, err := threshold.Count(r, f)
			if err != nil {
				return nil, fmt.Errorf("pending %s: %w", role, err)
			}
			met = met && t.Met()
		}
		if met {
			full = append(full, role)
			continue
		}
		msg, err := f.Canonical()
		if err != nil {
			return nil, fmt.Errorf("pending %s: %w", role, err)
		}
		var todo []string
		for _, id := range ids {
			if !hasValidSignature(f, id, pub, msg) {
				todo = append(todo, id)
			}
		}
		if len(todo) == 0 {
			already = append(already, role)
			continue
		}
		jobs = append(jobs, job{role, todo})
	}
	id, _ := keys.ID(pub)
	switch {
	case len(jobs) > 0:
	case len(already) > 0:
		return nil, fmt.Errorf("%w: key %q (%s) has signed %s already; a key signs each role once", ErrAlreadySigned, s.URI(), short(id), strings.Join(already, ", "))
	case len(full) > 0:
		return nil, fmt.Errorf("pending %s is fully signed already; nothing to sign", strings.Join(full, ", "))
	default:
		return nil, fmt.Errorf("%w: key %q (%s) may sign nothing pending (%s)", ErrNotAuthorized, s.URI(), short(id), strings.Join(who, "; "))
	}
	var out [][]byte
	for _, j := range jobs {
		msg, err := p.Roles[j.role].Canonical()
		if err != nil {
			return nil, fmt.Errorf("pending %s: %w", j.role, err)
		}
		sig, err := keys.SignMessage(s, msg)
		if err != nil {
			return nil, err
		}
		for _, id := range j.keyIDs {
			b, err := SignPayload(j.role, id, sig)
			if err != nil {
				return nil, err
			}
			out = append(out, b)
		}
	}
	return out, nil
}

// hasValidSignature reports whether f carries a signature under keyID that
// verifies with pub. An invalid one does not count: RSTUF replaces it with
// the new one.
func hasValidSignature(f *metafile.File, keyID string, pub *metadata.Key, msg []byte) bool {
	for _, s := range f.Signatures {
		if s.KeyID != keyID || s.Sig == "" {
			continue
		}
		raw, err := hex.DecodeString(s.Sig)
		if err == nil && keys.Verify(pub, msg, raw) == nil {
			return true
		}
	}
	return false
}

func allowed(rules []threshold.Rule) string {
	var parts []string
	for _, r := range rules {
		var names []string
		for _, id := range r.KeyIDs {
			name := short(id)
			if k := r.Keys[id]; k != nil {
				if n, ok := k.UnrecognizedFields[KeyNameField].(string); ok && n != "" {
					name = fmt.Sprintf("%s (%s)", n, short(id))
				}
			}
			names = append(names, name)
		}
		parts = append(parts, fmt.Sprintf("%s allows %s", r.Delegator, strings.Join(names, ", ")))
	}
	return strings.Join(parts, "; ")
}
