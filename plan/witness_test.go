package plan_test

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
)

func TestPlanWitnesses(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Signers["wendy"] = f.NewKey("wendy", keys.TypeEd25519)
	p, err := plan.Load(ceremonytest.WitnessPlan(t, f, ""), keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Witnesses) != 1 || p.Witnesses[0].Name != "wendy" || p.Witnesses[0].KeyID != f.ID("wendy") {
		t.Errorf("witnesses %+v", p.Witnesses)
	}
	for _, c := range []struct{ extra, want string }{
		{"  - {name: alice, public_key: keys/wendy.pub}\n", "witnesses[1].name"},
		{"  - {name: wendy, public_key: keys/wendy.pub}\n", "witnesses[1].name"},
		{"  - {name: walt, public_key: keys/alice.pub}\n", "witnesses[1].public_key"},
	} {
		_, err := plan.Load(ceremonytest.WitnessPlan(t, f, c.extra), keys.NewBackends())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("plan with %q: %v, want a problem at %s", c.extra, err, c.want)
		}
	}
}
