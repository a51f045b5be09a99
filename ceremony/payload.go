package ceremony

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Signing across workstations. A workspace exports, for one role, a
// signing payload: a self-describing file with the role's metadata, the
// metadata that says who may sign it, and the hash of the canonical bytes
// to sign. A keyholder signs it on another machine (SignPayload), which
// gives a signature file; the workspace imports signature files
// (ImportSignatures), checking each against its own metadata and rules,
// and commits each accepted signature through the transcript as Sign does.
//
// Payloads and signature files come from elsewhere: they are read as
// hostile input (size limits, strict decoding, no duplicate keys, no
// trailing data), and nothing in them is trusted that can be checked.

// File types and format versions.
const (
	PayloadType          = "ceremony-signing-payload"
	PayloadVersion       = 1
	SignatureFileType    = "ceremony-signature"
	SignatureFileVersion = 1
)

// Size limits of what is read from elsewhere.
const (
	// MaxPayloadSize bounds a signing payload (a pep480 claimed role with
	// 100,000 projects is about 36 MB).
	MaxPayloadSize = 128 << 20
	// MaxSignatureFileSize bounds a signature file.
	MaxSignatureFileSize = 64 << 10
	// MaxPendingSize bounds a saved RSTUF pending signing answer.
	MaxPendingSize = 128 << 20
)

// Reasons a payload or a signature file is refused; each refusal wraps one.
var (
	ErrTooLarge           = errors.New("file is too large")
	ErrMalformed          = errors.New("malformed file")
	ErrDifferentBytes     = errors.New("signs different bytes")
	ErrBadSignature       = errors.New("signature does not verify")
	ErrRoleNotInWorkspace = errors.New("role is not signed in this workspace")
	ErrExpired            = errors.New("metadata has expired")
)

// Payload is a signing payload.
type Payload struct {
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

// ExportPayload writes the signing payload of role in the workspace dir.
func ExportPayload(dir, role string) ([]byte, error) {
	return exportPayloadAt(dir, role, time.Now())
}

func exportPayloadAt(dir, role string, now time.Time) ([]byte, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	if !ws.HasRole(role) {
		return nil, fmt.Errorf("%w: workspace %q does not sign %q (it signs %s)", ErrRoleNotInWorkspace, ws.Dir, role, strings.Join(ws.State.Roles, ", "))
	}
	l, err := Load(ws)
	if err != nil {
		return nil, err
	}
	f := l.Files[role]
	if err := checkSignable(l, role, f, now); err != nil {
		return nil, err
	}
	rules, err := l.Rules(role)
	if err != nil {
		return nil, err
	}
	h, err := f.Header()
	if err != nil {
		return nil, err
	}
	msg, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	p := Payload{Type: PayloadType, Version: PayloadVersion, Repository: ws.State.Repository, Profile: ws.State.Profile, Kind: ws.State.Kind,
		Role: role, RoleVersion: h.Version, Expires: h.Expires.UTC(), CanonicalSHA256: Sum(msg), Authorized: authorizedList(rules, ws.Holder)}
	if p.Metadata, err = ws.MetadataBytes(role); err != nil {
		return nil, err
	}
	switch role {
	case metadata.ROOT:
		if l.Trusted != nil {
			if p.TrustedRoot, err = l.Trusted.Marshal(); err != nil {
				return nil, err
			}
		}
	default:
		// The delegator as this workspace has it: signed here (a
		// bootstrap's root and targets), or trusted (claims, project).
		name := ws.State.Kind.Delegator(role)
		if ws.HasRole(name) {
			p.DelegatedBy, err = ws.MetadataBytes(name)
		} else {
			p.DelegatedBy, err = ws.TrustedBytes(name)
		}
		if err != nil {
			return nil, err
		}
	}
	return EncodeJSON(p)
}

func authorizedList(rules []threshold.Rule, holder func(string) string) []AuthorizedKey {
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

func EncodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode: %w", err)
	}
	return b.Bytes(), nil
}

// DecodeStrict decodes data, at most limit bytes, into v: one JSON object,
// no unknown fields, no duplicate keys at any depth, nothing after it.
func DecodeStrict(what string, data []byte, limit int, v any) error {
	if len(data) > limit {
		return fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrTooLarge, what, len(data), limit)
	}
	if err := checkNoDuplicates(data); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: %s: data after the JSON object", ErrMalformed, what)
	}
	return nil
}

// checkNoDuplicates refuses a JSON document with a key twice in one object:
// parsers disagree on which one counts.
func checkNoDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		seen   map[string]bool
		key    bool // the next token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if s, ok := tok.(string); ok {
				if top.seen[s] {
					return fmt.Errorf("key %q appears twice in one object", s)
				}
				top.seen[s] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, seen: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// ReadPayload reads a signing payload and checks it holds together: the
// hash is the hash of the embedded metadata's canonical bytes, the
// version and expiry are the metadata's, and the list of authorized keys
// is what the embedded metadata's rules say.
func ReadPayload(data []byte) (*Payload, error) {
	p := &Payload{}
	if err := DecodeStrict("signing payload", data, MaxPayloadSize, p); err != nil {
		return nil, err
	}
	bad := func(format string, args ...any) (*Payload, error) {
		return nil, fmt.Errorf("%w: signing payload: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if p.Type != PayloadType {
		return bad("type is %q, want %q", p.Type, PayloadType)
	}
	if p.Version != PayloadVersion {
		return bad("version %d, this tool reads version %d", p.Version, PayloadVersion)
	}
	if len(p.Metadata) == 0 {
		return bad("no metadata")
	}
	f, err := metafile.Parse(p.Metadata)
	if err != nil {
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
	if got := Sum(msg); got != p.CanonicalSHA256 {
		return nil, fmt.Errorf("%w: signing payload: canonical_sha256 is %s, but the metadata's canonical bytes hash to %s", ErrDifferentBytes, p.CanonicalSHA256, got)
	}
	if p.rules, err = payloadRules(p, f); err != nil {
		return bad("%v", err)
	}
	if want := authorizedList(p.rules, func(string) string { return "" }); !sameAuthorized(want, p.Authorized) {
		return bad("its list of authorized keys is not what its metadata says")
	}
	p.file = f
	return p, nil
}

func payloadRules(p *Payload, f *metafile.File) ([]threshold.Rule, error) {
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
		r, err := threshold.FromRoot(root, metadata.TARGETS, DelegatorLabel(metadata.ROOT, root.Version))
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
		r, err := threshold.FromTargets(t, p.Role, DelegatorLabel(p.Kind.Delegator(p.Role), t.Version))
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
func (p *Payload) KeyIDsFor(pub *metadata.Key, now time.Time) ([]string, error) {
	ids := authorizedIDs(p.rules, pub)
	if len(ids) == 0 {
		id, _ := keys.ID(pub)
		var parts []string
		for _, r := range p.rules {
			parts = append(parts, fmt.Sprintf("%s allows %d keys", r.Delegator, len(r.KeyIDs)))
		}
		return nil, fmt.Errorf("%w: key %s may not sign %s (%s)", ErrNotAuthorized, id[:min(12, len(id))], p.Role, strings.Join(parts, "; "))
	}
	if !p.Expires.After(now) {
		return nil, fmt.Errorf("%w: %s v%d expired at %s: refusing to sign expired metadata", ErrExpired, p.Role, p.RoleVersion, p.Expires.UTC().Format(time.RFC3339))
	}
	return ids, nil
}

// SignPayload signs a signing payload with s and returns the signature
// file. The payload is checked first (ReadPayload), then s's key against
// the rules of the payload's metadata, and the expiry against the clock.
func SignPayload(payload []byte, s keys.Signer) ([]byte, error) {
	return SignPayloadAt(payload, s, time.Now())
}

// SignPayloadAt is SignPayload checking expiry at now.
func SignPayloadAt(payload []byte, s keys.Signer, now time.Time) ([]byte, error) {
	p, err := ReadPayload(payload)
	if err != nil {
		return nil, err
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
	return EncodeJSON(SignatureFile{Type: SignatureFileType, Version: SignatureFileVersion, Repository: p.Repository, Role: p.Role,
		RoleVersion: p.RoleVersion, CanonicalSHA256: p.CanonicalSHA256, KeyID: ids[0], Sig: hex.EncodeToString(sig), Holder: holder})
}

// ReadSignatureFile reads a signature file strictly.
func ReadSignatureFile(data []byte) (*SignatureFile, error) {
	s := &SignatureFile{}
	if err := DecodeStrict("signature file", data, MaxSignatureFileSize, s); err != nil {
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

// ImportResult says what ImportSignatures did with each file.
type ImportResult struct {
	// Imported are the signatures added, in the order of the files.
	Imported []ImportedSignature
	// Duplicates are files whose key had signed the role already.
	Duplicates []ImportedSignature
	// Refused are the files refused, each with why.
	Refused []ImportRefusal
	// Notices say what was done besides: a torn record kept aside, a
	// signature completed after an interruption.
	Notices []string
}

// ImportedSignature is one signature file accepted or found a duplicate.
type ImportedSignature struct {
	File   int // index in the files given
	Role   string
	KeyIDs []string
	Holder string
}

// ImportRefusal is one signature file refused.
type ImportRefusal struct {
	File int
	Err  error
}

// ImportSignatures checks each signature file against the workspace dir
// and adds the signatures that hold, each committed through the transcript
// as Sign commits its own. Files may come in any order and repeat: a key
// that has signed already is a duplicate, not an error. A file refused is
// recorded as a refusal and said in the result; the others go on. The
// error is for what stops every file (no workspace, a transcript that
// cannot be written).
func (e *Engine) ImportSignatures(dir string, sigFiles [][]byte) (*ImportResult, error) {
	return e.importSignaturesAt(dir, sigFiles, time.Now())
}

func (e *Engine) importSignaturesAt(dir string, sigFiles [][]byte, now time.Time) (*ImportResult, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return nil, err
	}
	tr, notices, changed, err := openForSigning(ws)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	res := &ImportResult{Notices: notices}
	for i, data := range sigFiles {
		who, imp, dup, err := importOne(k, ws, tr, changed, data, now)
		if err != nil {
			var fatal fatalError
			if errors.As(err, &fatal) {
				return res, record(tr, transcripts.Error, who, "", fatal.error)
			}
			err = fmt.Errorf("signature file %d: %w", i+1, err)
			if rerr := record(tr, transcripts.Refusal, who, "", err); rerr != err {
				return res, rerr
			}
			res.Refused = append(res.Refused, ImportRefusal{File: i, Err: err})
			continue
		}
		imp.File = i
		if dup {
			res.Duplicates = append(res.Duplicates, imp)
		} else {
			res.Imported = append(res.Imported, imp)
		}
	}
	return res, nil
}

// fatalError is a failure that stops the import (the workspace or the
// transcript cannot be read or written), not a refusal of one file.
type fatalError struct{ error }

func importOne(k Kind, ws *workspace.Workspace, tr *transcripts.Transcript, changed []string, data []byte, now time.Time) (who string, imp ImportedSignature, dup bool, err error) {
	who = "signature file"
	s, err := ReadSignatureFile(data)
	if err != nil {
		return who, imp, false, err
	}
	if h := ws.Holder(s.KeyID); h != "" {
		who = h
	}
	if !ws.HasRole(s.Role) {
		return who, imp, false, fmt.Errorf("%w: workspace %q does not sign %q (it signs %s)", ErrRoleNotInWorkspace, ws.Dir, s.Role, strings.Join(ws.State.Roles, ", "))
	}
	l, err := Load(ws)
	if err != nil {
		return who, imp, false, fatalError{err}
	}
	f := l.Files[s.Role]
	msg, err := f.Canonical()
	if err != nil {
		return who, imp, false, fatalError{err}
	}
	if got := Sum(msg); got != s.CanonicalSHA256 {
		return who, imp, false, fmt.Errorf("%w: it signs %s bytes with SHA-256 %s, but the workspace's %s hashes to %s (a payload of another ceremony, or of changed metadata)", ErrDifferentBytes, s.Role, s.CanonicalSHA256[:12], s.Role, got[:12])
	}
	rules, err := l.Rules(s.Role)
	if err != nil {
		return who, imp, false, fatalError{err}
	}
	var key *metadata.Key
	for _, r := range rules {
		if k, ok := r.Keys[s.KeyID]; ok {
			key = k
			break
		}
	}
	if key == nil {
		return who, imp, false, fmt.Errorf("%w: key %s may not sign %s (%s)", ErrNotAuthorized, s.KeyID[:12], s.Role, whoMay(ws, rules))
	}
	ids := authorizedIDs(rules, key)
	who = HolderName(ws, ids[0])
	imp = ImportedSignature{Role: s.Role, KeyIDs: ids, Holder: ws.Holder(ids[0])}
	raw, _ := hex.DecodeString(s.Sig)
	if err := keys.Verify(key, msg, raw); err != nil {
		return who, imp, false, fmt.Errorf("%w: %s's signature of %s: %v", ErrBadSignature, who, s.Role, err)
	}
	if signedBy(f, ids) {
		return who, imp, true, nil
	}
	if err := checkSignable(l, s.Role, f, now); err != nil {
		return who, imp, false, err
	}
	if Contains(changed, s.Role) {
		return who, imp, false, fmt.Errorf("%s was changed outside the ceremony: it is not the state the transcript recorded; restore it or start a new workspace", ws.MetadataPath(s.Role))
	}
	if err := checkSignerAttestation(ws, ids, key); err != nil {
		return who, imp, false, err
	}
	if err := k.CheckSigner(ws, key); err != nil {
		return who, imp, false, err
	}
	if err := commitSignature(ws, tr, f, s.Role, ids, s.Sig); err != nil {
		return who, imp, false, fatalError{err}
	}
	return who, imp, false, nil
}

// commitSignature adds a verified signature made elsewhere and commits it
// as signRole does: the new state is stored, the record appended, and only
// then the metadata file written.
func commitSignature(ws *workspace.Workspace, tr *transcripts.Transcript, f *metafile.File, role string, ids []string, sig string) error {
	before, err := ws.MetadataBytes(role)
	if err != nil {
		return err
	}
	for _, id := range ids {
		f.AddSignature(id, sig)
	}
	after, err := f.Marshal()
	if err != nil {
		return err
	}
	state, err := tr.PutState(after)
	if err != nil {
		return err
	}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Sign, Who: ws.Holder(ids[0]), Message: "imported from a signature file",
		Inputs: map[string]string{role: Sum(before)}, States: map[string]string{role: state},
		Signature: &transcripts.Signature{Role: role, KeyID: ids[0], Sig: sig}}); err != nil {
		return err
	}
	return ws.WriteMetadataBytes(role, after)
}

// SignRSTUFPending signs a saved RSTUF "pending signing" answer with s and
// returns RSTUF's sign payloads, one per role and key ID signed.
func SignRSTUFPending(pendingFile []byte, s keys.Signer) ([][]byte, error) {
	return signRSTUFPendingAt(pendingFile, s, time.Now())
}

func signRSTUFPendingAt(pendingFile []byte, s keys.Signer, now time.Time) ([][]byte, error) {
	if len(pendingFile) > MaxPendingSize {
		return nil, fmt.Errorf("%w: RSTUF pending signing answer is %d bytes, over the limit of %d", ErrTooLarge, len(pendingFile), MaxPendingSize)
	}
	if err := checkNoDuplicates(pendingFile); err != nil {
		return nil, fmt.Errorf("%w: RSTUF pending signing answer: %v", ErrMalformed, err)
	}
	p, err := rstuf.ParsePending(pendingFile)
	if err != nil {
		return nil, err
	}
	if err := p.CheckExpiry(now); err != nil {
		return nil, err
	}
	return rstuf.SignPending(p, s)
}
