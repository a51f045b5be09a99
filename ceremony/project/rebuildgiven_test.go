package project_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestRebuildTakesTheTrustedClaimedTheReplayRead: a project's rule is in
// the trusted claimed (77 MB at PyPI's scale); the bundle made again after
// a replay that kept what it read (ReplayKeeping) takes that reading,
// rules and bytes, instead of reading the file again, and lets go of it.
// A replay that did not keep it (Replay) leaves Rebuild to read the file.
func TestRebuildTakesTheTrustedClaimedTheReplayRead(t *testing.T) {
	w, claimsBundle, file := claimsBundleWorld(t)
	pws := w.WS("project")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "demo-pkg", From: claimsBundle, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: "packages/ab/cd/0123abcd/demo_pkg-1.0.tar.gz", File: file}}}); err != nil {
		t.Fatalf("project init: %v", err)
	}
	w.SignAs(pws, w.Maintainers["m1"])
	trustedPath := workspace.TrustedPath(plan.RoleClaimed)
	trusted := filepath.Join(pws, filepath.FromSlash(trustedPath))
	read := ceremonytest.ReadFile(t, trusted)

	kept, err := ceremonytest.Engine.ReplayKeeping(pws)
	if err != nil || !kept.OK() {
		t.Fatalf("replay: %v %+v", err, kept)
	}
	notKept, err := ceremonytest.Engine.Replay(pws)
	if err != nil || !notKept.OK() {
		t.Fatalf("replay: %v %+v", err, notKept)
	}
	if err := os.WriteFile(trusted, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	made, err := ceremonytest.Engine.Rebuild(pws, kept)
	if err != nil {
		t.Fatalf("rebuild after a replay that kept the trusted claimed it read: %v", err)
	}
	found := false
	for _, e := range made.Entries {
		if e.Name == trustedPath {
			found = true
			if !bytes.Equal(e.Data, read) {
				t.Errorf("the rebuilt %s is not the trusted claimed the replay read", trustedPath)
			}
		}
	}
	if !found {
		t.Errorf("the rebuilt bundle holds no %s", trustedPath)
	}
	for name, rep := range map[string]*ceremony.ReplayReport{"a replay that kept nothing": notKept, "the same replay again, taken already": kept} {
		if _, err := ceremonytest.Engine.Rebuild(pws, rep); err == nil {
			t.Errorf("rebuild after %s did not read the trusted claimed again (it no longer parses)", name)
		}
	}
}
