package e2e

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRehearsedEmergencyRotationInTmux: 'ceremony rehearse --scenario
// emergency' finishes a bootstrap on its own, tells the story (erin's key
// file stolen), opens the emergency form filled in, and the room carries
// the recovery to a sealed bundle that verifies against the bootstrap's
// root and replays, with no warning but the rehearsal's.
func TestRehearsedEmergencyRotationInTmux(t *testing.T) {
	bin, dir, p := startScenario(t, "emergency", []string{"erin's laptop"},
		[]string{"Emergency rotation after a compromise", "compromised keys: erin"}, 10,
		[]string{"the recovery plan", "erin", "stolen"})
	p.wait("the plan ·", "EMERGENCY ROTATION", "erin (compromised key)")
	rollCall(p)
	scenarioTurn(t, p, "alice", 0, "root v2")
	scenarioTurn(t, p, "bob", 1, "root v2")
	scenarioTurn(t, p, "carol", -1, "root v2")
	sealAndBundle(t, p)

	trusted := filepath.Join(dir, "workspace", "metadata", "root.json")
	checkRehearsalBundle(t, bin, filepath.Join(dir, "workspace-recovery.bundle.tar"), trusted, filepath.Join(dir, "workspace-recovery"))
}

// TestRehearsedClaimsCeremonyInTmux: 'ceremony rehearse --scenario claims'
// on a pep480 lab: the maintainers' requests are reviewed (the two asking
// for one project with other keys refused), and claimed v2 is signed,
// sealed and bundled, and verifies and replays.
func TestRehearsedClaimsCeremonyInTmux(t *testing.T) {
	bin, dir, p := startScenario(t, "claims", []string{"sampleproject"},
		[]string{"PEP 480 claims ceremony"}, 5,
		[]string{"the review", "1 to add", "2 refused", "rehearsal-tools", "sampleproject-again.claim.json"})
	p.wait("the plan ·", "PEP 480 CLAIMS CEREMONY", "claimed   v2")
	rollCall(p)
	scenarioTurn(t, p, "alice", 0, "claimed v2")
	scenarioTurn(t, p, "bob", 1, "claimed v2")
	sealAndBundle(t, p)

	trusted := filepath.Join(dir, "workspace", "metadata", "root.json")
	checkRehearsalBundle(t, bin, filepath.Join(dir, "workspace-claims.bundle.tar"), trusted, filepath.Join(dir, "workspace-claims"))
}

// startScenario runs 'ceremony rehearse --scenario name' to the plan or
// review its form works out, read to its end, and creates the workspace:
// card is on the practice card, form on the form (of fields fields), shown
// on what enter worked out.
func startScenario(t *testing.T, name string, card, form []string, fields int, shown []string) (bin, dir string, p *pane) {
	t.Helper()
	bin = buildCeremony(t)
	dir = filepath.Join(t.TempDir(), "rehearsal")
	p = newPane(t, bin+" rehearse --scenario "+name+" --dir "+dir+" 2>"+dir+".stderr")
	p.wait(append([]string{"scenario: " + name, "enter today's date, then the form"}, card...)...)
	p.keys("Enter")
	confirmDateInPane(p)
	p.wait(append([]string{"new workspace: "}, form...)...)
	for range fields { // enter on the last field starts
		p.keys("Enter")
	}
	p.wait(shown...)
	p.keys("End")
	p.keys("y")
	return bin, dir, p
}

// rollCall marks everyone present.
func rollCall(p *pane) {
	p.t.Helper()
	p.keys("Enter")
	p.wait("roll call ·")
	p.keys("a", "Enter")
}

// scenarioTurn is holder's turn: a virtual YubiKey (the down'th in the
// tray; down < 0 for a token or key file), the review of what (shown to
// its end), one signature with the practice secret.
func scenarioTurn(t *testing.T, p *pane, holder string, down int, what string) {
	t.Helper()
	pin := practiceOf(t, p.wait(holder+"'s turn", "practice"))
	if down >= 0 {
		p.keys("i")
		p.wait("which virtual YubiKey")
		for range down {
			p.keys("Down")
		}
		p.keys("Enter")
		p.wait("✓ attested")
	}
	p.keys("Enter")
	p.wait("what "+holder+" is about to sign", "lines 1-")
	p.keys("End")
	p.wait("y " + holder + " signs")
	p.keys("y")
	p.wait(holder + ": type the")
	p.text(pin)
	p.keys("Enter")
	if down >= 0 {
		touch(p)
	}
	p.wait("✓ "+holder+" signed", what)
	p.keys("Enter")
}

// sealAndBundle: every threshold met, alice seals at her YubiKey, the
// bundle is written and its words confirmed copied.
func sealAndBundle(t *testing.T, p *pane) {
	t.Helper()
	p.wait("the seal · every threshold is met", "[x] alice")
	p.keys("Enter")
	p.wait("alice's turn · to seal the ceremony")
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Enter")
	pin := practiceOf(t, p.wait("✓ attested", "practice"))
	p.keys("Enter")
	p.wait("what alice is about to sign", "The seal is a signed statement")
	p.keys("End")
	p.keys("y")
	p.wait("alice: type the PIN")
	p.text(pin)
	p.keys("Enter")
	touch(p)
	p.wait("✓ alice signed the seal")
	p.keys("Enter")
	p.wait("✓ bundle written")
	p.keys("Enter")
	p.wait("who copied them onto the script?")
	p.keys("Space", "Enter")
	p.wait("confirmed by alice")
	p.keys("q")
	p.wait("EXIT 0")
}

// checkRehearsalBundle: the bundle verifies from the trusted root with
// no warning but REHEARSAL, and the workspace replays.
func checkRehearsalBundle(t *testing.T, bin, bundle, trusted, ws string) {
	t.Helper()
	out, err := exec.Command(bin, "verify", "--rehearsal", "--trusted-root", trusted, bundle).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "verifies") {
		t.Fatalf("ceremony verify --rehearsal %s: %v\n%s", bundle, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), "warning") && !strings.Contains(line, "REHEARSAL") {
			t.Errorf("verify warns of more than the rehearsal: %q\n%s", line, out)
		}
	}
	out, err = exec.Command(bin, "replay", ws).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: the chain holds") {
		t.Fatalf("ceremony replay %s: %v\n%s", ws, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(line), "warning") && !strings.Contains(line, "REHEARSAL") {
			t.Errorf("replay warns of more than the rehearsal: %q\n%s", line, out)
		}
	}
}
