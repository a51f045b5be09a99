package project_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestProjectInitAfterRekey: from the repository, after the rekey is
// published, tiny's role there is signed by the old key: nothing of it is
// carried over, the warning says the maintainers list the files again,
// and the next version follows the published one.
func TestProjectInitAfterRekey(t *testing.T) {
	w := ceremonytest.NewRekeyWorld(t)
	repo := w.Publish(t)
	if err := publish.ApplyBundle(repo, w.First, w.Online, ceremonytest.Now); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(w.Dir, "tiny-1.0.tar.gz")
	if err := os.WriteFile(file, []byte("tiny 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const old = "packages/01/23/4567/tiny-1.0.tar.gz"
	pws := w.WS("tiny-v1")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: repo, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: old, File: file}}}); err != nil {
		t.Fatal(err)
	}
	w.SignAs(pws, w.Maintainers["solo"])
	v1 := filepath.Join(w.Dir, "tiny-v1.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: pws, Out: v1})
	if err := publish.ApplyBundle(repo, v1, w.Online, ceremonytest.Now); err != nil {
		t.Fatal(err)
	}

	// The rekey, from the repository: tiny's published version is known.
	ws := w.WS("rekey")
	res, err := claimed.Init(ceremonytest.Engine, claimed.Options{From: repo, ClaimsDir: w.ClaimsDir, Dir: ws, Now: ceremonytest.Now,
		Rekey: []claims.Rekey{{Project: "tiny", Reason: ceremonytest.RekeyReason}}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := workspace.Open(ws); len(res.Rekeyed) != 1 || strings.Contains(strings.Join(st.State.Warnings, "|"), "does not show which version") {
		t.Errorf("rekey from the repository: %d rekeyed, warnings %q", len(res.Rekeyed), st.State.Warnings)
	}
	w.Sign(ws, "alice", "bob")
	out := filepath.Join(w.Dir, "rekey.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if err := publish.ApplyBundle(repo, out, w.Online, ceremonytest.Now); err != nil {
		t.Fatal(err)
	}

	// Without a file: refused, saying why nothing is carried over.
	next := w.WS("tiny-v2")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: repo, Dir: next, Now: ceremonytest.Now}); err == nil ||
		!strings.Contains(err.Error(), "tiny v1 in "+repo+" is not signed by the keys claimed v3 delegates tiny to, so nothing of it is carried over") {
		t.Errorf("project init with no file after a rekey: %v", err)
	}
	file2 := filepath.Join(w.Dir, "tiny-1.1.tar.gz")
	if err := os.WriteFile(file2, []byte("tiny 1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: repo, Dir: next, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-1.1.tar.gz", File: file2}}}); err != nil {
		t.Fatal(err)
	}
	role := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(next, "tiny"))
	st, err := workspace.Open(next)
	if err != nil {
		t.Fatal(err)
	}
	if role.Version != 2 || role.Targets[old] != nil || len(role.Targets) != 1 {
		t.Errorf("tiny v%d lists %v; want v2 with the new file alone", role.Version, sortedTargets(role))
	}
	if w := strings.Join(st.State.Warnings, "|"); !strings.Contains(w, "tiny v1 in "+repo+" is not signed by the keys claimed v3 delegates tiny to: nothing in it is carried over; its targets are listed again only if the maintainers list them") {
		t.Errorf("warnings %q", w)
	}
	w.SignAs(next, w.Maintainers["solo2"])
	nb := filepath.Join(w.Dir, "tiny-v2.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: next, Out: nb})
	if err := publish.ApplyBundle(repo, nb, w.Online, ceremonytest.Now); err != nil {
		t.Fatal(err)
	}
	// demo-pkg never published its role: the one finding left.
	rep, err := verify.Repository(repo, verify.Options{At: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Errors() {
		if f.Role != "demo-pkg" {
			t.Errorf("verify the repository after the rekey and tiny v2: %+v", f)
		}
	}
	versions := map[string]int64{}
	for _, r := range rep.Roles {
		versions[r.Role] = r.Version
	}
	if versions[plan.RoleClaimed] != 3 || versions["tiny"] != 2 {
		t.Errorf("published versions %v; want claimed v3 and tiny v2", versions)
	}
}
