package project_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// claimsBundleWorld is a claims world whose claims ceremony is signed and
// bundled (claimsBundle), and demo-pkg's file (file) to list.
func claimsBundleWorld(t *testing.T) (w *ceremonytest.ClaimsWorld, claimsBundle, file string) {
	t.Helper()
	w = ceremonytest.NewClaimsWorld(t)
	w.ClaimsInit("claims")
	cws := w.WS("claims")
	w.Sign(cws, "alice", "bob")
	claimsBundle = filepath.Join(w.Dir, "claims.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: cws, Out: claimsBundle})
	file = filepath.Join(w.Dir, "demo_pkg-1.0.tar.gz")
	if err := os.WriteFile(file, []byte("demo-pkg 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return w, claimsBundle, file
}

// TestProjectCeremony: from the claims bundle, demo-pkg's maintainers
// sign their role, 2 of 3, one through a payload signed elsewhere; the
// bundle verifies and replays; a path outside the delegation and a
// project not claimed are refused.
func TestProjectCeremony(t *testing.T) {
	w, claimsBundle, file := claimsBundleWorld(t)
	const target = "packages/ab/cd/0123abcd/demo_pkg-1.0.tar.gz"
	pws := w.WS("project")

	// Refusals first: nothing is written.
	_, err := project.Init(ceremonytest.Engine, project.Options{Project: "demo-pkg", From: claimsBundle, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: "packages/ab/cd/0123abcd/other-1.0.tar.gz", File: file}}})
	if err == nil || !strings.Contains(err.Error(), "outside demo-pkg's delegation") || !strings.Contains(err.Error(), claims.ProjectPaths("demo-pkg")[0]) {
		t.Errorf("a target outside the delegation: %v; want a refusal naming the pattern", err)
	}
	_, err = project.Init(ceremonytest.Engine, project.Options{Project: "unknown-pkg", From: claimsBundle, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: target, File: file}}})
	if !errors.Is(err, project.ErrNotClaimed) || !strings.Contains(err.Error(), "unclaimed") {
		t.Errorf("a project claimed does not delegate: %v; want ErrNotClaimed with its status", err)
	}
	if _, err := os.Stat(pws); !os.IsNotExist(err) {
		t.Fatalf("a refused project init wrote %s", pws)
	}

	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "Demo_Pkg", From: claimsBundle, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: target, File: file}}}); err != nil {
		t.Fatalf("project init: %v", err)
	}
	role := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(pws, "demo-pkg"))
	tf := role.Targets[target]
	if role.Version != 1 || tf == nil || tf.Length != int64(len("demo-pkg 1.0\n")) || len(tf.Hashes["sha256"]) != 32 || len(tf.Hashes) != 1 {
		t.Fatalf("demo-pkg v%d lists %+v; want v1 with the file's length and sha256 alone (the default every client verifies)", role.Version, tf)
	}
	if ceremonytest.SHA256Hex([]byte("demo-pkg 1.0\n")) != tf.Hashes["sha256"].String() {
		t.Error("the sha256 listed is not the file's")
	}

	// m1 signs here; m3 signs a payload elsewhere; solo (another
	// project's key) may not.
	w.SignAs(pws, w.Maintainers["m1"])
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: pws, Signer: w.Maintainers["solo"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("another project's key signs demo-pkg: %v", err)
	}
	payload := ceremonytest.ExportPayload(t, pws, "demo-pkg")
	sig, err := ceremonytest.SignPayload(payload, w.Maintainers["m3"], ceremonytest.Now)
	if err != nil {
		t.Fatalf("m3 signs the payload: %v", err)
	}
	if res := ceremonytest.ImportAll(t, pws, [][]byte{sig}); len(res.Imported) != 1 {
		t.Fatalf("import: %+v", res)
	}
	st := ceremonytest.GetStatus(t, pws)
	if !st.AllMet() || ceremonytest.RoleStatus(t, st, "demo-pkg").Thresholds[0].Delegator != "claimed v2" {
		t.Fatalf("project status: %+v", st.Roles)
	}
	out := filepath.Join(w.Dir, "demo-pkg.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: pws, Out: out})
	b := ceremonytest.ReadBundle(t, out)
	if string(ceremonytest.BundleEntry(t, b, "targets/"+target)) != "demo-pkg 1.0\n" {
		t.Error("the bundle does not carry the target file")
	}
	ceremonytest.BundleEntry(t, b, "metadata/1.demo-pkg.json")
	if rep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(w.Boot, "root")); !rep.OK() {
		t.Fatalf("verify project bundle: %v", rep.Errors())
	}
	if rep, err := audit.ReplayBundle(ceremonytest.Engine, out); err != nil || !rep.OK() {
		t.Fatalf("replay project bundle: %v %+v", err, rep)
	}
	// A target file changed in the bundle is refused.
	changed := ceremonytest.RewriteBundle(t, b, filepath.Join(w.Dir, "changed.tar"), func(name string, data []byte) []byte {
		if name == "targets/"+target {
			return []byte("evil\n")
		}
		return data
	})
	ceremonytest.RequireFinding(t, ceremonytest.VerifyBundle(t, changed, ceremonytest.MetaPath(w.Boot, "root")), verify.Error, "targets", "length or hashes")

	// Published as the online server does: claims, then demo-pkg; then
	// tiny's maintainer starts from the repository itself.
	repo := w.Publish(t)
	if err := publish.ApplyBundle(repo, claimsBundle, w.Online, ceremonytest.Now); err != nil {
		t.Fatalf("publish the claims bundle: %v", err)
	}
	if err := publish.ApplyBundle(repo, out, w.Online, ceremonytest.Now); err != nil {
		t.Fatalf("publish the project bundle: %v", err)
	}
	tinyFile := filepath.Join(w.Dir, "tiny-0.1-py3-none-any.whl")
	if err := os.WriteFile(tinyFile, []byte("tiny wheel\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tws := w.WS("tiny")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: repo, Dir: tws, Now: ceremonytest.Now, Hashes: []string{"sha256"},
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-0.1-py3-none-any.whl", File: tinyFile}}}); err != nil {
		t.Fatalf("project init of tiny from the repository: %v", err)
	}
	w.SignAs(tws, w.Maintainers["solo"])
	tinyBundle := filepath.Join(w.Dir, "tiny.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: tws, Out: tinyBundle})
	if rep := ceremonytest.VerifyBundle(t, tinyBundle, filepath.Join(repo, "metadata", "1.root.json")); !rep.OK() {
		t.Fatalf("verify tiny's bundle: %v", rep.Errors())
	}
	if err := publish.ApplyBundle(repo, tinyBundle, w.Online, ceremonytest.Now); err != nil {
		t.Fatalf("publish tiny's bundle: %v", err)
	}
	vrep, err := verify.Repository(repo, verify.Options{At: ceremonytest.Now})
	if err != nil || !vrep.OK() {
		t.Fatalf("verify the published repository: %v %v", err, vrep.Errors())
	}
	versions := map[string]int64{}
	for _, r := range vrep.Roles {
		versions[r.Role] = r.Version
	}
	if versions[plan.RoleClaimed] != 2 || versions[plan.RoleRecentlyClaimed] != 2 || versions["demo-pkg"] != 1 || versions["tiny"] != 1 {
		t.Errorf("published versions %v; want claimed v2, recently-claimed v2, demo-pkg v1, tiny v1", versions)
	}

	// The online key writes tiny v2 with a file of its own. tiny's next
	// ceremony follows v2's version but carries nothing of it over.
	cur, err := publish.CurrentRole(repo, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := cur.Targets()
	if err != nil {
		t.Fatal(err)
	}
	const evil = "packages/66/66/6666/tiny-6.6.tar.gz"
	if forged.Targets[evil], err = metadata.TargetFile().FromBytes(evil, []byte("evil\n"), "sha256"); err != nil {
		t.Fatal(err)
	}
	forged.Version = 2
	forgedFile, err := metafile.FromSigned(forged)
	if err != nil {
		t.Fatal(err)
	}
	ceremonytest.SignFile(t, forgedFile, w.Online)
	if err := (&publish.Update{Dir: repo, Roles: map[string]*metafile.File{"tiny": forgedFile}, Online: w.Online, Now: ceremonytest.Now}).Publish(); err != nil {
		t.Fatal(err)
	}
	tws3 := w.WS("tiny3")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: repo, Dir: tws3, Now: ceremonytest.Now, Hashes: []string{"sha256"},
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-0.2-py3-none-any.whl", File: tinyFile}}}); err != nil {
		t.Fatalf("project init of tiny after the forged v2: %v", err)
	}
	next := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(tws3, "tiny"))
	st3, err := workspace.Open(tws3)
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != 3 || next.Targets[evil] != nil || next.Targets["packages/01/23/4567/tiny-0.1-py3-none-any.whl"] != nil || len(st3.State.Warnings) != 1 {
		t.Errorf("tiny v%d lists %v, warnings %q; want v3 with the new file only and a warning", next.Version, sortedTargets(next), st3.State.Warnings)
	}
}

func sortedTargets(t *metadata.TargetsType) []string {
	var out []string
	for p := range t.Targets {
		out = append(out, p)
	}
	return out
}
