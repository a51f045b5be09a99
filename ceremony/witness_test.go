package ceremony_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
)

// witnessPlan is the standard plan with witness wendy.
func witnessPlan(t *testing.T, f *fixture, extra string) string {
	t.Helper()
	path := f.plan("plan.yaml", standardPlan())
	b := readFile(t, path)
	b = append(b, []byte("witnesses:\n  - {name: wendy, contact: wendy@test.example, public_key: keys/wendy.pub}\n"+extra)...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlanWitnesses(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.signers["wendy"] = f.newKey("wendy", keys.TypeEd25519)
	p, err := plan.Load(witnessPlan(t, f, ""), keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Witnesses) != 1 || p.Witnesses[0].Name != "wendy" || p.Witnesses[0].KeyID != f.id("wendy") {
		t.Errorf("witnesses %+v", p.Witnesses)
	}
	for _, c := range []struct{ extra, want string }{
		{"  - {name: alice, public_key: keys/wendy.pub}\n", "witnesses[1].name"},
		{"  - {name: wendy, public_key: keys/wendy.pub}\n", "witnesses[1].name"},
		{"  - {name: walt, public_key: keys/alice.pub}\n", "witnesses[1].public_key"},
	} {
		_, err := plan.Load(witnessPlan(t, f, c.extra), keys.NewBackends())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plan with %q: %v, want a problem at %s", c.extra, err, c.want)
		}
	}
}

func TestSealByWitness(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.signers["wendy"] = f.newKey("wendy", keys.TypeEd25519)
	stranger := f.newKey("stranger", keys.TypeEd25519)
	ws := f.init(witnessPlan(t, f, ""), "ws", "").Dir
	f.sign(ws, "alice", "bob", "carol")
	if _, err := eng.Seal(ws, []keys.Signer{f.signers["alice"], stranger}); !errors.Is(err, ceremony.ErrNotKeyholder) {
		t.Fatalf("seal by a stranger: %v", err)
	}
	seal(t, f, ws, "alice", "wendy")
	rep := replay(t, ws)
	if !rep.OK() || !rep.Sealed || !sameSet(rep.SealedBy, []string{"alice", "wendy"}) {
		t.Fatalf("replay %+v", rep)
	}
	// An auditor has the workspace (or the bundle), not the plan's key
	// files: the witness's key comes from the transcript itself.
	if err := os.RemoveAll(filepath.Join(f.dir, "keys")); err != nil {
		t.Fatal(err)
	}
	if rep := replay(t, ws); !rep.OK() || !sameSet(rep.SealedBy, []string{"alice", "wendy"}) {
		t.Fatalf("replay without the plan's key files: %+v", rep.FirstBad)
	}
}
