package audit_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func TestVerifyWorkspace(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob")

	t.Run("short of root's threshold", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Fatal("a root at 2 of 3 verifies")
		}
		th := ceremonytest.Findings(rep, verify.Error, "threshold")
		if len(th) != 1 || th[0].File != filepath.Join("metadata", "root.json") || th[0].Role != "root" {
			t.Fatalf("threshold errors %v, want one for metadata/root.json", th)
		}
		for _, name := range []string{"carol", "dave", "erin"} {
			if !strings.Contains(th[0].Message, name) {
				t.Errorf("threshold error %q does not name %s as not signed", th[0].Message, name)
			}
		}
	})

	f.Sign(ws, "carol")
	t.Run("complete", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", ceremonytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || len(rep.Findings) != 0 {
			t.Fatalf("complete workspace: findings %v", rep.Findings)
		}
		if rep.RootVersion != 1 {
			t.Errorf("root version %d, want 1", rep.RootVersion)
		}
		if len(rep.Roles) != 2 || !rep.Roles[0].Met() || !rep.Roles[1].Met() {
			t.Errorf("roles %+v, want root and targets met", rep.Roles)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		expiry := ceremonytest.Now.Add(365 * 24 * time.Hour)
		rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, "", expiry.Add(-10*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w := ceremonytest.Findings(rep, verify.Warning, "expiry")
		if len(w) != 2 || !rep.OK() {
			t.Errorf("10 days before expiry: expiry warnings %v (want root and targets), OK %v (want true)", w, rep.OK())
		}
		rep, err = audit.VerifyWorkspace(ceremonytest.Engine, ws, "", expiry.Add(-31*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Errorf("31 days before expiry: findings %v, want none", rep.Findings)
		}
		rep, err = audit.VerifyWorkspace(ceremonytest.Engine, ws, "", expiry)
		if err != nil {
			t.Fatal(err)
		}
		if e := ceremonytest.Findings(rep, verify.Error, "expiry"); len(e) != 2 || rep.OK() {
			t.Errorf("at expiry: expiry errors %v, want root and targets", e)
		}
	})

	t.Run("trusted root on a bootstrap workspace", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, ceremonytest.MetaPath(ws, "root"), ceremonytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		if len(ceremonytest.Findings(rep, verify.Error, "trusted-root")) != 1 {
			t.Errorf("--trusted-root on a bootstrap workspace: findings %v", rep.Findings)
		}
	})
}

func TestVerifyWorkspaceNextRoot(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	f.Init(planPath, "ws1", "")
	f.Sign(f.WS("ws1"), "alice", "bob", "carol")
	trusted := ceremonytest.MetaPath(f.WS("ws1"), "root")
	// Another repository's root, from the same plan.
	f.Init(planPath, "other", "")
	f.Sign(f.WS("other"), "alice", "bob", "dave")

	f.Init(planPath, "ws2", trusted)
	ws2 := f.WS("ws2")
	f.Sign(ws2, "alice", "bob", "carol")

	rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws2, trusted, ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Findings) != 0 || rep.RootVersion != 2 {
		t.Fatalf("complete next root, with its trusted root: findings %v, root v%d", rep.Findings, rep.RootVersion)
	}
	rep, err = audit.VerifyWorkspace(ceremonytest.Engine, ws2, ceremonytest.MetaPath(f.WS("other"), "root"), ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if tr := ceremonytest.Findings(rep, verify.Error, "trusted-root"); len(tr) != 1 || rep.OK() {
		t.Errorf("with another root as --trusted-root: trusted-root errors %v", tr)
	}

	// A version that does not follow.
	ceremonytest.SetSigned(t, ws2, "root", "version", 4)
	rep, err = audit.VerifyWorkspace(ceremonytest.Engine, ws2, "", ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if v := ceremonytest.Findings(rep, verify.Error, "version"); len(v) != 1 || !strings.Contains(v[0].Message, "want 2") {
		t.Errorf("root v4 after trusted v1: version errors %v", v)
	}
}

func TestVerifyWorkspaceKeyIDWarning(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	// erin's key is listed under a made-up key ID by the trusted root.
	trusted, _ := f.HandRoot(ceremonytest.HandRoot{
		Holders: []string{"alice", "bob", "carol", "dave", "erin"}, Threshold: 3,
		IDs: map[string]string{"erin": strings.Repeat("ab", 32)},
	})
	p := filepath.Join(f.Dir, "1.root.json")
	if err := ceremonytest.WriteFile(p, trusted); err != nil {
		t.Fatal(err)
	}
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", p)
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob", "carol")
	rep, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, p, ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	w := ceremonytest.Findings(rep, verify.Warning, "keyid")
	if len(w) != 1 || w[0].File != workspace.TrustedRoot || !strings.Contains(w[0].Message, strings.Repeat("ab", 32)) {
		t.Errorf("keyid warnings %v, want one for the trusted root's made-up key ID", w)
	}
	if !rep.OK() {
		t.Errorf("a non-standard key ID is a warning, not an error: %v", rep.Errors())
	}
}
