package payload

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/strictjson"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// File types and format versions.
const (
	FileType             = "ceremony-signing-payload"
	FileVersion          = 1
	SignatureFileType    = "ceremony-signature"
	SignatureFileVersion = 1
)

// Size limits of what is read from elsewhere.
const (
	// MaxPayloadSize bounds a signing payload (a pep480 claimed role with
	// 100,000 projects is about 36 MB).
	MaxFileSize = 128 << 20
	// MaxSignatureFileSize bounds a signature file.
	MaxSignatureFileSize = 64 << 10
	// MaxPendingSize bounds a saved RSTUF pending signing answer.
	MaxPendingSize = 128 << 20
)

// Reasons a payload or a signature file is refused; each refusal wraps one.
var (
	ErrTooLarge           = strictjson.ErrTooLarge
	ErrMalformed          = strictjson.ErrMalformed
	ErrDifferentBytes     = errors.New("signs different bytes")
	ErrBadSignature       = errors.New("signature does not verify")
	ErrRoleNotInWorkspace = errors.New("role is not signed in this workspace")
	ErrExpired            = errors.New("metadata has expired")
)

// File is a signing payload.
type File struct {
	Type       string         `json:"type"`
	Version    int            `json:"version"`
	Repository string         `json:"repository,omitempty"`
	Profile    string         `json:"profile"`
	Kind       workspace.Kind `json:"kind"`
	Role       string         `json:"role"`
	// RoleVersion and Expires repeat the metadata's, for people.
	RoleVersion int64     `json:"version_of_role"`
	Expires     time.Time `json:"expires"`
	// CanonicalSHA256 is the SHA-256 of the canonical JSON of the
	// metadata's "signed": the bytes a signature is made over.
	CanonicalSHA256 string `json:"canonical_sha256"`
	// Authorized lists the keys the rules allow to sign, for people; the
	// signer checks it against the metadata itself.
	Authorized []AuthorizedKey `json:"authorized"`
	// Metadata is the role's metadata file.
	Metadata json.RawMessage `json:"metadata"`
	// DelegatedBy is the metadata whose rule names who signs Role: the
	// workspace's root for targets, its targets (signed there or trusted)
	// for claimed, the trusted claimed for a project's role (Kind project);
	// absent for root, whose rules are its own and TrustedRoot's.
	DelegatedBy json.RawMessage `json:"delegated_by,omitempty"`
	// TrustedRoot is the root a new root version follows.
	TrustedRoot json.RawMessage `json:"trusted_root,omitempty"`

	file  *metafile.File
	rules []threshold.Rule
}

// AuthorizedKey is one key ID the rules allow to sign.
type AuthorizedKey struct {
	KeyID  string `json:"keyid"`
	Holder string `json:"holder,omitempty"`
	// Rules are the delegators listing the key: "root v2", "previous root v1".
	Rules []string `json:"rules"`
}

// SignatureFile is one keyholder's signature over a payload's canonical
// bytes.
type SignatureFile struct {
	Type            string `json:"type"`
	Version         int    `json:"version"`
	Repository      string `json:"repository,omitempty"`
	Role            string `json:"role"`
	RoleVersion     int64  `json:"version_of_role"`
	CanonicalSHA256 string `json:"canonical_sha256"`
	// KeyID is the first key ID the rules list the key under; an import
	// adds the signature under every key ID they list it under, as Sign
	// does.
	KeyID  string `json:"keyid"`
	Sig    string `json:"sig"`
	Holder string `json:"holder,omitempty"`
}

func AuthorizedList(rules []threshold.Rule, holder func(string) string) []AuthorizedKey {
	var out []AuthorizedKey
	at := map[string]int{}
	for _, r := range rules {
		for _, id := range r.KeyIDs {
			i, ok := at[id]
			if !ok {
				i = len(out)
				at[id] = i
				out = append(out, AuthorizedKey{KeyID: id, Holder: holder(id)})
			}
			out[i].Rules = append(out[i].Rules, r.Delegator)
		}
	}
	return out
}

// Read reads a signing payload and checks it holds together: the
// hash is the hash of the embedded metadata's canonical bytes, the
// version and expiry are the metadata's, and the list of authorized keys
// is what the embedded metadata's rules say.
func Read(data []byte) (*File, error) {
	p := &File{}
	if err := strictjson.Decode("signing payload", data, MaxFileSize, p); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) (*File, error) {
		return nil, fmt.Errorf("%w: signing payload: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if p.Type != FileType {
		return bad("type is %q, want %q", p.Type, FileType)
	}
	if p.Version != FileVersion {
		return bad("version %d, this tool reads version %d", p.Version, FileVersion)
	}
	if len(p.Metadata) == 0 {
		return bad("no metadata")
	}
	f, err := metafile.Parse(p.Metadata)
	if err != nil {
		return bad("metadata: %v", err)
	}
	if err := f.CheckSpecFields(); err != nil {
		return bad("metadata: %v", err)
	}
	h, err := f.Header()
	if err != nil {
		return bad("metadata: %v", err)
	}
	wantType := metadata.TARGETS
	if p.Role == metadata.ROOT {
		wantType = metadata.ROOT
	}
	if p.Role != metadata.ROOT && p.Kind.Delegator(p.Role) == "" {
		return bad("role %q is not signed offline", p.Role)
	}
	if why := workspace.RoleFileProblem(p.Role); why != "" {
		return bad("role %q: %s", p.Role, why)
	}
	if h.Type != wantType {
		return bad("metadata of %s has _type %q, want %q", p.Role, h.Type, wantType)
	}
	if h.Version != p.RoleVersion || !h.Expires.Equal(p.Expires) {
		return bad("says %s v%d expiring %s, but its metadata is v%d expiring %s", p.Role, p.RoleVersion, p.Expires.Format(time.RFC3339), h.Version, h.Expires.Format(time.RFC3339))
	}
	msg, err := f.Canonical()
	if err != nil {
		return bad("metadata: %v", err)
	}
	if got := transcripts.Sum(msg); got != p.CanonicalSHA256 {
		return nil, fmt.Errorf("%w: signing payload: canonical_sha256 is %s, but the metadata's canonical bytes hash to %s", ErrDifferentBytes, p.CanonicalSHA256, got)
	}
	if p.rules, err = payloadRules(p, f); err != nil {
		return bad("%v", err)
	}
	if want := AuthorizedList(p.rules, func(string) string { return "" }); !sameAuthorized(want, p.Authorized) {
		return bad("its list of authorized keys is not what its metadata says")
	}
	p.file = f
	return p, nil
}

func payloadRules(p *File, f *metafile.File) ([]threshold.Rule, error) {
	parse := func(field string, raw json.RawMessage) (*metafile.File, error) {
		if len(raw) == 0 {
			return nil, fmt.Errorf("%s is missing", field)
		}
		g, err := metafile.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", field, err)
		}
		return g, nil
	}
	switch p.Role {
	case metadata.ROOT:
		if len(p.DelegatedBy) != 0 {
			return nil, fmt.Errorf("delegated_by is for targets and claimed, not root")
		}
		root, err := f.Root()
		if err != nil {
			return nil, err
		}
		var trusted *metadata.RootType
		if len(p.TrustedRoot) != 0 || root.Version > 1 {
			t, err := parse("trusted_root", p.TrustedRoot)
			if err != nil {
				return nil, err
			}
			if trusted, err = t.Root(); err != nil {
				return nil, fmt.Errorf("trusted_root: %w", err)
			}
			if err := threshold.CheckNextRoot(trusted, root); err != nil {
				return nil, err
			}
		}
		return threshold.RootRules(root, trusted)
	case metadata.TARGETS:
		if len(p.TrustedRoot) != 0 {
			return nil, fmt.Errorf("trusted_root is for root only")
		}
		d, err := parse("delegated_by", p.DelegatedBy)
		if err != nil {
			return nil, err
		}
		root, err := d.Root()
		if err != nil {
			return nil, fmt.Errorf("delegated_by: %w", err)
		}
		r, err := threshold.FromRoot(root, metadata.TARGETS, threshold.Label(metadata.ROOT, root.Version))
		return []threshold.Rule{r}, err
	default:
		if len(p.TrustedRoot) != 0 {
			return nil, fmt.Errorf("trusted_root is for root only")
		}
		d, err := parse("delegated_by", p.DelegatedBy)
		if err != nil {
			return nil, err
		}
		t, err := d.Targets()
		if err != nil {
			return nil, fmt.Errorf("delegated_by: %w", err)
		}
		r, err := threshold.FromTargets(t, p.Role, threshold.Label(p.Kind.Delegator(p.Role), t.Version))
		return []threshold.Rule{r}, err
	}
}

func sameAuthorized(want, got []AuthorizedKey) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		if want[i].KeyID != got[i].KeyID || strings.Join(want[i].Rules, "\x00") != strings.Join(got[i].Rules, "\x00") {
			return false
		}
	}
	return true
}

// KeyIDsFor returns the key IDs under which the payload's rules list pub,
// and refuses a key they do not list or metadata expired at now. It asks
// for no secret: a command checks it before opening the key.
func (p *File) KeyIDsFor(pub *metadata.Key, now time.Time) ([]string, error) {
	ids := threshold.KeyIDsOf(p.rules, pub)
	if len(ids) == 0 {
		id, _ := keys.ID(pub)
		var parts []string
		for _, r := range p.rules {
			parts = append(parts, fmt.Sprintf("%s allows %d keys", r.Delegator, len(r.KeyIDs)))
		}
		return nil, fmt.Errorf("%w: key %s may not sign %s (%s)", threshold.ErrNotAuthorized, id[:min(12, len(id))], p.Role, strings.Join(parts, "; "))
	}
	if !p.Expires.After(now) {
		return nil, fmt.Errorf("%w: %s v%d expired at %s: refusing to sign expired metadata", ErrExpired, p.Role, p.RoleVersion, p.Expires.UTC().Format(time.RFC3339))
	}
	return ids, nil
}

// Sign signs an anchored signing payload with s and returns the signature
// file: s's key is checked against the rules of the payload's metadata,
// and the expiry at now (zero: the machine's clock).
func Sign(a *Anchored, s keys.Signer, now time.Time) ([]byte, error) {
	if now.IsZero() {
		now = time.Now()
	}
	p := a.File()
	if p == nil {
		return nil, errNotAnchored
	}
	ids, err := p.KeyIDsFor(s.TUFKey(), now)
	if err != nil {
		return nil, err
	}
	msg, err := p.file.Canonical()
	if err != nil {
		return nil, err
	}
	sig, err := keys.SignMessage(s, msg)
	if err != nil {
		return nil, err
	}
	holder := ""
	for _, a := range p.Authorized {
		if a.KeyID == ids[0] {
			holder = a.Holder
		}
	}
	return strictjson.Encode(SignatureFile{Type: SignatureFileType, Version: SignatureFileVersion, Repository: p.Repository, Role: p.Role,
		RoleVersion: p.RoleVersion, CanonicalSHA256: p.CanonicalSHA256, KeyID: ids[0], Sig: hex.EncodeToString(sig), Holder: holder})
}

// ReadSignatureFile reads a signature file strictly.
func ReadSignatureFile(data []byte) (*SignatureFile, error) {
	s := &SignatureFile{}
	if err := strictjson.Decode("signature file", data, MaxSignatureFileSize, s); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) (*SignatureFile, error) {
		return nil, fmt.Errorf("%w: signature file: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Type != SignatureFileType:
		return bad("type is %q, want %q", s.Type, SignatureFileType)
	case s.Version != SignatureFileVersion:
		return bad("version %d, this tool reads version %d", s.Version, SignatureFileVersion)
	case s.Role == "":
		return bad("no role")
	case !isHex(s.CanonicalSHA256, 64):
		return bad("canonical_sha256 is not 64 hex digits")
	case !isHex(s.KeyID, 64):
		return bad("keyid is not 64 hex digits")
	case s.Sig == "" || !isHex(s.Sig, len(s.Sig)) || len(s.Sig)%2 != 0:
		return bad("sig is not hex")
	}
	return s, nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// ReadPending reads a saved RSTUF "pending signing" answer as hostile
// input (size, duplicate keys, what is pending and what it rests on) and
// refuses metadata expired at now (zero: the machine's clock). Nothing is
// signed and no key is opened: the answer is checked, anchored
// (AnchorPending) and reviewed first.
func ReadPending(pendingFile []byte, now time.Time) (*rstuf.Pending, error) {
	if now.IsZero() {
		now = time.Now()
	}
	if len(pendingFile) > MaxPendingSize {
		return nil, fmt.Errorf("%w: RSTUF pending signing answer is %d bytes, over the limit of %d", ErrTooLarge, len(pendingFile), MaxPendingSize)
	}
	if err := strictjson.CheckNoDuplicates(pendingFile); err != nil {
		return nil, fmt.Errorf("%w: RSTUF pending signing answer: %v", ErrMalformed, err)
	}
	p, err := rstuf.ParsePending(pendingFile)
	if err != nil {
		return nil, err
	}
	if err := p.CheckExpiry(now); err != nil {
		return nil, err
	}
	return p, nil
}

// PendingFor lists the pending roles key may sign, and refuses a key that
// may sign none, before the key is opened.
func PendingFor(p *rstuf.Pending, key *metadata.Key) ([]string, error) {
	var may, who []string
	for _, name := range p.RoleNames() {
		rules, err := p.Rules(name)
		if err != nil {
			return nil, err
		}
		if len(threshold.KeyIDsOf(rules, key)) > 0 {
			may = append(may, name)
			continue
		}
		for _, r := range rules {
			who = append(who, fmt.Sprintf("%s: %d of %d keys listed by %s", name, r.Threshold, len(r.KeyIDs), r.Delegator))
		}
	}
	if len(may) == 0 {
		return nil, fmt.Errorf("%w: the key may sign nothing pending (%s)", threshold.ErrNotAuthorized, strings.Join(who, "; "))
	}
	return may, nil
}

// SignRSTUFPending signs an anchored RSTUF "pending signing" answer with s
// and returns RSTUF's sign payloads, one per role and key ID signed.
func SignRSTUFPending(a *AnchoredPending, s keys.Signer) ([][]byte, error) {
	p := a.Pending()
	if p == nil {
		return nil, errNotAnchored
	}
	return rstuf.SignPending(p, s)
}
