package ceremony_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
)

func TestSealByWitness(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Signers["wendy"] = f.NewKey("wendy", keys.TypeEd25519)
	stranger := f.NewKey("stranger", keys.TypeEd25519)
	ws := f.Init(ceremonytest.WitnessPlan(t, f, ""), "ws", "").Dir
	f.Sign(ws, "alice", "bob", "carol")
	if _, err := ceremonytest.Engine.Seal(ws, []keys.Signer{f.Signers["alice"], stranger}); !errors.Is(err, ceremony.ErrNotKeyholder) {
		t.Fatalf("seal by a stranger: %v", err)
	}
	ceremonytest.Seal(t, f, ws, "alice", "wendy")
	rep := replay(t, ws)
	if !rep.OK() || !rep.Sealed || !ceremonytest.SameSet(rep.SealedBy, []string{"alice", "wendy"}) {
		t.Fatalf("replay %+v", rep)
	}
	// An auditor has the workspace (or the bundle), not the plan's key
	// files: the witness's key comes from the transcript itself.
	if err := os.RemoveAll(filepath.Join(f.Dir, "keys")); err != nil {
		t.Fatal(err)
	}
	if rep := replay(t, ws); !rep.OK() || !ceremonytest.SameSet(rep.SealedBy, []string{"alice", "wendy"}) {
		t.Fatalf("replay without the plan's key files: %+v", rep.FirstBad)
	}
}
