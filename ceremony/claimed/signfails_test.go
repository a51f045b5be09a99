package claimed_test

import (
	"crypto"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// otherKeySigner names one key and signs with another: a wrong device.
type otherKeySigner struct {
	keys.Signer
	other keys.Signer
}

func (s otherKeySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.other.Sign(r, digest, opts)
}

// A signature of a claimed large enough to be stored as the signed file's
// second name that does not verify fails the step and leaves nothing: the
// state stored for it goes with the staged file, the store holds the
// init's state alone. The right device then signs.
func TestClaimsSignThatDoesNotVerifyLeavesNoState(t *testing.T) {
	c := newClaimsBench(t, 2000, 3)
	if _, err := claimed.Init(ceremonytest.Engine, claimed.Options{From: c.repo, ClaimsDir: c.requests, Dir: c.ws, Now: c.now}); err != nil {
		t.Fatal(err)
	}
	meta := filepath.Join(c.ws, "metadata", "claimed.json")
	if fi, err := os.Stat(meta); err != nil || fi.Size() < transcripts.MinDeltaState {
		t.Fatalf("claimed is too small to be stored by a second name: %v", err)
	}
	states := filepath.Join(c.ws, "transcript", transcripts.StatesDir)
	before, err := os.ReadDir(states)
	if err != nil {
		t.Fatal(err)
	}
	other, err := keys.GenerateSoftware("memory:other", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	wrong := otherKeySigner{Signer: c.fx.Admin, other: other}
	_, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: c.ws, Signer: wrong, Now: c.now})
	if !errors.Is(err, keys.ErrBadSignature) {
		t.Fatalf("a signature by the wrong device: %v, want it refused as not verifying", err)
	}
	after, err := os.ReadDir(states)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("the store held %d files before the refused signature and %d after", len(before), len(after))
	}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: c.ws, Signer: c.fx.Admin, Now: c.now}); err != nil {
		t.Fatal(err)
	}
	if rep, err := ceremonytest.Engine.Replay(c.ws); err != nil || !rep.OK() {
		t.Fatalf("replay after the refused signature and the right one: %v %+v", err, rep.FirstBad)
	}
}
