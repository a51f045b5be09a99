package ceremony

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// SealDraft is a seal begun: the statement every sealer signs, and who may
// sign it. Each sealer signs it in turn (SignSeal), with their own device
// and PIN; FinishSeal then writes the envelope, if the transcript is still
// where the draft found it. Nothing is written or recorded until then.
type SealDraft struct {
	// Dir is the workspace.
	Dir string
	// Statement is what is sealed: the metadata files' digests and the
	// transcript head; Head and Records are that head and how many records
	// it closes.
	Statement Statement
	Head      string
	Records   int64
	// Sealers are the keys that may seal, keyholders' and witnesses', by
	// key ID, with their holders' names.
	Sealers map[string]string

	body  []byte
	keys  map[string]*metadata.Key
	state []byte
	// witnessErr is why the witnesses' keys could not be read: only a
	// witness's seal needs them.
	witnessErr error
}

// SealSignature is one sealer's signature over the draft's statement.
type SealSignature struct {
	KeyID  string
	Holder string
	sig    []byte
}

// BeginSeal checks that the workspace dir can be sealed (it replays, is
// not sealed, every threshold is met; a refusal is recorded) and returns
// the statement to sign. The transcript is not held after it returns.
func (e *Engine) BeginSeal(dir string) (*SealDraft, error) {
	ws, o, err := openToSeal(dir)
	if err != nil {
		return nil, err
	}
	defer o.tr.Close()
	return e.draftSeal(ws, o.tr, "")
}

// draftSeal is BeginSeal's check and statement, with tr held; who names
// the keys asked to seal, for a refusal's record.
func (e *Engine) draftSeal(ws *workspace.Workspace, tr *transcripts.Transcript, who string) (*SealDraft, error) {
	dir := ws.Dir
	rep, err := e.Replay(dir)
	if err != nil {
		return nil, err
	}
	if !rep.OK() {
		return nil, fmt.Errorf("refusing to seal %q: record %d does not hold: %s", dir, rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
	if rep.Sealed {
		return nil, fmt.Errorf("refusing to seal %q: it is sealed already", dir)
	}
	anchor := tr.Anchor()
	if anchor.Hash != rep.Head {
		return nil, fmt.Errorf("the transcript of %q changed while it was replayed", dir)
	}
	// A sealed workspace takes no more signatures: sealing before every
	// threshold is met would leave the ceremony unfinishable.
	status, err := GetStatus(dir)
	if err != nil {
		return nil, err
	}
	if missing := bundleMissing(status); len(missing) > 0 {
		return nil, record(tr, transcripts.Refusal, who, "", hint.With(fmt.Errorf("%w: refusing to seal %q, which would take no more signatures:\n  %s", ErrThresholdsUnmet, dir, strings.Join(missing, "\n  ")), "status "+dir))
	}
	l, err := Load(ws)
	if err != nil {
		return nil, err
	}
	d := &SealDraft{Dir: dir, Head: anchor.Hash, Records: anchor.Seq, keys: holderKeys(l), Sealers: map[string]string{}}
	witnesses, err := witnessKeys(ws, tr.Records())
	d.witnessErr = err
	for id, k := range witnesses {
		if d.keys[id] == nil {
			d.keys[id] = k
		}
	}
	for id := range d.keys {
		d.Sealers[id] = ws.Holder(id)
	}
	st, err := statementOf(ws, anchor.Hash, anchor.Seq)
	if err != nil {
		return nil, err
	}
	d.Statement = *st
	if d.body, err = json.Marshal(st); err != nil {
		return nil, err
	}
	if d.state, err = ws.StateBytes(); err != nil {
		return nil, err
	}
	return d, nil
}

// Sign has s sign the draft's statement, as DSSE signs (over the PAE) and
// TUF signs a message, and checks the signature at once. A key that is
// neither a keyholder's nor a witness's is refused with ErrNotKeyholder.
func (d *SealDraft) Sign(s keys.Signer) (SealSignature, error) {
	id, k, err := d.sealer(s.URI(), s.TUFKey())
	if err != nil {
		return SealSignature{}, err
	}
	pae := dsse.PAE(InTotoPayloadType, d.body)
	sig, err := keys.SignMessage(s, pae)
	if err != nil {
		return SealSignature{}, err
	}
	if err := keys.Verify(k, pae, sig); err != nil {
		return SealSignature{}, fmt.Errorf("the seal signature of %s does not verify under its key: %w", s.URI(), err)
	}
	return SealSignature{KeyID: id, Holder: d.Sealers[id], sig: sig}, nil
}

// sealer is the key ID and the workspace's key of pub, named by uri, if
// it may seal; otherwise an error that matches ErrNotKeyholder.
func (d *SealDraft) sealer(uri string, pub *metadata.Key) (string, *metadata.Key, error) {
	id, err := keys.ID(pub)
	if err != nil {
		return "", nil, err
	}
	k, ok := d.keys[id]
	if !ok && d.witnessErr != nil {
		return "", nil, fmt.Errorf("%s (key %s) is no keyholder's, and the witnesses' keys cannot be read: %w", uri, AbbrevHash(id), d.witnessErr)
	}
	if !ok || !keys.SameKey(k, pub) {
		return "", nil, fmt.Errorf("%w: %s (key %s) may not seal %q; those who may are: %s", ErrNotKeyholder, uri, AbbrevHash(id), d.Dir, d.sealerNames())
	}
	return id, k, nil
}

func (d *SealDraft) sealerNames() string {
	var names []string
	for _, n := range d.Sealers {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(slices.Compact(names), ", ")
}

// SignSeal opens the key uri names (its PIN asked through p) and signs the
// draft's statement with it. Nothing is recorded: the transcript must stay
// at the head the statement seals.
func (e *Engine) SignSeal(d *SealDraft, uri string, p keys.Prompter) (SealSignature, error) {
	if keys.HoldsPIN(uri) {
		_, err := keys.ParseURI(uri)
		return SealSignature{}, err
	}
	pub, err := e.keys.PublicKey(uri)
	if errors.Is(err, keys.ErrKeysAfterLogin) {
		cause := err
		var ws *workspace.Workspace
		if ws, err = workspace.Open(d.Dir); err == nil {
			pub, err = keyNamedBy(ws, uri, func(id string) *metadata.Key { return d.keys[id] }, cause)
		}
	}
	if err != nil {
		return SealSignature{}, err
	}
	// A key that may not seal is refused before any PIN is asked.
	if _, _, err := d.sealer(uri, pub); err != nil {
		return SealSignature{}, err
	}
	openURI, withSecret, _, done, err := keys.OpenPINSource(uri, p)
	if err != nil {
		return SealSignature{}, err
	}
	defer done()
	s, err := e.keys.Open(openURI, withSecret)
	if err != nil {
		return SealSignature{}, err
	}
	if c, ok := s.(keys.Closer); ok {
		defer c.Close()
	}
	if !keys.SameKey(s.TUFKey(), pub) {
		return SealSignature{}, fmt.Errorf("the key opened from %q is not the key it named before opening (wrong device inserted?)", uri)
	}
	return d.Sign(s)
}

// ErrSealMoved means the transcript or the files changed after a seal was
// begun: the statement signed no longer describes the workspace.
var ErrSealMoved = errors.New("the workspace changed after the seal was begun")

// FinishSeal writes the envelope of the draft's statement with sigs, and
// appends the seal record, if the workspace is still as the draft found
// it; otherwise it refuses with ErrSealMoved and writes nothing.
func (e *Engine) FinishSeal(d *SealDraft, sigs []SealSignature) (*SealResult, error) {
	ws, o, err := openToSeal(d.Dir)
	if err != nil {
		return nil, err
	}
	defer o.tr.Close()
	return finishSeal(ws, o.tr, d, sigs)
}

// finishSeal is FinishSeal with the transcript held.
func finishSeal(ws *workspace.Workspace, tr *transcripts.Transcript, d *SealDraft, sigs []SealSignature) (*SealResult, error) {
	if len(sigs) == 0 {
		return nil, fmt.Errorf("a seal needs at least one keyholder's signature")
	}
	if at := tr.SealedAt(); at != 0 {
		return nil, fmt.Errorf("refusing to seal %q: it was sealed at record %d", d.Dir, at)
	}
	anchor := tr.Anchor()
	if anchor.Hash != d.Head {
		return nil, fmt.Errorf("%w: %q has %d transcript records now, the seal was begun after %d; begin the seal again", ErrSealMoved, d.Dir, anchor.Seq, d.Records)
	}
	st, err := statementOf(ws, anchor.Hash, anchor.Seq)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	state, err := ws.StateBytes()
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(body, d.body) || !bytes.Equal(state, d.state) {
		return nil, fmt.Errorf("%w: the metadata files of %q are not those the seal was begun on; begin the seal again", ErrSealMoved, d.Dir)
	}
	env := dsse.Envelope{PayloadType: InTotoPayloadType, Payload: base64.StdEncoding.EncodeToString(d.body)}
	pae := dsse.PAE(InTotoPayloadType, d.body)
	var names []string
	seen := map[string]bool{}
	for _, s := range sigs {
		if seen[s.KeyID] {
			return nil, fmt.Errorf("key %s is given twice", AbbrevHash(s.KeyID))
		}
		seen[s.KeyID] = true
		// Every signature is checked again here, against this draft: one
		// made for an earlier draft, or by a key that may not seal, would
		// seal a workspace that never replays.
		k := d.keys[s.KeyID]
		if k == nil {
			return nil, fmt.Errorf("%w: key %s may not seal %q", ErrNotKeyholder, AbbrevHash(s.KeyID), d.Dir)
		}
		if err := keys.Verify(k, pae, s.sig); err != nil {
			return nil, fmt.Errorf("the seal signature by %s does not verify over this seal's statement (made for another?): %w", d.Sealers[s.KeyID], err)
		}
		env.Signatures = append(env.Signatures, dsse.Signature{KeyID: s.KeyID, Sig: base64.StdEncoding.EncodeToString(s.sig)})
		names = append(names, d.Sealers[s.KeyID])
	}
	data, err := json.MarshalIndent(env, "", "  ")
	if err != nil {
		return nil, err
	}
	data = append(data, '\n')
	// An envelope with no seal record was left by a seal interrupted
	// between writing it and recording it: nothing rests on it, and this
	// seal replaces it (the transcript is held, and not sealed).
	p := filepath.Join(ws.TranscriptPath(), SealFile)
	msg := fmt.Sprintf("sealed: transcript head %s after %d records, signed by %s", anchor.Hash, anchor.Seq, strings.Join(names, ", "))
	if _, err := os.Lstat(p); err == nil {
		if err := atomicfile.Replace(p, data, 0o644); err != nil {
			return nil, err
		}
		msg += "; it replaces the envelope an interrupted seal left unrecorded"
	} else if err := atomicfile.WriteNew(p, data, 0o644); err != nil {
		return nil, err
	}
	crashpoint.Hit("seal:after-envelope")
	rec, err := tr.Append(transcripts.Record{Kind: transcripts.Seal, Who: strings.Join(names, ", "),
		Outputs: map[string]string{SealFile: transcripts.Sum(data)}, Message: msg})
	if err != nil {
		return nil, err
	}
	return &SealResult{Path: p, Digest: transcripts.Sum(data), Head: anchor.Hash, Records: anchor.Seq, Holders: names, Record: rec}, nil
}
