package ceremony

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The seal of a ceremony is an in-toto Statement v1 in a DSSE envelope,
// signed by keyholders of the workspace with their TUF keys:
//
//	{"_type": "https://in-toto.io/Statement/v1",
//	 "subject": [{"name": "metadata/ROLE.json", "digest": {"sha256": "..."}}, ...],
//	 "predicateType": "https://tuf-ceremony.dev/transcript/v1",
//	 "predicate": {"transcript_head": "...", "records": N,
//	               "workspace": {"profile": "...", "kind": "...", "repository": "..."}}}
//
// transcript_head is the hash of the last record before the seal record
// (that record's prev), records the number of records before it. Each
// DSSE signature's keyid is the TUF key ID of the keyholder's key, and its
// signature is made as TUF signs (keys.SignMessage) over the DSSE PAE.
const (
	// SealFile is the envelope, in the transcript directory; the seal
	// record names its SHA-256 under this name in Outputs.
	SealFile = "seal.dsse.json"
	// StatementType is the in-toto Statement's _type.
	StatementType = "https://in-toto.io/Statement/v1"
	// TranscriptPredicateType is the predicate type of a ceremony's seal.
	TranscriptPredicateType = "https://tuf-ceremony.dev/transcript/v1"
	// InTotoPayloadType is the DSSE payload type of an in-toto Statement.
	InTotoPayloadType = "application/vnd.in-toto+json"
)

// Statement is an in-toto Statement v1 with the ceremony's predicate.
type Statement struct {
	Type          string              `json:"_type"`
	Subject       []StatementSubject  `json:"subject"`
	PredicateType string              `json:"predicateType"`
	Predicate     TranscriptPredicate `json:"predicate"`
}

// StatementSubject is one output of the ceremony.
type StatementSubject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// TranscriptPredicate ties the outputs to the transcript.
type TranscriptPredicate struct {
	TranscriptHead string             `json:"transcript_head"`
	Records        int64              `json:"records"`
	Workspace      WorkspacePredicate `json:"workspace"`
}

// WorkspacePredicate says what ceremony it was.
type WorkspacePredicate struct {
	Profile    string `json:"profile"`
	Kind       string `json:"kind"`
	Repository string `json:"repository,omitempty"`
}

// SealResult says what Seal did.
type SealResult struct {
	// Path is the envelope's file, Digest its SHA-256.
	Path   string
	Digest string
	// Head and Records are what the statement seals.
	Head    string
	Records int64
	Holders []string
	Record  transcripts.Record
}

// ErrThresholdsUnmet means a workspace was asked to seal before every
// threshold was met.
var ErrThresholdsUnmet = errors.New("thresholds not met")

// sealers names the keys asked to seal, by URI, for a refusal's record.
func sealers(signers []keys.Signer) string {
	uris := make([]string, len(signers))
	for i, s := range signers {
		uris[i] = s.URI()
	}
	return strings.Join(uris, ", ")
}

// ErrNotKeyholder means a key that is not a keyholder's was asked to seal.
var ErrNotKeyholder = errors.New("key is not a keyholder's key in this workspace")

// Seal closes the ceremony: it replays it (and refuses if it does not
// replay, is sealed already or has a threshold unmet), writes the statement of its outputs and
// transcript head, signed by each signer, to the transcript directory as
// SealFile, and appends the seal record, after which nothing more is
// appended. Every signer must be an offline keyholder or a witness of the
// workspace. It holds the transcript from the replay to the seal record;
// the app, which calls each sealer to their device in turn, seals in three
// steps instead (BeginSeal, SignSeal, FinishSeal) and holds nothing
// between them.
func (e *Engine) Seal(dir string, signers []keys.Signer) (*SealResult, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("a seal needs at least one keyholder's signature")
	}
	ws, o, err := openToSeal(dir)
	if err != nil {
		return nil, err
	}
	tr := o.tr
	defer tr.Close()
	d, err := e.draftSeal(ws, tr, sealers(signers))
	if err != nil {
		return nil, err
	}
	// Every key is checked before any signs: no device is used for a
	// seal that would be refused.
	seen := map[string]bool{}
	for _, s := range signers {
		id, _, err := d.sealer(s.URI(), s.TUFKey())
		if errors.Is(err, ErrNotKeyholder) {
			return nil, record(tr, transcripts.Refusal, s.URI(), s.URI(), err)
		}
		if err != nil {
			return nil, err
		}
		if seen[id] {
			return nil, fmt.Errorf("key %s is given twice", AbbrevHash(id))
		}
		seen[id] = true
	}
	var sigs []SealSignature
	for _, s := range signers {
		sig, err := d.Sign(s)
		if err != nil {
			return nil, err
		}
		sigs = append(sigs, sig)
	}
	return finishSeal(ws, tr, d, sigs)
}

// openToSeal opens the workspace dir and its transcript, held, with what
// an interruption left undone (a torn record, a recorded signature not
// written) completed first, so that the replay sees the ceremony whole.
func openToSeal(dir string) (*workspace.Workspace, *opened, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	o, err := openCompleted(ws)
	if err != nil {
		return nil, nil, err
	}
	return ws, o, nil
}

// statementOf is the statement of the workspace's metadata files now.
func statementOf(ws *workspace.Workspace, head string, records int64) (*Statement, error) {
	st := &Statement{Type: StatementType, PredicateType: TranscriptPredicateType,
		Predicate: TranscriptPredicate{TranscriptHead: head, Records: records,
			Workspace: WorkspacePredicate{Profile: ws.State.Profile, Kind: string(ws.State.Kind), Repository: ws.State.Repository}}}
	roles := append([]string(nil), ws.State.Roles...)
	sort.Strings(roles)
	for _, role := range roles {
		data, err := ws.MetadataBytes(role)
		if err != nil {
			return nil, err
		}
		st.Subject = append(st.Subject, StatementSubject{Name: workspace.MetadataDir + "/" + role + ".json", Digest: map[string]string{"sha256": transcripts.Sum(data)}})
	}
	return st, nil
}

// dsseKey is a TUF key as a DSSE signer and verifier: KeyID is the TUF key
// ID, and it signs and verifies the PAE as TUF does a message.
type dsseKey struct {
	key    *metadata.Key
	id     string
	signer keys.Signer // nil for a verifier only
}

func (d dsseKey) Sign(_ context.Context, data []byte) ([]byte, error) {
	if d.signer == nil {
		return nil, fmt.Errorf("key %s: no signer", AbbrevHash(d.id))
	}
	return keys.SignMessage(d.signer, data)
}

func (d dsseKey) Verify(_ context.Context, data, sig []byte) error {
	return keys.Verify(d.key, data, sig)
}

func (d dsseKey) KeyID() (string, error) { return d.id, nil }

func (d dsseKey) Public() crypto.PublicKey {
	pub, err := keys.PublicKeyOf(d.key)
	if err != nil {
		return nil
	}
	return pub
}

var _ dsse.SignerVerifier = dsseKey{}

// stepSeal checks the seal record: the envelope is the one it names, each
// signature on it verifies under a keyholder's key, and the statement
// seals the records before it and the final metadata states.
func (rp *replayer) stepSeal(r transcripts.Record) string {
	if len(r.States) > 0 {
		return "a seal record changes metadata states"
	}
	want, ok := r.Outputs[SealFile]
	if !ok {
		return fmt.Sprintf("the seal record names no %s", SealFile)
	}
	data, err := os.ReadFile(filepath.Join(rp.trDir, SealFile))
	if err != nil {
		return fmt.Sprintf("cannot read the seal: %v", err)
	}
	if got := transcripts.Sum(data); got != want {
		return fmt.Sprintf("%s hashes to %s, the seal record names %s: the envelope was changed", SealFile, AbbrevHash(got), AbbrevHash(want))
	}
	var env dsse.Envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Sprintf("%s is not a DSSE envelope: %v", SealFile, err)
	}
	if env.PayloadType != InTotoPayloadType {
		return fmt.Sprintf("the seal's payload type is %q, not %q", env.PayloadType, InTotoPayloadType)
	}
	body, err := env.DecodeB64Payload()
	if err != nil {
		return fmt.Sprintf("the seal's payload: %v", err)
	}
	if len(env.Signatures) == 0 {
		return "the seal is not signed"
	}
	files, why := rp.files()
	if why != "" {
		return why
	}
	l, err := rp.load(files)
	if err != nil {
		return err.Error()
	}
	known := holderKeys(l)
	pae := dsse.PAE(env.PayloadType, body)
	var by []string
	seen := map[string]bool{}
	var witnesses map[string]*metadata.Key
	for _, s := range env.Signatures {
		k, ok := known[s.KeyID]
		if !ok {
			if witnesses == nil {
				if witnesses, err = witnessKeys(rp.ws, rp.records); err != nil {
					return fmt.Sprintf("the seal's witnesses: %v", err)
				}
			}
			k, ok = witnesses[s.KeyID]
		}
		if !ok {
			return fmt.Sprintf("the seal is signed by key %s, which is not a keyholder's or a witness's", AbbrevHash(s.KeyID))
		}
		if seen[s.KeyID] {
			return fmt.Sprintf("the seal is signed twice by key %s", AbbrevHash(s.KeyID))
		}
		seen[s.KeyID] = true
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil {
			return fmt.Sprintf("the seal's signature by %s is not base64: %v", AbbrevHash(s.KeyID), err)
		}
		if err := (dsseKey{key: k, id: s.KeyID}).Verify(context.Background(), pae, sig); err != nil {
			return fmt.Sprintf("the seal's signature by %s (key %s) does not verify: %v", rp.ws.Holder(s.KeyID), AbbrevHash(s.KeyID), err)
		}
		by = append(by, rp.ws.Holder(s.KeyID))
	}
	var st Statement
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&st); err != nil {
		return fmt.Sprintf("the seal's statement: %v", err)
	}
	switch {
	case st.Type != StatementType:
		return fmt.Sprintf("the seal's statement type is %q, not %q", st.Type, StatementType)
	case st.PredicateType != TranscriptPredicateType:
		return fmt.Sprintf("the seal's predicate type is %q, not %q", st.PredicateType, TranscriptPredicateType)
	case st.Predicate.TranscriptHead != r.Prev || st.Predicate.Records != r.Seq-1:
		return fmt.Sprintf("the seal is of record %d with head %s, but it follows record %d with head %s", st.Predicate.Records, AbbrevHash(st.Predicate.TranscriptHead), r.Seq-1, AbbrevHash(r.Prev))
	}
	subjects := map[string]string{}
	for _, s := range st.Subject {
		subjects[s.Name] = s.Digest["sha256"]
	}
	if len(subjects) != len(rp.ws.State.Roles) || len(st.Subject) != len(subjects) {
		return fmt.Sprintf("the seal names %d outputs, the workspace has %d roles", len(st.Subject), len(rp.ws.State.Roles))
	}
	for _, role := range rp.ws.State.Roles {
		name := workspace.MetadataDir + "/" + role + ".json"
		if got := subjects[name]; got != rp.cur[role] {
			return fmt.Sprintf("the seal gives %s as %s, but its final state is %s", name, AbbrevHash(got), AbbrevHash(rp.cur[role]))
		}
	}
	rp.rep.Sealed, rp.rep.SealedBy = true, by
	return ""
}
