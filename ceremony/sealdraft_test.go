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

// The app seals in steps, one sealer at a time: what it writes replays as
// the one-call seal does, and a workspace that moved in between is not
// sealed with a statement that no longer describes it.
func TestSealInSteps(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Signers["wendy"] = f.NewKey("wendy", keys.TypeEd25519)
	ws := f.Init(ceremonytest.WitnessPlan(t, f, ""), "ws", "").Dir
	if _, err := ceremonytest.Engine.BeginSeal(ws); !errors.Is(err, ceremony.ErrThresholdsUnmet) {
		t.Fatalf("begin seal with nothing signed: %v", err)
	}
	f.Sign(ws, "alice", "bob", "carol")

	d, err := ceremonytest.Engine.BeginSeal(ws)
	if err != nil {
		t.Fatal(err)
	}
	if d.Sealers[f.ID("wendy")] != "wendy" || d.Sealers[f.ID("alice")] != "alice" || d.Head != transcriptOf(t, ws).Head {
		t.Fatalf("draft: sealers %v head %s", d.Sealers, d.Head)
	}
	if _, err := d.Sign(f.NewKey("stranger", keys.TypeEd25519)); !errors.Is(err, ceremony.ErrNotKeyholder) {
		t.Fatalf("a stranger signed the seal: %v", err)
	}
	var sigs []ceremony.SealSignature
	for _, who := range []string{"wendy", "alice"} {
		s, err := d.Sign(f.Signers[who])
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	if _, err := ceremonytest.Engine.FinishSeal(d, append(sigs, sigs[0])); err == nil {
		t.Fatal("a seal with one key's signature twice")
	}

	// A note lands between the signatures and the finish: refused, nothing
	// written.
	if _, _, err := ceremony.Note(ws, "operator", "a late note"); err != nil {
		t.Fatal(err)
	}
	if _, err := ceremonytest.Engine.FinishSeal(d, sigs); !errors.Is(err, ceremony.ErrSealMoved) {
		t.Fatalf("finish after the transcript moved: %v", err)
	}
	if _, err := os.Stat(filepath.Join(ceremonytest.TranscriptDir(ws), ceremony.SealFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a refused finish wrote the envelope: %v", err)
	}

	// Begun again: the signatures made for the first draft, or one that
	// names a key that may not seal, are refused, and nothing is written.
	stale := sigs
	d, err = ceremonytest.Engine.BeginSeal(ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]ceremony.SealSignature{stale, {{KeyID: "x", Holder: "mallory"}}} {
		if _, err := ceremonytest.Engine.FinishSeal(d, bad); err == nil {
			t.Fatalf("a seal finished with signatures not made over its statement: %+v", bad)
		}
	}
	if rep := replay(t, ws); !rep.OK() || rep.Sealed {
		t.Fatalf("after refused finishes: %+v", rep.FirstBad)
	}
	sigs = nil
	for _, who := range []string{"wendy", "alice"} {
		s, err := d.Sign(f.Signers[who])
		if err != nil {
			t.Fatal(err)
		}
		sigs = append(sigs, s)
	}
	res, err := ceremonytest.Engine.FinishSeal(d, sigs)
	if err != nil {
		t.Fatal(err)
	}
	if rep := replay(t, ws); !rep.OK() || !rep.Sealed || !ceremonytest.SameSet(rep.SealedBy, []string{"alice", "wendy"}) || res.Records != d.Records {
		t.Fatalf("replay after the seal in steps: %+v", rep)
	}
	if _, err := ceremonytest.Engine.BeginSeal(ws); err == nil {
		t.Fatal("a sealed workspace began a second seal")
	}
}
