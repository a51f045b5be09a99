package ceremony_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func TestSealThenReplay(t *testing.T) {
	f, ws := signedCeremony(t)
	before := transcriptOf(t, ws)
	res := ceremonytest.Seal(t, f, ws, "alice", "bob")
	if res.Head != before.Head || res.Records != int64(len(before.Records)) || !ceremonytest.SameSet(res.Holders, []string{"alice", "bob"}) {
		t.Errorf("seal result %+v", res)
	}
	after := transcriptOf(t, ws)
	last := after.Records[len(after.Records)-1]
	env := ceremonytest.ReadFile(t, res.Path)
	if last.Kind != transcripts.Seal || last.Outputs[ceremony.SealFile] != ceremonytest.SHA256Hex(env) || last.Prev != before.Head {
		t.Fatalf("last record %+v", last)
	}
	// The envelope, read without the code under test.
	var e dsse.Envelope
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	body, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st["_type"] != "https://in-toto.io/Statement/v1" || st["predicateType"] != ceremony.TranscriptPredicateType || e.PayloadType != "application/vnd.in-toto+json" {
		t.Errorf("statement %s", body)
	}
	if pred := st["predicate"].(map[string]any); pred["transcript_head"] != before.Head {
		t.Errorf("predicate %v", pred)
	}
	subjects := map[string]string{}
	for _, s := range st["subject"].([]any) {
		m := s.(map[string]any)
		subjects[m["name"].(string)] = m["digest"].(map[string]any)["sha256"].(string)
	}
	for _, role := range []string{"root", "targets"} {
		if subjects["metadata/"+role+".json"] != ceremonytest.SHA256Hex(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, role))) {
			t.Errorf("subject %s: %v", role, subjects)
		}
	}
	if len(e.Signatures) != 2 {
		t.Fatalf("%d signatures", len(e.Signatures))
	}
	pae := dsse.PAE(e.PayloadType, body)
	for _, s := range e.Signatures {
		raw, _ := base64.StdEncoding.DecodeString(s.Sig)
		var ok bool
		for _, n := range []string{"alice", "bob"} {
			ok = ok || (s.KeyID == f.ID(n) && keys.Verify(f.Signers[n].TUFKey(), pae, raw) == nil)
		}
		if !ok {
			t.Errorf("signature %+v does not verify under alice's or bob's key", s)
		}
	}

	rep := replay(t, ws)
	if !rep.OK() || !rep.Sealed || !ceremonytest.SameSet(rep.SealedBy, []string{"alice", "bob"}) {
		t.Fatalf("replay of a sealed ceremony: %+v", rep)
	}
	var out bytes.Buffer
	if err := rep.Print(&out); err != nil || !strings.Contains(out.String(), "sealed by alice, bob") {
		t.Errorf("print: %v\n%s", err, out.String())
	}
	if _, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["carol"]}); err == nil {
		t.Error("a second seal")
	}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["dave"], Now: ceremonytest.Now}); err == nil {
		t.Error("a signature after the seal")
	}
}

func TestSealRefusesNonKeyholders(t *testing.T) {
	f, ws := signedCeremony(t)
	stranger := f.NewKey("mallory", keys.TypeEd25519)
	for _, s := range []keys.Signer{stranger, f.Online} {
		_, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["alice"], s})
		if !errors.Is(err, ceremony.ErrNotKeyholder) {
			t.Errorf("seal with %s: %v", s.URI(), err)
		}
	}
	if _, err := os.Stat(filepath.Join(ceremonytest.TranscriptDir(ws), ceremony.SealFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused seal wrote the envelope: %v", err)
	}
	if rep := replay(t, ws); !rep.OK() || rep.Sealed {
		t.Errorf("after refused seals: %+v", rep.FirstBad)
	}
	if _, err := ceremonytest.Engine.Seal(ws, nil); err == nil {
		t.Error("a seal without signers")
	}
	// ceremony.json is covered by the init record: calling the online key
	// a keyholder's there does not let it seal, and the change is named.
	sp := filepath.Join(ws, workspace.StateFile)
	var st workspace.State
	if err := json.Unmarshal(ceremonytest.ReadFile(t, sp), &st); err != nil {
		t.Fatal(err)
	}
	for i := range st.Keys {
		st.Keys[i].Online = false
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(sp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ceremonytest.WriteFile(sp, b); err != nil {
		t.Fatal(err)
	}
	_, err = ceremonytest.Engine.Seal(ws, []keys.Signer{f.Online})
	if err == nil || !strings.Contains(err.Error(), "ceremony.json hashes to") {
		t.Errorf("seal by the online key called a keyholder's in ceremony.json: %v, want the changed ceremony.json named", err)
	}
}

func TestSealRefusesWhatDoesNotReplay(t *testing.T) {
	f, ws := signedCeremony(t)
	if err := ceremonytest.WriteFile(ceremonytest.MetaPath(ws, "root"), []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if _, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["alice"]}); err == nil || !strings.Contains(err.Error(), "refusing to seal") {
		t.Fatalf("seal of a changed workspace: %v", err)
	}
}

// rewriteEnvelope changes the sealed statement and, as an attacker with
// write access would, the seal record's hash of the envelope (the last
// record: the chain alone does not protect it).
func rewriteEnvelope(t *testing.T, ws string, res *ceremony.SealResult, edit func(*dsse.Envelope)) {
	t.Helper()
	old := ceremonytest.ReadFile(t, res.Path)
	var e dsse.Envelope
	if err := json.Unmarshal(old, &e); err != nil {
		t.Fatal(err)
	}
	edit(&e)
	data, err := json.MarshalIndent(&e, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if err := os.Chmod(res.Path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ceremonytest.WriteFile(res.Path, data); err != nil {
		t.Fatal(err)
	}
	editRecord(t, ws, res.Record.Seq, ceremonytest.SHA256Hex(old), ceremonytest.SHA256Hex(data))
}

func TestReplayCatchesTamperedSeals(t *testing.T) {
	flipPayload := func(e *dsse.Envelope) {
		body, _ := base64.StdEncoding.DecodeString(e.Payload)
		body = bytes.Replace(body, []byte(`"records":7`), []byte(`"records":6`), 1)
		e.Payload = base64.StdEncoding.EncodeToString(body)
	}
	t.Run("envelope changed", func(t *testing.T) {
		f, ws := signedCeremony(t)
		res := ceremonytest.Seal(t, f, ws, "alice")
		data := ceremonytest.ReadFile(t, res.Path)
		i := bytes.Index(data, []byte(`"payload": "`)) + len(`"payload": "`) + 5
		data[i] ^= 1
		if err := os.Chmod(res.Path, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := ceremonytest.WriteFile(res.Path, data); err != nil {
			t.Fatal(err)
		}
		requireBad(t, replay(t, ws), res.Record.Seq, "the envelope was changed")
	})
	t.Run("payload changed, record rewritten", func(t *testing.T) {
		f, ws := signedCeremony(t)
		res := ceremonytest.Seal(t, f, ws, "alice", "bob")
		rewriteEnvelope(t, ws, res, flipPayload)
		requireBad(t, replay(t, ws), res.Record.Seq, "does not verify")
	})
	t.Run("signature by a stranger", func(t *testing.T) {
		f, ws := signedCeremony(t)
		res := ceremonytest.Seal(t, f, ws, "alice")
		rewriteEnvelope(t, ws, res, func(e *dsse.Envelope) { e.Signatures[0].KeyID = f.ID("online") })
		requireBad(t, replay(t, ws), res.Record.Seq, "not a keyholder's")
	})
	t.Run("signatures removed", func(t *testing.T) {
		f, ws := signedCeremony(t)
		res := ceremonytest.Seal(t, f, ws, "alice")
		rewriteEnvelope(t, ws, res, func(e *dsse.Envelope) { e.Signatures = nil })
		requireBad(t, replay(t, ws), res.Record.Seq, "not signed")
	})
	t.Run("metadata changed after the seal", func(t *testing.T) {
		f, ws := signedCeremony(t)
		res := ceremonytest.Seal(t, f, ws, "alice")
		_ = res
		if err := ceremonytest.WriteFile(ceremonytest.MetaPath(ws, "targets"), []byte("{}\n")); err != nil {
			t.Fatal(err)
		}
		rep := replay(t, ws)
		if rep.OK() || !strings.Contains(rep.FirstBad.Reason, "changed outside the ceremony") {
			t.Fatalf("replay: %+v", rep.FirstBad)
		}
	})
}

// A seal before every threshold is met is refused, naming what is missing,
// and recorded as a refusal; the ceremony then goes on and seals once done.
func TestSealRefusedUntilThresholdsMet(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice")
	before := transcriptOf(t, ws)
	_, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["alice"]})
	if !errors.Is(err, ceremony.ErrThresholdsUnmet) || !strings.Contains(err.Error(), "root v1: 1 of 3") {
		t.Fatalf("early seal: %v, want thresholds not met naming root v1", err)
	}
	if _, serr := os.Stat(filepath.Join(ws, workspace.TranscriptDir, ceremony.SealFile)); !errors.Is(serr, os.ErrNotExist) {
		t.Fatalf("a refused seal left %s: %v", ceremony.SealFile, serr)
	}
	after := transcriptOf(t, ws)
	if n := len(after.Records); n != len(before.Records)+1 || after.Records[n-1].Kind != transcripts.Refusal {
		t.Fatalf("the refusal is not the last record: %d records before, %d after", len(before.Records), n)
	}
	f.Sign(ws, "bob", "carol")
	ceremonytest.Seal(t, f, ws, "alice")
}
