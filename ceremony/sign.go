package ceremony

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ErrNotAuthorized means the key may not sign what was asked.
var ErrNotAuthorized = threshold.ErrNotAuthorized

// ErrAlreadySigned means the key has signed already.
var ErrAlreadySigned = errors.New("key has already signed")

// SignOptions says which key signs which roles of a workspace.
type SignOptions struct {
	Dir string
	// KeyURI names the key; it is opened only after the key is known to be
	// authorized, so no PIN is asked for a key that may not sign.
	KeyURI string
	// Signer, if set, is used instead of opening KeyURI (demo, tests).
	Signer keys.Signer
	// Role limits signing to one role; empty means every role the key may
	// sign.
	Role string
	// Prompter asks for the passphrase or PIN.
	Prompter keys.Prompter
	// Now is the time expiry is checked against; zero means the engine's
	// clock.
	Now time.Time
}

// Signature is one signature made by Sign.
type Signature struct {
	Role   string
	KeyIDs []string
	Holder string
}

// SignResult says what Sign did.
type SignResult struct {
	Signed []Signature
	// AlreadySigned lists roles the key had signed before.
	AlreadySigned []string
	// Notices say what the step did besides signing: a torn transcript
	// record kept aside, a signature completed after an interruption.
	Notices []string
	// Completed are the roles this key had signed, recorded before an
	// interruption, whose signature this run wrote: nothing was left to
	// sign.
	Completed []string
}

// Sign signs every role of the workspace the key may sign (or only
// opts.Role) over its canonical bytes, verifies each signature at once and
// writes each role atomically as soon as its signature is made.
//
// It refuses, before asking for any secret: a key no rule authorizes; a
// role the key has signed already; expired metadata; a root whose version
// does not follow the trusted root.
func (e *Engine) Sign(opts SignOptions) (*SignResult, error) {
	now := e.NowOr(opts.Now)
	if keys.HoldsPIN(opts.KeyURI) {
		// Refused before anything is opened or recorded: ParseURI refuses
		// whatever HoldsPIN sees, with the URI redacted.
		_, err := keys.ParseURI(opts.KeyURI)
		return nil, err
	}
	ws, err := workspace.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	o, err := openForSigning(ws)
	if err != nil {
		return nil, err
	}
	tr, changed := o.tr, o.changed
	defer tr.Close()
	res := &SignResult{Notices: o.notices}
	l, err := loadRead(ws, o.read, true)
	if err != nil {
		return nil, err
	}
	uri := opts.KeyURI
	var pub *metadata.Key
	if opts.Signer != nil {
		pub, uri = opts.Signer.TUFKey(), opts.Signer.URI()
	} else if pub, err = e.keys.PublicKey(uri); errors.Is(err, keys.ErrKeysAfterLogin) {
		if pub, err = keyNamedBy(ws, uri, l.keyByID, err); err != nil {
			return res, record(tr, transcripts.Error, uri, "", err)
		}
	} else if err != nil {
		return res, record(tr, transcripts.Error, uri, "", err)
	}
	who := describeKey(ws, uri, pub)
	refuse := func(err error) (*SignResult, error) { return res, record(tr, transcripts.Refusal, who, uri, err) }

	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return res, err
	}
	if err := k.CheckSigner(ws, pub); err != nil {
		return refuse(err)
	}
	roles := ws.State.Roles
	if opts.Role != "" {
		if !ws.HasRole(opts.Role) {
			return refuse(fmt.Errorf("workspace %q does not sign role %q (it signs %s)", ws.Dir, opts.Role, strings.Join(roles, ", ")))
		}
		roles = []string{opts.Role}
	}

	jobs, alreadyIDs, refusal, err := signJobs(ws, l, roles, opts.Role, pub, who, changed, now)
	if err != nil {
		return res, err
	}
	for _, role := range roles {
		if alreadyIDs[role] != nil {
			res.AlreadySigned = append(res.AlreadySigned, role)
		}
	}
	if refusal != nil {
		return refuse(refusal)
	}
	if len(jobs) == 0 {
		if doneBefore := completedBy(tr, o.completed, alreadyIDs); len(doneBefore) > 0 {
			// This key's signature was recorded before an interruption and
			// is written now: what it came to do is done.
			res.Completed = doneBefore
			return res, nil
		}
		if len(res.AlreadySigned) > 0 {
			return refuse(fmt.Errorf("%w: %s has already signed %s; a key signs each role once", ErrAlreadySigned, who, strings.Join(res.AlreadySigned, ", ")))
		}
		return refuse(fmt.Errorf("%w: %s may not sign any role in %q; the plan's keyholders are: %s", ErrNotAuthorized, who, ws.Dir, holders(ws)))
	}

	ready := canonicalAhead(l, jobs)
	defer ready()
	signer := opts.Signer
	if signer == nil {
		var p keys.Prompter
		if opts.Prompter != nil {
			p = guardedPrompter{Prompter: opts.Prompter, tr: tr}
		}
		openURI, withSecret, done, err := pinSourceOnce(tr, uri, p)
		if err != nil {
			return res, record(tr, transcripts.Error, who, uri, err)
		}
		defer done()
		if signer, err = e.keys.Open(openURI, withSecret); err != nil {
			return res, record(tr, transcripts.Error, who, uri, err)
		}
		if c, ok := signer.(keys.Closer); ok {
			defer c.Close()
		}
	}
	if !keys.SameKey(signer.TUFKey(), pub) {
		return res, record(tr, transcripts.Error, who, uri, fmt.Errorf("the key opened from %q is not the key it named before opening (wrong device inserted?)", uri))
	}
	ready()
	for _, j := range jobs {
		notice, err := signRole(ws, tr, o.read, l.Files[j.role], j.role, j.keyIDs, signer, uri)
		if err != nil {
			return res, record(tr, transcripts.Error, who, uri, err)
		}
		if notice != "" {
			res.Notices = append(res.Notices, notice)
		}
		res.Signed = append(res.Signed, Signature{Role: j.role, KeyIDs: j.keyIDs, Holder: ws.Holder(j.keyIDs[0])})
	}
	return res, nil
}

// signRole signs one role and commits it: the new metadata is staged
// beside its file while the new state is stored and the signature is
// verified against the key, the record is appended (fsync'd) once all
// three are done, and only then is the staged file moved into place. A
// staging that fails (no room) or a signature that does not verify (a
// wrong device) fails the step before anything is recorded, and removes
// the state stored for it (DiscardState); a kill at that point leaves
// it, named by no record.
// f was parsed from read's bytes of role, which the record names as its
// input. Once the step is done, the state before it is stored as a
// difference from the new one (transcripts.PutSignedState, Rebase): a
// failure there loses nothing and fails nothing, and is returned as a
// notice.
func signRole(ws *workspace.Workspace, tr *transcripts.Transcript, read *roleBytes, f *metafile.File, role string, ids []string, signer keys.Signer, uri string) (notice string, err error) {
	msg, err := f.Canonical()
	if err != nil {
		return "", fmt.Errorf("%s: %w", ws.MetadataPath(role), err)
	}
	// The signature is verified against the key beside the marshalling
	// and storing below, and before the record is appended.
	sig, verified, err := keys.SignMessageVerifying(signer, msg)
	if err != nil {
		return "", err
	}
	for _, id := range ids {
		f.AddSignature(id, hex.EncodeToString(sig))
	}
	// after is the file with the signature added, in pieces: its "signed"
	// is f's, the bytes read, not a copy (claimed at 1,000,000 projects:
	// 773 MB).
	after := f.MarshalParts()
	// The new metadata is written beside the file it replaces while the
	// state is stored (claimed at 100,000 projects: 77 MB each), and moved
	// into place only once the record is appended.
	staging := make(chan *atomicfile.Staged, 1)
	stageErr := make(chan error, 1)
	go func() {
		s, err := ws.StageMetadataParts(role, after)
		staging <- s
		stageErr <- err
	}()
	staged := sync.OnceValues(func() (*atomicfile.Staged, error) { return <-staging, <-stageErr })
	defer func() {
		if s, _ := staged(); s != nil {
			s.Discard() // nothing, once it replaced the metadata
		}
	}()
	crashpoint.Hit("sign:before-state")
	before, beforeData := read.sum(role), read.bytes(role)
	state, err := tr.PutSignedState(after, before, beforeData, staged)
	if err != nil {
		return "", err
	}
	crashpoint.Hit("sign:after-state")
	s, err := staged()
	if err == nil {
		err = verified()
	}
	if err != nil {
		// No record will name the state: a large role's is a whole
		// file, the staged one's second name.
		if derr := tr.DiscardState(state); derr != nil {
			err = errors.Join(err, fmt.Errorf("failed to remove its state %s: %w", state, derr))
		}
		return "", err
	}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Sign, Who: ws.Holder(ids[0]), Device: keygen.DeviceOf(uri),
		Inputs: map[string]string{role: before}, States: map[string]string{role: state},
		Signature: &transcripts.Signature{Role: role, KeyID: ids[0], Sig: hex.EncodeToString(sig)}}); err != nil {
		return "", err
	}
	crashpoint.Hit("sign:after-record")
	if err := s.Replace(); err != nil {
		return "", err
	}
	read.setParts(role, after, state)
	crashpoint.Hit("sign:after-write")
	if err := tr.Rebase(state, after, before, beforeData); err != nil {
		return fmt.Sprintf("%s is signed and written; the transcript could not finish storing the states before this signature as differences from the new one (%v): every state is still stored, some perhaps twice", role, err), nil
	}
	return "", nil
}

// record appends a refusal or error record and returns err. A failure to
// record is joined to err: the step failed either way.
func record(tr *transcripts.Transcript, kind transcripts.Kind, who, uri string, err error) error {
	rec := transcripts.Record{Kind: kind, Who: keys.Redact(who), Device: keygen.DeviceOf(uri), Message: err.Error()}
	if _, rerr := tr.Append(rec); rerr != nil {
		return errors.Join(err, fmt.Errorf("failed to record it in the transcript: %w", rerr))
	}
	return err
}

func signedBy(f *metafile.File, ids []string) bool {
	for _, id := range ids {
		if i := f.SignatureBy(id); i >= 0 && f.Signatures[i].Sig != "" {
			return true
		}
	}
	return false
}

// checkSignable refuses to sign role's metadata f when it has expired or
// its version does not follow what clients trust: for root, the trusted
// root's; for any role, above (the version of the trusted metadata of it,
// versionAbove).
func checkSignable(l *Loaded, role string, f *metafile.File, above int64, now time.Time) error {
	h, err := f.Header()
	if err != nil {
		return fmt.Errorf("%s: %w", l.WS.MetadataPath(role), err)
	}
	if !h.Expires.After(now) {
		return fmt.Errorf("%s: expired at %s: refusing to sign expired metadata; start a new workspace", l.WS.MetadataPath(role), h.Expires.UTC().Format(time.RFC3339))
	}
	if want := l.ExpectedVersion(role); want != 0 && h.Version != want {
		if l.TrustedRoot != nil {
			return fmt.Errorf("%s: version %d does not follow the trusted root version %d (want %d)", l.WS.MetadataPath(role), h.Version, l.TrustedRoot.Version, want)
		}
		return fmt.Errorf("%s: version %d, want %d", l.WS.MetadataPath(role), h.Version, want)
	}
	if h.Version <= above {
		return fmt.Errorf("%s: version %d does not follow the trusted %s version %d (%s): clients would refuse it as a rollback; start a new workspace", l.WS.MetadataPath(role), h.Version, role, above, workspace.TrustedPath(role))
	}
	return nil
}

func describeKey(ws *workspace.Workspace, uri string, pub *metadata.Key) string {
	id, err := keys.ID(pub)
	if err != nil {
		return fmt.Sprintf("key %q", keys.Redact(uri))
	}
	if h := ws.Holder(id); h != "" {
		return fmt.Sprintf("%s's key %q (%s)", h, keys.Redact(uri), id[:12])
	}
	return fmt.Sprintf("key %q (%s)", keys.Redact(uri), id[:12])
}

func whoMay(ws *workspace.Workspace, rules []threshold.Rule) string {
	var parts []string
	for _, r := range rules {
		var names []string
		for _, id := range r.KeyIDs {
			names = append(names, HolderName(ws, id))
		}
		parts = append(parts, fmt.Sprintf("%s allows %s", r.Delegator, strings.Join(names, ", ")))
	}
	return strings.Join(parts, "; ")
}

func holders(ws *workspace.Workspace) string {
	var names []string
	for _, k := range ws.State.Keys {
		if !k.Online && k.Project == "" {
			names = append(names, k.Holder)
		}
	}
	return strings.Join(names, ", ")
}

// HolderName is who holds key id in ws, as people say it: the holder's
// name, or "key " and the key ID's first digits (always, with no ws).
func HolderName(ws *workspace.Workspace, id string) string {
	if ws == nil {
		return "key " + AbbrevHash(id)
	}
	if h := ws.Holder(id); h != "" {
		return h
	}
	return "key " + AbbrevHash(id)
}

// signJob is a role a key is to sign, under the key IDs it has there.
type signJob struct {
	role   string
	keyIDs []string
}

// signJobs finds what the key pub (described as who) is to sign among
// roles (only is the one role asked for, if any): a job for each role it
// may sign and has not, and the key IDs it signed each role it has signed
// already under. refusal says why it may not go on (a role asked for that
// it may not sign, metadata it must not sign, a file changed outside the
// ceremony, an attestation that does not hold); err is for a workspace
// that cannot be read.
func signJobs(ws *workspace.Workspace, l *Loaded, roles []string, only string, pub *metadata.Key, who string, changed []string, now time.Time) (jobs []signJob, already map[string][]string, refusal, err error) {
	already = map[string][]string{}
	for _, role := range roles {
		rules, err := l.Rules(role)
		if err != nil {
			return nil, nil, nil, err
		}
		ids := threshold.KeyIDsOf(rules, pub)
		if len(ids) == 0 {
			if only != "" {
				return nil, already, fmt.Errorf("%w: %s may not sign %s (%s)", ErrNotAuthorized, who, role, whoMay(ws, rules)), nil
			}
			continue
		}
		f := l.Files[role]
		if signedBy(f, ids) {
			already[role] = ids
			continue
		}
		above, err := l.versionAbove(role)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := checkSignable(l, role, f, above, now); err != nil {
			return nil, already, err, nil
		}
		if slices.Contains(changed, role) {
			return nil, already, fmt.Errorf("%s was changed outside the ceremony: it is not the state the transcript recorded; restore it or start a new workspace", ws.MetadataPath(role)), nil
		}
		if err := checkSignerAttestation(ws, ids, pub); err != nil {
			return nil, already, err, nil
		}
		jobs = append(jobs, signJob{role, ids})
	}
	return jobs, already, nil, nil
}

// completedBy returns the roles among completed (their recorded signature
// written now) whose last recorded signature is by the key, which has
// signed the roles in already (under the key IDs given): the case of a
// signing interrupted after its record, run again.
func completedBy(tr *transcripts.Transcript, completed []string, already map[string][]string) []string {
	var out []string
	for _, role := range completed {
		if r := transcripts.LastSignature(tr.Records(), role); r != nil && slices.Contains(already[role], r.Signature.KeyID) {
			out = append(out, role)
		}
	}
	return out
}
