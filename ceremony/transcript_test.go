package ceremony_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func transcriptOf(t *testing.T, ws string) *transcripts.Report {
	t.Helper()
	rep, err := transcripts.Verify(filepath.Join(ws, workspace.TranscriptDir))
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("transcript does not hold: record %d: %s", rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
	return rep
}

func recordKinds(rep *transcripts.Report) []string {
	var out []string
	for _, r := range rep.Records {
		out = append(out, string(r.Kind))
	}
	return out
}

// Every step appends its record, and each file is the state recorded last.
func TestTranscriptRecordsEveryStep(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice")
	_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if !errors.Is(err, ceremony.ErrAlreadySigned) {
		t.Fatalf("second signature: %v", err)
	}
	rep := transcriptOf(t, ws)
	if got := strings.Join(recordKinds(rep), " "); got != "init sign sign refusal" {
		t.Fatalf("records %q, want init, a sign per role, the refusal", got)
	}
	init := rep.Records[0]
	if init.Inputs[workspace.PlanFile] != ceremonytest.SHA256Hex(ceremonytest.ReadFile(t, filepath.Join(ws, workspace.PlanFile))) {
		t.Error("the init record does not name the plan by its SHA-256")
	}
	sign := rep.Records[1]
	if sign.Who != "alice" || sign.Signature == nil || sign.Signature.Role != "root" || sign.Signature.KeyID != f.ID("alice") {
		t.Errorf("sign record %+v", sign)
	}
	if sign.Inputs["root"] != init.States["root"] {
		t.Error("the sign record's input is not the state init recorded")
	}
	if sign.States["root"] != ceremonytest.SHA256Hex(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))) {
		t.Error("root.json is not the state the sign record names")
	}
	if !strings.Contains(rep.Records[3].Message, "already signed") {
		t.Errorf("refusal record says %q", rep.Records[3].Message)
	}
	r, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range r.Findings {
		if fd.Check == "transcript" {
			t.Errorf("unexpected transcript finding: %v", fd)
		}
	}
}

// A kill between the sign record and the metadata write leaves the file at
// the state before; the next command completes it from the stored state.
func TestTranscriptCompletesAnInterruptedSignature(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	before := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	f.Sign(ws, "alice")
	// The interruption: the record was appended, the write did not happen.
	if err := os.WriteFile(ceremonytest.MetaPath(ws, "root"), before, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, verify.Warning, "transcript", "not written yet") {
		t.Errorf("verify does not say a recorded signature is pending: %v", rep.Findings)
	}
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["bob"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notices) == 0 || !strings.Contains(res.Notices[0], "completed the signature of root") {
		t.Errorf("notices %q", res.Notices)
	}
	st := ceremonytest.GetStatus(t, ws)
	if got := ceremonytest.PartyNames(ceremonytest.RoleStatus(t, st, "root").Thresholds[0].Signed); !ceremonytest.SameSet(got, []string{"alice", "bob"}) {
		t.Errorf("root signed by %v after the resume, want alice (recovered) and bob", got)
	}
}

// A file edited outside the ceremony is refused for signing and reported.
func TestTranscriptRefusesMetadataChangedOutside(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice")
	data := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	edited := bytes.Replace(data, []byte(`"threshold": 3`), []byte(`"threshold": 2`), 1)
	if bytes.Equal(edited, data) {
		t.Fatal("nothing to edit")
	}
	if err := os.WriteFile(ceremonytest.MetaPath(ws, "root"), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["bob"], Role: "root", Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "changed outside the ceremony") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if !bytes.Equal(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root")), edited) {
		t.Error("the refused step wrote root.json")
	}
	rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !hasFinding(rep, verify.Error, "transcript", "changed outside the ceremony") {
		t.Errorf("verify does not report the change: %v", rep.Findings)
	}
}

// A torn last record (a kill in the middle of an append) is kept aside and
// the resume is recorded; the ceremony goes on.
func TestTranscriptTornRecordResumes(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice")
	tf := filepath.Join(ws, workspace.TranscriptDir, "transcript.jsonl")
	fh, err := os.OpenFile(tf, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(`{"kind":"sign","seq":4,"who":"bo`)
	fh.Close()
	if rep, err := transcripts.Verify(filepath.Join(ws, workspace.TranscriptDir)); err == nil && rep.OK() {
		t.Fatal("a torn record went unnoticed")
	}
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["bob"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notices) == 0 || !strings.Contains(res.Notices[0], "torn") {
		t.Errorf("notices %q, want the torn record said", res.Notices)
	}
	rep := transcriptOf(t, ws)
	if got := strings.Join(recordKinds(rep), " "); got != "init sign sign resume sign sign" {
		t.Errorf("records %q", got)
	}
}

// A passphrase typed at the prompt never reaches any file of the workspace.
func TestTranscriptHoldsNoSecret(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	const pass = "correct horse battery staple"
	passFile := filepath.Join(f.Dir, "pass")
	if err := os.WriteFile(passFile, []byte(pass), 0o600); err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(f.Dir, "alice.key")
	k, err := keys.Generate("file:"+keyPath+"?pin-source="+passFile, keys.TypeEd25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := keys.MarshalKeyJSON(k)
	if err := os.WriteFile(filepath.Join(f.Dir, "keys", "alice.pub"), pub, 0o644); err != nil {
		t.Fatal(err)
	}
	ws := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "").Dir
	p := &passPrompter{pass: pass}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, KeyURI: "file:" + keyPath, Prompter: p, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	if p.asked != 1 {
		t.Fatalf("asked %d times", p.asked)
	}
	for name, data := range snapshotAll(t, ws) {
		if bytes.Contains(data, []byte(pass)) || bytes.Contains(bytes.ToLower(data), []byte("private key")) {
			t.Errorf("%s holds the passphrase or a private key", name)
		}
	}
	if got := recordKinds(transcriptOf(t, ws)); len(got) != 3 {
		t.Errorf("records %v", got)
	}
}

type passPrompter struct {
	pass  string
	asked int
}

func (p *passPrompter) Secret(keys.SecretRequest) ([]byte, error) {
	p.asked++
	return []byte(p.pass), nil
}

func (p *passPrompter) Notify(string) {}

func snapshotAll(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			out[path] = ceremonytest.ReadFile(t, path)
		}
		return nil
	})
	return out
}

func hasFinding(r *verify.Report, sev verify.Severity, check, text string) bool {
	for _, f := range r.Findings {
		if f.Severity == sev && f.Check == check && strings.Contains(f.Message, text) {
			return true
		}
	}
	return false
}
