package ceremonytest

import (
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Bootstrapped is a finished pep458 bootstrap workspace (root 3 of 5,
// targets 2 of alice, bob, carol), with frank's and a second online key
// made for replacements.
func Bootstrapped(t *testing.T) (*Fixture, string) {
	f := NewFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
	f.Signers["online2"] = f.NewKey("online2", keys.TypeEd25519)
	ws := f.Init(f.Plan("plan.yaml", StandardPlan()), "ws", "").Dir
	f.Sign(ws, "alice", "bob", "carol", "dave")
	return f, ws
}

// Rotate runs a rotation with opts at Now.
func (f *Fixture) Rotate(opts rotate.Options) (*rotate.Result, error) {
	opts.Now = Now
	return rotate.Run(Engine, opts)
}

// BootstrapBundle bundles the finished bootstrap workspace, sealed by
// alice, as the online server received it.
func BootstrapBundle(t *testing.T, f *Fixture, ws string) string {
	t.Helper()
	if _, err := Engine.Seal(ws, []keys.Signer{f.Signers["alice"]}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.Dir, "bootstrap.tar")
	if _, err := Engine.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: Now}); err != nil {
		t.Fatal(err)
	}
	return out
}
