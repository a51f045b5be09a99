package ceremonytest

import (
	"path/filepath"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/workspace"
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

// PublishWorkspace publishes finished workspace ws as its online server
// would (rehearsal/publish): its root, its offline roles, and the online
// roles signed by f.Online. edit, if not nil, may change what is published
// (the roots, the offline roles by role name) first. It returns the
// repository directory, made below f.Dir as name.
func PublishWorkspace(t *testing.T, f *Fixture, ws, name string, edit func(r *publish.Repository)) string {
	t.Helper()
	w, err := workspace.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Parse(ReadFile(t, filepath.Join(ws, workspace.PlanFile)), workspace.PlanFile, w.State.PlanDir, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(f.Dir, name)
	r := &publish.Repository{Dir: repo, Plan: p, Online: f.Online, Now: Now, Offline: map[string]*metafile.File{}}
	r.Roots = []*metafile.File{ParseFile(t, MetaPath(ws, metadata.ROOT))}
	for _, role := range w.State.Roles {
		if role != metadata.ROOT {
			r.Offline[role] = ParseFile(t, MetaPath(ws, role))
		}
	}
	if edit != nil {
		edit(r)
	}
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	return repo
}
