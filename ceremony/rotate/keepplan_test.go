package rotate_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

// TestRotationKeepsThePlan: a rotation's workspace keeps what the source
// workspace said of each key (contact, order: keyholders are called as the
// plan calls them), gives a replacement its holder's contact, and warns
// when a role is left with no spare key.
func TestRotationKeepsThePlan(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	res, err := f.Rotate(rotate.Options{From: ws, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}, Dir: f.WS("ws-replace")})
	if err != nil {
		t.Fatal(err)
	}
	var order, contacts []string
	for _, e := range res.Workspace.State.Keys {
		if e.Online {
			continue
		}
		order = append(order, e.Holder)
		contacts = append(contacts, e.Contact)
	}
	if got := strings.Join(order, ", "); got != "alice, bob, carol (compromised key), dave, erin, carol" {
		t.Errorf("keys in the order %q, want the plan's, the new key last", got)
	}
	if got := strings.Join(contacts, " "); got != "alice@test.example bob@test.example carol@test.example dave@test.example erin@test.example carol@test.example" {
		t.Errorf("contacts %q", got)
	}
	if w := res.Workspace.State.Warnings; len(w) != 0 {
		t.Errorf("a rotation that keeps every role's spares warns: %q", w)
	}

	// carol's key lost, none in its place: targets keeps 2 of 2.
	res, err = f.Rotate(rotate.Options{From: ws, Lost: []string{"carol"}, Dir: f.WS("ws-lost")})
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(res.Workspace.State.Warnings, "\n")
	if !strings.Contains(w, "targets keeps 2 keys for a threshold of 2: no key is spare") || strings.Contains(w, "root keeps") {
		t.Errorf("warnings %q", w)
	}
}

// TestSpareWarningsOnlyForOfflineRoles: RSTUF's targets is signed online
// with one key; a rotation does not call that a missing spare.
func TestSpareWarningsOnlyForOfflineRoles(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	spec := ceremonytest.StandardPlan()
	spec.Profile = "rstuf"
	ws := f.Init(f.Plan("plan.yaml", spec), "ws", "").Dir
	f.Sign(ws, "alice", "bob", "carol")
	res, err := f.Rotate(rotate.Options{From: ws, Lost: []string{"erin"}, Dir: f.WS("ws-lost")})
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Workspace.State.Warnings; len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
}

// TestRotationFromARepositoryTakesThePlansContacts: from a repository,
// which names no one, the plan given as who holds which key gives each
// keyholder's name and contact.
func TestRotationFromARepositoryTakesThePlansContacts(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	repo := ceremonytest.PublishWorkspace(t, f, ws, "repo", nil)
	res, err := f.Rotate(rotate.Options{From: repo, Keyholders: []string{filepath.Join(f.Dir, "plan.yaml")}, Lost: []string{"erin"}, Dir: f.WS("ws-lost")})
	if err != nil {
		t.Fatal(err)
	}
	var contacts []string
	for _, e := range res.Workspace.State.Keys {
		if !e.Online {
			contacts = append(contacts, e.Holder+" "+e.Contact)
		}
	}
	if got := strings.Join(contacts, ", "); !strings.Contains(got, "alice alice@test.example") || !strings.Contains(got, "dave dave@test.example") {
		t.Errorf("keyholders and contacts from the plan: %q", got)
	}
}
