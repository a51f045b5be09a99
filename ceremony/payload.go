package ceremony

import (
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/strictjson"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ExportPayload writes the signing payload of role in the workspace dir,
// refusing metadata expired at now (zero: the engine's clock).
func (e *Engine) ExportPayload(dir, role string, now time.Time) ([]byte, error) {
	now = e.NowOr(now)
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	if !ws.HasRole(role) {
		return nil, fmt.Errorf("%w: workspace %q does not sign %q (it signs %s)", payload.ErrRoleNotInWorkspace, ws.Dir, role, strings.Join(ws.State.Roles, ", "))
	}
	l, err := Load(ws)
	if err != nil {
		return nil, err
	}
	f := l.Files[role]
	above, err := l.VersionAbove(role)
	if err != nil {
		return nil, err
	}
	if err := checkSignable(l, role, f, above, now); err != nil {
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
	p := payload.File{Type: payload.FileType, Version: payload.FileVersion, Repository: ws.State.Repository, Profile: ws.State.Profile, Kind: ws.State.Kind,
		Role: role, RoleVersion: h.Version, Expires: h.Expires.UTC(), CanonicalSHA256: transcripts.Sum(msg), Authorized: payload.AuthorizedList(rules, ws.Holder)}
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
	return strictjson.Encode(p)
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
//
// Expiry is checked at now (zero: the engine's clock).
func (e *Engine) ImportSignatures(dir string, sigFiles [][]byte, now time.Time) (*ImportResult, error) {
	now = e.NowOr(now)
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return nil, err
	}
	o, err := openForSigning(ws)
	if err != nil {
		return nil, err
	}
	tr, changed := o.tr, o.changed
	defer tr.Close()
	res := &ImportResult{Notices: o.notices}
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
	s, err := payload.ReadSignatureFile(data)
	if err != nil {
		return who, imp, false, err
	}
	if h := ws.Holder(s.KeyID); h != "" {
		who = h
	}
	if !ws.HasRole(s.Role) {
		return who, imp, false, fmt.Errorf("%w: workspace %q does not sign %q (it signs %s)", payload.ErrRoleNotInWorkspace, ws.Dir, s.Role, strings.Join(ws.State.Roles, ", "))
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
	if got := transcripts.Sum(msg); got != s.CanonicalSHA256 {
		return who, imp, false, fmt.Errorf("%w: it signs %s bytes with SHA-256 %s, but the workspace's %s hashes to %s (a payload of another ceremony, or of changed metadata)", payload.ErrDifferentBytes, s.Role, s.CanonicalSHA256[:12], s.Role, got[:12])
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
	ids := threshold.KeyIDsOf(rules, key)
	who = HolderName(ws, ids[0])
	imp = ImportedSignature{Role: s.Role, KeyIDs: ids, Holder: ws.Holder(ids[0])}
	raw, _ := hex.DecodeString(s.Sig)
	if err := keys.Verify(key, msg, raw); err != nil {
		return who, imp, false, fmt.Errorf("%w: %s's signature of %s: %v", payload.ErrBadSignature, who, s.Role, err)
	}
	if signedBy(f, ids) {
		return who, imp, true, nil
	}
	above, err := l.VersionAbove(s.Role)
	if err != nil {
		return who, imp, false, err
	}
	if err := checkSignable(l, s.Role, f, above, now); err != nil {
		return who, imp, false, err
	}
	if slices.Contains(changed, s.Role) {
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
		Inputs: map[string]string{role: transcripts.Sum(before)}, States: map[string]string{role: state},
		Signature: &transcripts.Signature{Role: role, KeyID: ids[0], Sig: sig}}); err != nil {
		return err
	}
	return ws.WriteMetadataBytes(role, after)
}
