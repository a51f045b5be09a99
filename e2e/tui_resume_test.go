package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// resumeRehearsalToTheEnd carries on, with 'ceremony rehearse --dir', a
// rehearsal that was stopped with ctrl+c at alice's second PIN (after one
// wrong PIN): the hint said how, the virtual YubiKey still has the try it
// lost, and the rehearsal goes on to the sealed bundle, which verifies and
// replays.
func resumeRehearsalToTheEnd(t *testing.T, bin, dir string) {
	t.Helper()
	hint, err := os.ReadFile(dir + ".stderr")
	if err != nil || !strings.Contains(string(hint), "carry on where it stopped: ceremony rehearse --dir "+dir) || strings.Contains(string(hint), "verify --rehearsal") {
		t.Fatalf("the hint after ctrl+c (%v):\n%s", err, hint)
	}
	p := newPane(t, bin+" rehearse --dir "+dir+" 2>"+dir+".stderr")
	p.wait("the plan ·", "pep458 bootstrap")
	p.keys("Enter")
	p.wait("roll call ·")
	p.keys("a", "Enter")
	yubiKeyTurn(t, p, "alice", 0, 2)
	p.keys("Enter")
	yubiKeyTurn(t, p, "bob", 1, 3)
	p.keys("Enter")
	scenarioTurn(t, p, "carol", -1, "root")
	sealAndBundle(t, p)

	bundle, ws := filepath.Join(dir, "bundle.tar"), filepath.Join(dir, "workspace")
	if out, err := exec.Command(bin, "verify", "--rehearsal", bundle).CombinedOutput(); err != nil || !strings.Contains(string(out), "repository verifies") || strings.Contains(string(out), "WARNING") {
		t.Fatalf("ceremony verify --rehearsal %s after the rehearsal resumed: %v\n%s", bundle, err, out)
	}
	out, err := exec.Command(bin, "replay", ws).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: the chain holds") || !strings.Contains(string(out), "cancelled") {
		t.Fatalf("ceremony replay %s after the rehearsal resumed: %v\n%s", ws, err, out)
	}
}

// yubiKeyTurn is holder's turn at a virtual YubiKey, the down'th in the
// tray, with tries PIN tries left: insert, check, review, two signatures.
func yubiKeyTurn(t *testing.T, p *pane, holder string, down, tries int) {
	t.Helper()
	pin := practiceOf(t, p.wait(holder+": insert YubiKey serial", "practice PIN"))
	p.keys("i")
	p.wait("which virtual YubiKey")
	for range down {
		p.keys("Down")
	}
	p.keys("Enter")
	p.wait("✓ attested", fmt.Sprintf("%d PIN tries left", tries))
	p.keys("Enter")
	p.wait("what "+holder+" is about to sign", "root v1 is new")
	p.keys("End")
	p.keys("y")
	signYubiKey(p, pin, fmt.Sprintf("%d tries left", tries))
	p.wait("✓ " + holder + " signed root, targets")
}

// practiceOf reads the practice PIN or passphrase the turn screen shows.
func practiceOf(t *testing.T, screen string) string {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		if _, after, ok := strings.Cut(line, "practice PIN"); ok {
			if f := strings.Fields(strings.Trim(after, " :")); len(f) > 0 {
				return strings.Trim(f[len(f)-1], ")")
			}
		}
	}
	t.Fatalf("no practice PIN on the screen:\n%s", screen)
	return ""
}

// TestBlockedPINUnblockedInTmux: three wrong PINs block alice's virtual
// YubiKey; u unblocks it with her practice PUK and a new PIN typed twice;
// she then signs with it, and the transcript says it was unblocked, with
// neither the PUK nor the PIN in it.
func TestBlockedPINUnblockedInTmux(t *testing.T) {
	bin := buildCeremony(t)
	dir := filepath.Join(t.TempDir(), "rehearsal")
	p := newPane(t, bin+" rehearse --dir "+dir+" 2>"+dir+".stderr")
	card := p.wait("REHEARSAL", "YubiKey PUKs, to practise unblocking a blocked PIN (u): alice ")
	puk := strings.Fields(strings.SplitN(card, "(u): alice ", 2)[1])[0]
	puk = strings.TrimSuffix(puk, ",")
	p.keys("Enter")
	confirmDateInPane(p)
	p.wait("the plan ·")
	rollCall(p)
	pin := practiceOf(t, p.wait("alice: insert YubiKey serial", "practice PIN"))
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Enter")
	for _, left := range []string{"2 tries left", "1 try left", "PIN is blocked"} {
		p.wait("✓ attested")
		p.keys("Enter")
		p.wait("what alice is about to sign", "root v1 is new")
		p.keys("End")
		p.keys("y")
		p.wait("alice: type the PIN")
		p.text("13572468")
		p.keys("Enter")
		p.wait("alice did not sign", left)
		if left != "PIN is blocked" {
			p.keys("Enter")
		}
	}
	p.wait("u unblocks it here")
	p.keys("u")
	p.wait("alice: type the PUK of YubiKey serial", "practice PUK: "+puk)
	p.text(puk)
	p.keys("Enter")
	p.wait("alice: choose a new PIN")
	p.text(pin)
	p.keys("Enter")
	p.wait("alice: type the new PIN of YubiKey serial", "again")
	p.text(pin)
	p.keys("Enter")
	p.wait("alice's PIN is unblocked", "3 PIN tries left")
	p.keys("Enter")
	p.wait("what alice is about to sign", "root v1 is new")
	p.keys("End")
	p.keys("y")
	signYubiKey(p, pin, "3 tries left")
	p.wait("✓ alice signed root, targets")
	p.keys("q")
	p.wait("EXIT 0")

	ws := filepath.Join(dir, "workspace")
	out, err := exec.Command(bin, "replay", ws).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "alice set a new PIN on their device with its PUK, which unblocks a blocked PIN") || !strings.Contains(string(out), "OK: the chain holds") {
		t.Fatalf("replay after the unblock: %v\n%s", err, out)
	}
	transcript, err := os.ReadFile(filepath.Join(ws, "transcript", "transcript.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{puk, pin} {
		if at := secretAt(string(transcript), secret); at >= 0 {
			t.Errorf("a secret typed is in the transcript: ...%s...", transcript[max(0, at-80):min(len(transcript), at+len(secret)+80)])
		}
	}
}
