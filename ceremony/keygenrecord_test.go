package ceremony_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

func keygenRecords(t *testing.T, ws string) []transcripts.Record {
	t.Helper()
	tr, err := transcripts.Open(trDir(ws))
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
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, name := range []string{"alice", "bob"} {
		path := filepath.Join(f.dir, "keys", name+".pub"+keygen.EvidenceSuffix)
		dev := &transcripts.Device{Kind: transcripts.DeviceFile, Model: "encrypted key file"}
		if err := keygen.WriteEvidence(path, "file:keys/"+name+".key?pin-source=pass.txt", f.signers[name].TUFKey(), dev, testNow); err != nil {
			t.Fatal(err)
		}
		if b := readFile(t, path); strings.Contains(string(b), "pass.txt") {
			t.Errorf("the evidence holds the URI's query: %s", b)
		}
	}
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	recs := keygenRecords(t, f.ws("ws"))
	var who []string
	for _, r := range recs {
		who = append(who, r.Who)
		if r.Device == nil || r.Device.Kind != transcripts.DeviceFile || r.Inputs["keygen"] == "" {
			t.Errorf("keygen record %+v lacks its device or input", r)
		}
		if !strings.Contains(r.Message, testNow.Format("2006-01-02T15:04:05Z")) || !strings.Contains(r.Message, f.id(r.Who)) {
			t.Errorf("keygen record message %q lacks the time or the key ID", r.Message)
		}
		want := sha256Hex(readFile(t, filepath.Join(f.dir, "keys", r.Who+".pub"+keygen.EvidenceSuffix)))
		if r.Inputs["keygen"] != want {
			t.Errorf("keygen record of %s names %s, want %s", r.Who, r.Inputs["keygen"], want)
		}
	}
	if !sameSet(who, []string{"alice", "bob"}) {
		t.Errorf("keygen records for %v, want alice and bob", who)
	}
	rep, err := eng.Replay(f.ws("ws"))
	if err != nil || rep.FirstBad != nil {
		t.Fatalf("replay: %v %+v", err, rep)
	}
}

func TestInitRefusesMismatchedKeygenEvidence(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	path := filepath.Join(f.dir, "keys", "carol.pub"+keygen.EvidenceSuffix)
	if err := keygen.WriteEvidence(path, "file:keys/x.key", f.signers["alice"].TUFKey(), nil, testNow); err != nil {
		t.Fatal(err)
	}
	_, err := bootstrap.Init(eng, bootstrap.Options{Plan: f.plan("plan.yaml", standardPlan()), Dir: f.ws("ws"), Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "keyholders[2].public_key") {
		t.Fatalf("init with carol's evidence naming alice's key: %v, want a refusal naming keyholders[2].public_key", err)
	}
	if _, err := os.Stat(f.ws("ws")); err == nil {
		t.Error("the refused init left a workspace")
	}
}

func TestInitWithoutKeygenEvidence(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	if recs := keygenRecords(t, f.ws("ws")); len(recs) != 0 {
		t.Errorf("keygen records without evidence: %+v", recs)
	}
}
