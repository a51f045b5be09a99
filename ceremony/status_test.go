package ceremony_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func TestStatusCounts(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")

	st := ceremonytest.GetStatus(t, ws)
	if st.AllMet() {
		t.Fatal("an unsigned workspace is reported complete")
	}
	if st.Kind != workspace.Bootstrap || st.Profile != "pep458" || st.Repository != "test.example" {
		t.Errorf("status header %q %q %q", st.Kind, st.Profile, st.Repository)
	}

	f.Sign(ws, "alice", "bob")
	st = ceremonytest.GetStatus(t, ws)
	if len(st.Roles) != 2 || st.Roles[0].Role != "root" || st.Roles[1].Role != "targets" {
		t.Fatalf("status roles %+v, want root then targets", st.Roles)
	}
	root, targets := st.Roles[0], st.Roles[1]
	if root.Version != 1 || !root.Expires.Equal(ceremonytest.Now.Add(365*24*time.Hour)) {
		t.Errorf("root v%d expires %s, want v1 expiring %s", root.Version, root.Expires, ceremonytest.Now.Add(365*24*time.Hour))
	}
	if len(root.Thresholds) != 1 {
		t.Fatalf("bootstrap root has %d rules, want 1", len(root.Thresholds))
	}
	rc := root.Thresholds[0]
	if rc.Threshold != 3 || rc.Met || root.Met {
		t.Errorf("root: threshold %d met %v/%v, want 3 and not met with 2 signatures", rc.Threshold, rc.Met, root.Met)
	}
	if !ceremonytest.SameSet(ceremonytest.PartyNames(rc.Signed), []string{"alice", "bob"}) || !ceremonytest.SameSet(ceremonytest.PartyNames(rc.Missing), []string{"carol", "dave", "erin"}) {
		t.Errorf("root signed %v missing %v", ceremonytest.PartyNames(rc.Signed), ceremonytest.PartyNames(rc.Missing))
	}
	if !ceremonytest.SameSet(partyIDs(rc.Signed), []string{f.ID("alice"), f.ID("bob")}) {
		t.Errorf("root signed key IDs %v", partyIDs(rc.Signed))
	}
	if len(rc.Invalid) != 0 {
		t.Errorf("invalid %v, want none", ceremonytest.PartyNames(rc.Invalid))
	}
	tc := targets.Thresholds[0]
	if tc.Threshold != 2 || !tc.Met || !targets.Met || !ceremonytest.SameSet(ceremonytest.PartyNames(tc.Missing), []string{"carol"}) {
		t.Errorf("targets: threshold %d met %v missing %v, want 2 met, carol missing", tc.Threshold, tc.Met, ceremonytest.PartyNames(tc.Missing))
	}
	if st.AllMet() {
		t.Error("AllMet with root at 2 of 3")
	}

	f.Sign(ws, "dave")
	if st := ceremonytest.GetStatus(t, ws); !st.AllMet() {
		t.Errorf("AllMet false with root at 3 of 3 and targets at 2 of 2: %+v", st.Roles)
	}
}

func TestStatusInvalidSignature(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob", "dave")
	if !ceremonytest.GetStatus(t, ws).AllMet() {
		t.Fatal("set-up: not complete")
	}

	for _, tc := range []struct {
		name    string
		corrupt func(string) string
	}{
		{"wrong bytes", ceremonytest.FlipHex},
		{"not hex", func(string) string { return "zz" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ceremonytest.MetaPath(ws, "root")
			good := ceremonytest.ReadFile(t, path)
			defer ceremonytest.WriteFile(path, good)
			mf := ceremonytest.ParseFile(t, path)
			i := mf.SignatureBy(f.ID("bob"))
			mf.Signatures[i].Sig = tc.corrupt(mf.Signatures[i].Sig)
			b, err := mf.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := ceremonytest.WriteFile(path, b); err != nil {
				t.Fatal(err)
			}
			st := ceremonytest.GetStatus(t, ws)
			c := ceremonytest.RoleStatus(t, st, "root").Thresholds[0]
			if !ceremonytest.SameSet(ceremonytest.PartyNames(c.Invalid), []string{"bob"}) {
				t.Errorf("invalid %v, want [bob]", ceremonytest.PartyNames(c.Invalid))
			}
			if !ceremonytest.SameSet(ceremonytest.PartyNames(c.Signed), []string{"alice", "dave"}) || c.Met || st.AllMet() {
				t.Errorf("signed %v met %v, want alice and dave, not met", ceremonytest.PartyNames(c.Signed), c.Met)
			}
			if !ceremonytest.Contains(ceremonytest.PartyNames(c.Missing), "bob") {
				t.Errorf("missing %v does not hold bob, whose signature does not count", ceremonytest.PartyNames(c.Missing))
			}
		})
	}
}

// TestStatusShowsWhatIsNotWritten: a signature the transcript records but
// an interruption kept out of its file, and a file changed outside the
// ceremony, are each named by the status; the counts stay the files'.
func TestStatusShowsWhatIsNotWritten(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	root := filepath.Join(ws, "metadata", "root.json")
	before, err := os.ReadFile(root)
	if err != nil {
		t.Fatal(err)
	}
	if st := ceremonytest.GetStatus(t, ws); len(st.Unwritten) != 0 {
		t.Fatalf("a fresh workspace: %q", st.Unwritten)
	}
	f.Sign(ws, "alice")
	// The file as it was before alice's signature: her record is there,
	// her signature is not written (what a kill after the record leaves).
	if err := os.WriteFile(root, before, 0o644); err != nil {
		t.Fatal(err)
	}
	st := ceremonytest.GetStatus(t, ws)
	if len(st.Unwritten) != 1 || !strings.Contains(st.Unwritten[0], "root: the signature by alice that record") || !strings.Contains(st.Unwritten[0], "is not written to") {
		t.Fatalf("unwritten: %q", st.Unwritten)
	}
	if n := len(st.Roles[0].Thresholds[0].Signed); n != 0 {
		t.Errorf("root counts %d signatures, the file holds none", n)
	}
	// A note, as every command that writes to the workspace, completes it
	// first, and says so.
	_, notices, err := ceremony.Note(ws, "operator", "after the power cut")
	if err != nil || len(notices) != 1 || !strings.Contains(notices[0], "completed the signature of root") {
		t.Fatalf("note: notices %q, %v", notices, err)
	}
	if st := ceremonytest.GetStatus(t, ws); len(st.Unwritten) != 0 || len(st.Roles[0].Thresholds[0].Signed) != 1 {
		t.Fatalf("after the note: unwritten %q, root signed by %d", st.Unwritten, len(st.Roles[0].Thresholds[0].Signed))
	}
	if err := os.WriteFile(root, before, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(root, append(before[:len(before)-1:len(before)-1], ' ', '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	st = ceremonytest.GetStatus(t, ws)
	if len(st.Unwritten) != 1 || !strings.Contains(st.Unwritten[0], "changed outside the ceremony") {
		t.Fatalf("unwritten after an outside change: %q", st.Unwritten)
	}
}

// TestSealCompletesARecordedSignature: seal, like sign and bundle, writes
// a signature the transcript recorded but an interruption kept out of its
// file, then seals; the status's word that "the next sign, bundle or seal
// writes it" holds for seal.
func TestSealCompletesARecordedSignature(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob")
	targets := filepath.Join(ws, "metadata", "targets.json")
	before, err := os.ReadFile(targets)
	if err != nil {
		t.Fatal(err)
	}
	f.Sign(ws, "carol")
	after, _ := os.ReadFile(targets)
	if err := os.WriteFile(targets, before, 0o644); err != nil {
		t.Fatal(err)
	}
	if st := ceremonytest.GetStatus(t, ws); len(st.Unwritten) == 0 || !strings.Contains(st.Unwritten[0], "seal") {
		t.Fatalf("status: %q", st.Unwritten)
	}
	if _, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["alice"]}); err != nil {
		t.Fatalf("seal of a workspace with a recorded signature not written: %v", err)
	}
	if got, _ := os.ReadFile(targets); !bytes.Equal(got, after) {
		t.Error("seal did not write carol's recorded signature of targets")
	}
}
