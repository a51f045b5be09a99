package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// pane is a tmux session running one command at 80x24, on a tmux server of
// its own.
type pane struct {
	t      *testing.T
	socket string
}

// panes numbers the tmux servers of this test binary.
var panes int

func newPane(t *testing.T, command string) *pane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed to drive the terminal app (run scripts/setup): %v", err)
	}
	panes++
	p := &pane{t: t, socket: fmt.Sprintf("ceremony-e2e-%d-%d", os.Getpid(), panes)}
	// The app starts its own pcscd and SoftHSM2 configuration: keep this
	// test binary's out of its environment.
	env := "env -u PCSCLITE_CSOCK_NAME -u SOFTHSM2_CONF NO_COLOR=1 TERM=xterm-256color"
	p.tmux("new-session", "-d", "-s", "app", "-x", "80", "-y", "24",
		"sh", "-c", env+" "+command+"; echo EXIT $?; sleep 600")
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is what the pane shows now.
func (p *pane) screen() string { return p.tmux("capture-pane", "-p", "-t", "app") }

// wait returns once the pane shows every one of texts, or fails the test
// with the screen as it is.
func (p *pane) wait(texts ...string) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		missing := ""
		for _, text := range texts {
			if !strings.Contains(s, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen does not show %q after 20s:\n%s", missing, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// keys sends tmux key names (Enter, Down, ...).
func (p *pane) keys(keys ...string) {
	p.t.Helper()
	p.tmux(append([]string{"send-keys", "-t", "app"}, keys...)...)
}

// text types text as it is.
func (p *pane) text(s string) {
	p.t.Helper()
	p.tmux("send-keys", "-t", "app", "-l", s)
}

// TestCtrlCAtThePINLeavesTheCeremonyResumable: ctrl+c while a PIN is asked
// cancels it (nothing reaches the device), records the outcome, quits; the
// workspace is as it was, replays, and 'ceremony tui' resumes it.
func TestCtrlCAtThePINLeavesTheCeremonyResumable(t *testing.T) {
	bin := buildCeremony(t)
	dir := filepath.Join(t.TempDir(), "rehearsal")
	p := newPane(t, bin+" rehearse --dir "+dir+" 2>"+dir+".stderr")
	p.wait("REHEARSAL", "practice PIN")
	p.keys("Enter")
	confirmDateInPane(p)
	p.wait("the plan ·")
	p.keys("Enter")
	p.wait("roll call ·")
	p.keys("a", "Enter")
	p.wait("alice: insert YubiKey serial")
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Enter")
	p.wait("✓ attested")
	p.keys("Enter")
	p.wait("what alice is about to sign", "root v1 is new")
	p.keys("End") // y signs once the review was shown to its end
	p.keys("y")
	// A wrong PIN spends a try on the virtual YubiKey, which keeps it.
	p.wait("alice: type the PIN", "3 tries left")
	p.text("13572468")
	p.keys("Enter")
	p.wait("alice did not sign", "2 tries left")
	p.keys("Enter")
	p.wait("2 PIN tries left")
	p.keys("Enter")
	p.wait("what alice is about to sign", "root v1 is new")
	p.keys("End")
	p.keys("y")
	p.wait("alice: type the PIN")
	p.text("27")
	p.keys("C-c")
	p.wait("EXIT 0")

	ws := filepath.Join(dir, "workspace")
	out, err := exec.Command(bin, "status", ws).CombinedOutput()
	if code := exitCode(err); code != 3 || !strings.Contains(string(out), "root v1: 0 of 3") {
		t.Fatalf("status after ctrl+c: exit %d, want 3 with nothing signed:\n%s", code, out)
	}
	out, err = exec.Command(bin, "replay", ws).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: the chain holds") || !strings.Contains(string(out), "cancelled") {
		t.Fatalf("replay after ctrl+c: %v\n%s", err, out)
	}

	r := newPane(t, bin+" tui "+ws)
	r.wait("the plan ·", "pep458 bootstrap", "alice")
	r.keys("s")
	r.wait("root v1: 0 of 3", "not signed:")
	r.keys("q")
	r.wait("EXIT 0")

	resumeRehearsalToTheEnd(t, bin, dir)
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestRehearsalInTmux drives the real binary's 'ceremony rehearse' in tmux
// through a whole pep458 bootstrap on simulated devices (two virtual
// YubiKeys behind a private pcscd, two SoftHSM2 tokens, a key file): roll
// call, a note, the wrong YubiKey inserted, a wrong PIN, every keyholder
// signing, the bundle, then 'ceremony verify' and 'ceremony replay' on what
// it produced.
func TestRehearsalInTmux(t *testing.T) {
	bin := buildCeremony(t)
	dir := filepath.Join(t.TempDir(), "rehearsal")
	p := newPane(t, bin+" rehearse --dir "+dir+" 2>"+filepath.Join(filepath.Dir(dir), "stderr"))

	// The practice card: each holder's device and practice secret.
	s := p.wait("REHEARSAL", "practice PIN", "alice", "erin")
	pins := practicePINs(t, s)

	p.keys("Enter")
	confirmDateInPane(p)
	p.wait("the plan ·", "pep458 bootstrap", "3 of 5", "YubiKey serial")

	// A note from the plan screen goes into the transcript.
	p.keys("n")
	p.wait("add a note")
	p.text("witness wendy checked the printed plan")
	p.keys("Enter")
	p.wait("note recorded")

	p.keys("Enter")
	p.wait("roll call · who is in the room?")
	p.keys("a", "Enter")
	p.wait("alice's turn", "alice: insert YubiKey serial")

	// The wrong YubiKey is named as someone else's.
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Down", "Enter")
	p.wait("that is not alice's YubiKey", "(bob's)")

	// The right one: found, attested.
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Enter")
	p.wait("✓ attested", "3 PIN tries left")
	p.keys("Enter")
	p.wait("what alice is about to sign", "root v1 is new")
	p.keys("End") // y signs once the review was shown to its end
	p.keys("y")

	// A wrong PIN: refused, tries counted down, nothing retried.
	p.wait("alice: type the PIN", "3 tries left")
	p.text("13572468")
	if s := p.wait("PIN: ••••••••█"); strings.Contains(s, "13572468") {
		t.Fatalf("the typed PIN is on the screen:\n%s", s)
	}
	p.keys("Enter")
	p.wait("alice did not sign", "wrong PIN", "2 tries left")
	p.keys("Enter")
	p.wait("2 PIN tries left")
	p.keys("Enter")
	p.wait("what alice is about to sign", "root v1 is new")
	p.keys("End") // y signs once the review was shown to its end
	p.keys("y")
	signYubiKey(p, pins["alice"], "2 tries left")
	p.wait("✓ alice signed root, targets")

	p.keys("Enter")
	p.wait("bob: insert YubiKey serial")
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Down", "Enter")
	p.wait("✓ attested")
	p.keys("Enter")
	p.wait("what bob is about to sign", "root v1 is new")
	p.keys("End") // y signs once the review was shown to its end
	p.keys("y")
	signYubiKey(p, pins["bob"], "3 tries left")
	p.wait("✓ bob signed root, targets")

	for _, h := range []string{"carol", "dave", "erin"} {
		p.keys("Enter")
		if h == "dave" {
			// Every threshold is met after carol: the app goes to the
			// seal, and c calls dave and erin too, for spare signatures.
			p.wait("the seal · every threshold is met", "2 present keyholders could still sign")
			p.keys("c")
		}
		p.wait(h+"'s turn", "holds "+h+"'s key")
		p.keys("Enter")
		p.wait("what "+h+" is about to sign", "root v1 is new")
		p.keys("End") // y signs once the review was shown to its end
		p.keys("y")
		p.wait(h + ": type the")
		p.text(pins[h])
		p.keys("Enter")
		p.wait("✓ " + h + " signed")
	}
	// The seal: alice seals, at her YubiKey again (bob's is in the
	// reader), with one more PIN.
	p.keys("Enter")
	p.wait("the seal · every threshold is met", "[x] alice")
	p.keys("Enter")
	p.wait("alice's turn · to seal the ceremony (1 of 1)")
	p.keys("i")
	p.wait("which virtual YubiKey")
	p.keys("Enter")
	p.wait("✓ attested")
	p.keys("Enter")
	p.wait("what alice is about to sign", "The seal is a signed statement")
	p.keys("End") // y signs once the review was shown to its end
	p.keys("y")
	p.wait("alice: type the PIN")
	p.text(pins["alice"])
	p.keys("Enter")
	touch(p)
	p.wait("✓ alice signed the seal")
	p.keys("Enter")
	p.wait("✓ sealed at transcript record", "by alice", "✓ bundle written", "SHA-256",
		"root v1: alice, bob, carol, dave, erin", "targets v1: alice, bob, carol")
	// The words are copied onto the script; alice confirms.
	p.keys("Enter")
	p.wait("who copied them onto the script?")
	p.keys("Space", "Enter")
	p.wait("confirmed by alice")
	p.keys("v")
	p.wait("✓ verify", "✓ replay", "(sealed by")
	p.keys("q")
	p.wait("EXIT 0")

	// What the rehearsal produced holds for the server and an auditor.
	bundle, ws := filepath.Join(dir, "bundle.tar"), filepath.Join(dir, "workspace")
	// A rehearsal's bundle says so first, and verifies only as one.
	if out, err := exec.Command(bin, "verify", bundle).CombinedOutput(); err == nil || !strings.HasPrefix(string(out), "REHEARSAL: ") || !strings.Contains(string(out), "give --rehearsal") {
		t.Fatalf("ceremony verify %s of a rehearsal without --rehearsal: %v\n%s", bundle, err, out)
	}
	if out, err := exec.Command(bin, "verify", "--rehearsal", bundle).CombinedOutput(); err != nil || !strings.Contains(string(out), "repository verifies") || strings.Contains(string(out), "not sealed") {
		t.Fatalf("ceremony verify --rehearsal %s: %v\n%s", bundle, err, out)
	}
	out, err := exec.Command(bin, "replay", ws).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: the chain holds") {
		t.Fatalf("ceremony replay %s: %v\n%s", ws, err, out)
	}
	for _, want := range []string{"witness wendy checked the printed plan", "roll call: present: alice, bob, carol, dave, erin", "wrong PIN", "sealed by alice", "(typed in the app, from a witness's watch)", "copied onto the ceremony script; confirmed by alice"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the replayed transcript lacks %q:\n%s", want, out)
		}
	}
	transcript, err := os.ReadFile(filepath.Join(ws, "transcript", "transcript.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	for h, pin := range pins {
		if at := secretAt(string(transcript), pin); at >= 0 {
			t.Errorf("%s's practice secret is in the transcript: ...%s...", h, transcript[max(0, at-80):min(len(transcript), at+len(pin)+80)])
		}
	}
}

// secretAt is where secret stands in text as a word of its own, or -1. A
// six-digit practice PIN also turns up by chance inside the hex of a key ID
// or signature or the base64 of a state; there it is no leak, for a leak
// would have the PIN as a value or a word: bounded by something that is
// neither a letter, a digit nor base64's '+' and '/'.
func secretAt(text, secret string) int {
	inWord := func(i int) bool {
		if i < 0 || i >= len(text) {
			return false
		}
		c := text[i]
		return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/'
	}
	for from := 0; ; {
		i := strings.Index(text[from:], secret)
		if i < 0 {
			return -1
		}
		at := from + i
		if !inWord(at-1) && !inWord(at+len(secret)) {
			return at
		}
		from = at + 1
	}
}

// confirmDateInPane answers the app's date screen with today's date, as
// the room would from a witness's watch.
func confirmDateInPane(p *pane) {
	p.t.Helper()
	// " UTC" ends the clock's line once the clock is read (the help below
	// says "in UTC)" from the start).
	s := p.wait("today's date · confirm it", " UTC\n")
	// The date the clock shows: a run that crosses midnight still types
	// the day the screen shows.
	date := today()
	if i := strings.Index(s, "the machine's clock: "); i >= 0 {
		if f := strings.Fields(s[i+len("the machine's clock: "):]); len(f) >= 2 && len(f[1]) == len("2006-01-02") {
			date = f[1]
		}
	}
	p.text(date)
	p.keys("Enter")
}

// signYubiKey types the PIN for each of the two signatures (root, then
// targets) a YubiKey with PIN policy "always" asks for.
func signYubiKey(p *pane, pin, tries string) {
	p.t.Helper()
	p.wait("type the PIN", "signature 1 of 2", tries)
	p.text(pin)
	p.keys("Enter")
	touch(p)
	p.wait("type the PIN", "signature 2 of 2")
	p.text(pin)
	p.keys("Enter")
	touch(p)
}

// touch is the finger on the virtual YubiKey: t on the touch screen.
func touch(p *pane) {
	p.t.Helper()
	p.wait("touch your YubiKey now", "press t")
	p.keys("t")
}

// practicePINs reads the practice card: "  alice    YubiKey serial 1  271828".
func practicePINs(t *testing.T, screen string) map[string]string {
	t.Helper()
	pins := map[string]string{}
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && strings.Contains("alice bob carol dave erin", f[0]) && f[0] != "" {
			pins[f[0]] = f[len(f)-1]
		}
	}
	if len(pins) != 5 {
		t.Fatalf("the practice card does not list 5 keyholders' secrets (%v):\n%s", pins, screen)
	}
	return pins
}

func TestSecretAtFindsWordsNotChance(t *testing.T) {
	for text, want := range map[string]int{
		`"sig":"ab161803cd"`:            -1,
		`"expires":"12:00:00.1618039Z"`: -1,
		`"b64":"x/161803+y"`:            -1,
		`"message":"pin 161803 typed"`:  15,
		`{"pin":"161803"}`:              8,
		`161803`:                        0,
		`ab161803 161803`:               9,
	} {
		if got := secretAt(text, "161803"); got != want {
			t.Errorf("secretAt(%q) = %d, want %d", text, got, want)
		}
	}
}
