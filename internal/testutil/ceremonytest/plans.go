package ceremonytest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
)

// DistributedPlan is a 3-of-5 root and a 2-of-3 targets whose keyholders
// all have Ed25519 keys: Ed25519 signatures are deterministic, so a
// ceremony signed from payloads can be compared byte for byte with one
// signed in the room.
func DistributedPlan() PlanSpec {
	all := []string{"alice", "dave", "erin", "frank", "gina"}
	return PlanSpec{Keyholders: all, Root: all, RootThreshold: 3, Targets: []string{"alice", "dave", "erin"}, TargetsThreshold: 2}
}

// NewDistributedFixture makes a fixture with the keys of DistributedPlan and
// writes that plan; it returns the plan's path too.
func NewDistributedFixture(t *testing.T) (*Fixture, string) {
	f := NewFixture(t, "alice", "dave", "erin", "frank", "gina")
	return f, f.Plan("plan.yaml", DistributedPlan())
}

// ScriptPlan writes a pep458 plan with a file key (alice), YubiKeys (bob,
// carol) and public keys only (dave, erin); the contact of carol and the
// repository hold characters HTML must escape.
func ScriptPlan(t *testing.T) *plan.Plan {
	t.Helper()
	f := NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	yaml := `profile: pep458
repository: "pypi.org <b>&amp"
keyholders:
  - {name: alice, contact: alice@example.org, key: "file:keys/alice.key"}
  - {name: bob, contact: bob@example.org, key: "yubikey:serial=19088743;slot-id=9c", public_key: keys/bob.pub}
  - {name: carol, contact: "<b>carol & co</b>", key: "yubikey:serial=5551212;slot-id=9c", public_key: keys/carol.pub}
  - {name: dave, contact: dave@example.org, public_key: keys/dave.pub}
  - {name: erin, contact: erin@example.org, public_key: keys/erin.pub}
roles:
  root: {keyholders: [alice, bob, carol, dave, erin], threshold: 3, expires_days: 365}
  targets: {keyholders: [carol, alice], threshold: 2, expires_days: 365}
  bins: {count: 16}
online:
  - {name: online, public_key: keys/online.pub, uri: "test:online-key"}
`
	pass := filepath.Join(f.Dir, "alice.pass")
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Generate("file:"+filepath.Join(f.Dir, "keys", "alice.key")+"?pin-source="+pass, keys.TypeEd25519, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.Dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WitnessPlan is the standard plan with witness wendy.
func WitnessPlan(t *testing.T, f *Fixture, extra string) string {
	t.Helper()
	path := f.Plan("plan.yaml", StandardPlan())
	b := ReadFile(t, path)
	b = append(b, []byte("witnesses:\n  - {name: wendy, contact: wendy@test.example, public_key: keys/wendy.pub}\n"+extra)...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
