package bootstrap_test

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

// TestInitFromRepositoryResignsTargets: a plan that changes targets' keys
// makes a next-root workspace that signs targets too when --from is a
// directory; from the root file alone, it signs root and warns.
func TestInitFromRepositoryResignsTargets(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	spec := ceremonytest.StandardPlan()
	spec.Keyholders = append(spec.Keyholders, "frank")
	spec.Targets = []string{"alice", "bob", "frank"}
	planPath := f.Plan("plan-v2.yaml", spec)

	w := f.Init(planPath, "ws-dir", ws)
	if got := strings.Join(w.State.Roles, " "); got != "root targets" {
		t.Fatalf("roles %q, want root targets", got)
	}
	tg, err := ceremonytest.ParseFile(t, ceremonytest.MetaPath(w.Dir, "targets")).Targets()
	if err != nil {
		t.Fatal(err)
	}
	if tg.Version != 2 || !tg.Expires.Equal(ceremonytest.Now.AddDate(0, 0, 365)) {
		t.Errorf("targets v%d expires %v", tg.Version, tg.Expires)
	}
	old, _ := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "targets")).Targets()
	if tg.Delegations.SuccinctRoles.KeyIDs[0] != old.Delegations.SuccinctRoles.KeyIDs[0] {
		t.Error("the bins' key changed though the online key did not")
	}
	f.Sign(w.Dir, "alice", "bob", "carol", "frank")
	st, err := ceremony.GetStatus(w.Dir)
	if err != nil || !st.AllMet() {
		t.Fatalf("status: %v %+v", err, st)
	}
	if rp, err := ceremonytest.Engine.Replay(w.Dir); err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}

	w = f.Init(planPath, "ws-file", ceremonytest.MetaPath(ws, "root"))
	if got := strings.Join(w.State.Roles, " "); got != "root" || len(w.State.Warnings) != 1 ||
		!strings.Contains(w.State.Warnings[0], "targets must be signed again") {
		t.Fatalf("from the root file: roles %v warnings %v", w.State.Roles, w.State.Warnings)
	}
}
