package demo_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
)

func TestDemo(t *testing.T) {
	for _, profile := range []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480} {
		t.Run(string(profile), func(t *testing.T) {
			out := t.TempDir()
			if err := demo.Run(demo.Options{Profile: profile, Out: out, Now: ceremonytest.Now}); err != nil {
				t.Fatal(err)
			}
			ws1 := filepath.Join(out, demo.BootstrapWorkspace)
			ws2 := filepath.Join(out, demo.RootV2Workspace)
			for _, ws := range []string{ws1, ws2} {
				rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
				if err != nil {
					t.Fatal(err)
				}
				if !rep.OK() {
					t.Errorf("%s: %v", filepath.Base(ws), rep.Errors())
				}
			}
			// The rotation: erin signed for root v1's rule only, frank for
			// root v2's only.
			r := ceremonytest.RoleStatus(t, ceremonytest.GetStatus(t, ws2), "root")
			if len(r.Thresholds) != 2 || !ceremonytest.Contains(ceremonytest.PartyNames(r.Thresholds[0].Signed), "erin") || ceremonytest.Contains(ceremonytest.PartyNames(r.Thresholds[1].Signed), "erin") ||
				ceremonytest.Contains(ceremonytest.PartyNames(r.Thresholds[0].Signed), "frank") || !ceremonytest.Contains(ceremonytest.PartyNames(r.Thresholds[1].Signed), "frank") {
				t.Errorf("root v2 counts %+v: want erin for v1's rule only and frank for v2's only", r.Thresholds)
			}
			// The trusted root of the rotation is the bootstrap's root.
			if string(ceremonytest.ReadFile(t, filepath.Join(ws2, "trusted", "root.json"))) != string(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root"))) {
				t.Error("root v2 workspace's trusted root is not the bootstrap root")
			}
			for _, name := range []string{"plan-bootstrap.yaml", "plan-root-v2.yaml", "keys/online.pub", "keys/frank.pub",
				"repository/metadata/1.root.json", "repository/metadata/2.root.json", "repository/metadata/root.json", "repository/metadata/timestamp.json"} {
				if _, err := os.Stat(filepath.Join(out, name)); err != nil {
					t.Errorf("demo output lacks %s: %v", name, err)
				}
			}
			for _, name := range []string{"plan-bootstrap.yaml", "plan-root-v2.yaml"} {
				if _, err := plan.Load(filepath.Join(out, name), keys.NewBackends()); err != nil {
					t.Errorf("%s does not load: %v", name, err)
				}
			}
		})
	}
}

func TestDemoRefusesNonEmptyOut(t *testing.T) {
	out := t.TempDir()
	if err := ceremonytest.WriteFile(filepath.Join(out, "keep.txt"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	before := ceremonytest.SnapshotFiles(t, out)
	if err := demo.Run(demo.Options{Out: out, Now: ceremonytest.Now}); err == nil {
		t.Fatal("demo into a non-empty directory succeeded")
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, out))
}
