package bootstrap_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

func TestScriptSteps(t *testing.T) {
	p := ceremonytest.ScriptPlan(t)
	s, err := bootstrap.Script(p, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := p.Keyholder("alice")
	bob, _ := p.Keyholder("bob")
	planBytes, err := os.ReadFile(p.Path)
	if err != nil {
		t.Fatal(err)
	}
	planSum := ceremonytest.SHA256Hex(planBytes)
	type signStep struct{ who, role, cmd string }
	var got []signStep
	var phases []string
	for i, st := range s.Steps {
		if st.Number != i+1 {
			t.Errorf("step %d is numbered %d", i+1, st.Number)
		}
		if len(phases) == 0 || phases[len(phases)-1] != st.Phase {
			phases = append(phases, st.Phase)
		}
		if st.Phase != "sign" {
			continue
		}
		want := map[string]int{"root": 3, "targets": 2, "root, targets": 0}[st.Role]
		if st.Threshold != want {
			t.Errorf("step %d (%s signs %s): threshold %d, want %d", st.Number, st.Who, st.Role, st.Threshold, want)
		}
		if len(st.Commands) != 1 {
			t.Fatalf("step %d: commands %q", st.Number, st.Commands)
		}
		got = append(got, signStep{st.Who, st.Role, st.Commands[0]})
	}
	if w := "preparation init sign status seal bundle read-aloud verify"; strings.Join(phases, " ") != w {
		t.Errorf("phases %q, want %q", strings.Join(phases, " "), w)
	}
	// One step per keyholder, in the plan's order, every role of theirs
	// at once: as the app calls them, one device insertion each.
	want := []signStep{
		{"alice", "root, targets", "ceremony sign --key " + alice.Key + " ws"},
		{"bob", "root", "ceremony sign --key 'yubikey:serial=19088743;slot-id=9c' ws"},
		{"carol", "root, targets", "ceremony sign --key 'yubikey:serial=5551212;slot-id=9c' ws"},
		{"dave", "root", "ceremony sign --key KEY-URI ws"},
		{"erin", "root", "ceremony sign --key KEY-URI ws"},
	}
	if len(got) != len(want) {
		t.Fatalf("sign steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sign step %d: %+v, want %+v", i+1, got[i], want[i])
		}
	}
	var all bytes.Buffer
	for _, st := range s.Steps {
		all.WriteString(strings.Join(st.Details, "\n") + "\n" + strings.Join(st.Commands, "\n") + "\n")
	}
	for _, w := range []string{
		"ceremony init --plan " + p.Path + " --date YYYY-MM-DD ws", "the tool refuses a machine clock on which it is that date in no time zone",
		"bob connects YubiKey serial 19088743, slot 9c.",
		"carol connects YubiKey serial 5551212, slot 9c.",
		"bob <bob@example.org>; key ID " + bob.KeyID + " (begins ",
		"; key yubikey:serial=19088743;slot-id=9c; YubiKey serial 19088743, slot 9c; signs root",
		"The key ID the tool shows begins " + bob.KeyID[:12],
		"ceremony version",
		"sha256sum must print " + planSum + ", as PGP words: ",
		"ceremony status ws",
		"ceremony seal --key " + alice.Key + " --key 'yubikey:serial=19088743;slot-id=9c' --key 'yubikey:serial=5551212;slot-id=9c' ws",
		"ceremony bundle --out ceremony-bundle.tar ws",
		"PGP words",
		"ceremony verify ceremony-bundle.tar",
	} {
		if !strings.Contains(all.String(), w) {
			t.Errorf("script lacks %q", w)
		}
	}
	var serials []string
	for _, h := range s.Keyholders {
		serials = append(serials, h.Name+"="+h.Serial)
	}
	if g, w := strings.Join(serials, " "), "alice= bob=19088743 carol=5551212 dave= erin="; g != w {
		t.Errorf("roll call serials %q, want %q", g, w)
	}

	if _, err := bootstrap.Script(p, "rotate"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	nr, err := bootstrap.Script(p, "next-root")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range nr.Steps {
		if st.Phase == "sign" && st.Role != "root" {
			t.Errorf("next-root script signs %s", st.Role)
		}
		if st.Phase == "init" && !strings.Contains(st.Commands[0], "--from root.json") {
			t.Errorf("next-root init %q lacks --from", st.Commands[0])
		}
	}
}
