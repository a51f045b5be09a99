package ceremony_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

func keygenRecords(t *testing.T, ws string) []transcripts.Record {
	t.Helper()
	tr, err := transcripts.Open(ceremonytest.TranscriptDir(ws))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var out []transcripts.Record
	for _, r := range tr.Records() {
		if r.Kind == transcripts.Keygen {
			out = append(out, r)
		}
	}
	return out
}

func TestInitRecordsKeygenEvidence(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, name := range []string{"alice", "bob"} {
		path := filepath.Join(f.Dir, "keys", name+".pub"+keygen.EvidenceSuffix)
		dev := &transcripts.Device{Kind: transcripts.DeviceFile, Model: "encrypted key file"}
		if err := keygen.WriteEvidence(path, "file:keys/"+name+".key?pin-source=pass.txt", f.Signers[name].TUFKey(), dev, ceremonytest.Now); err != nil {
			t.Fatal(err)
		}
		if b := ceremonytest.ReadFile(t, path); strings.Contains(string(b), "pass.txt") {
			t.Errorf("the evidence holds the URI's query: %s", b)
		}
	}
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	recs := keygenRecords(t, f.WS("ws"))
	var who []string
	for _, r := range recs {
		who = append(who, r.Who)
		if r.Device == nil || r.Device.Kind != transcripts.DeviceFile || r.Inputs["keygen"] == "" {
			t.Errorf("keygen record %+v lacks its device or input", r)
		}
		if !strings.Contains(r.Message, ceremonytest.Now.Format("2006-01-02T15:04:05Z")) || !strings.Contains(r.Message, f.ID(r.Who)) {
			t.Errorf("keygen record message %q lacks the time or the key ID", r.Message)
		}
		want := ceremonytest.SHA256Hex(ceremonytest.ReadFile(t, filepath.Join(f.Dir, "keys", r.Who+".pub"+keygen.EvidenceSuffix)))
		if r.Inputs["keygen"] != want {
			t.Errorf("keygen record of %s names %s, want %s", r.Who, r.Inputs["keygen"], want)
		}
	}
	if !ceremonytest.SameSet(who, []string{"alice", "bob"}) {
		t.Errorf("keygen records for %v, want alice and bob", who)
	}
	rep, err := ceremonytest.Engine.Replay(f.WS("ws"))
	if err != nil || rep.FirstBad != nil {
		t.Fatalf("replay: %v %+v", err, rep)
	}
}

func TestInitRefusesMismatchedKeygenEvidence(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	path := filepath.Join(f.Dir, "keys", "carol.pub"+keygen.EvidenceSuffix)
	if err := keygen.WriteEvidence(path, "file:keys/x.key", f.Signers["alice"].TUFKey(), nil, ceremonytest.Now); err != nil {
		t.Fatal(err)
	}
	_, err := bootstrap.Init(ceremonytest.Engine, bootstrap.Options{Plan: f.Plan("plan.yaml", ceremonytest.StandardPlan()), Dir: f.WS("ws"), Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "keyholders[2].public_key") {
		t.Fatalf("init with carol's evidence naming alice's key: %v, want a refusal naming keyholders[2].public_key", err)
	}
	if _, err := os.Stat(f.WS("ws")); err == nil {
		t.Error("the refused init left a workspace")
	}
}

func TestInitWithoutKeygenEvidence(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	if recs := keygenRecords(t, f.WS("ws")); len(recs) != 0 {
		t.Errorf("keygen records without evidence: %+v", recs)
	}
}
