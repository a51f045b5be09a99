package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/keys"
)

// passphrase guards the file keys of fileWorkspace.
const passphrase = "practice-passphrase"

// fileWorkspace is a pep458 bootstrap workspace whose three keyholders
// hold encrypted file keys; the plan names them without pin-source, so
// signing asks for the passphrase through the prompter, as a PIN would be.
func fileWorkspace(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte(passphrase), 0o600); err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	plan.WriteString("profile: pep458\nrepository: tui.example\nkeyholders:\n")
	for _, name := range []string{"alice", "bob", "carol", "online"} {
		path := filepath.Join(dir, name+".key")
		if _, err := keys.Generate("file:"+path+"?pin-source="+pass, keys.TypeEd25519, nil); err != nil {
			t.Fatal(err)
		}
		if name != "online" {
			fmt.Fprintf(&plan, "  - {name: %s, contact: %s@tui.example, key: \"file:%s\", public_key: %s.pub}\n", name, name, path, path)
		}
	}
	plan.WriteString("roles:\n  root: {keyholders: [alice, bob, carol], threshold: 2}\n  targets: {keyholders: [alice, bob], threshold: 1}\n  bins: {count: 16}\n")
	fmt.Fprintf(&plan, "online:\n  - {name: online, public_key: %s.pub}\n", filepath.Join(dir, "online.key"))
	planFile := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(planFile, []byte(plan.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planFile, Dir: ws}); err != nil {
		t.Fatalf("init: %v", err)
	}
	return ws
}

// run executes cmd, which must answer with a message of type T, and feeds
// that message to m.
func run[T tea.Msg](t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	if cmd == nil {
		var zero T
		t.Fatalf("no command, want one answering %T", zero)
	}
	msg := cmd()
	if _, ok := msg.(T); !ok {
		var zero T
		t.Fatalf("the command answered %#v, want %T", msg, zero)
	}
	m, _ = update(t, m, msg)
	return m
}

func view(m Model) string { return m.View().Content }

func mustShow(t *testing.T, m Model, texts ...string) {
	t.Helper()
	v := view(m)
	for _, text := range texts {
		if !strings.Contains(v, text) {
			t.Fatalf("%s screen lacks %q:\n%s", m.screen, text, v)
		}
	}
}

// toDevice opens ws, takes the roll call with everyone present and
// returns at the first keyholder's device step, the device checked.
func toDevice(t *testing.T, ws string) Model {
	t.Helper()
	m := New(eng, ws).WithStyles(DefaultStyles(true))
	m = run[statusLoadedMsg](t, m, m.Init())
	mustShow(t, m, "the plan", "tui.example", "alice", "2 of 3")
	m, _ = update(t, m, key("enter"))
	mustShow(t, m, "roll call")
	m, _ = update(t, m, key("a"))
	m, cmd := update(t, m, key("enter"))
	m = run[rollCallRecordedMsg](t, m, cmd)
	if m.screen != screenDevice || m.walk.person.Name != "alice" {
		t.Fatalf("after the roll call: screen %s, keyholder %q; want alice's device", m.screen, m.walk.person.Name)
	}
	return m
}

// signing starts alice's signing from her device step and returns the
// channel the bridge and the signing command post to.
func signing(t *testing.T, m Model) (Model, chan tea.Msg) {
	t.Helper()
	m = run[deviceCheckedMsg](t, m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen))
	mustShow(t, m, "✓ key file", "holds alice's key")
	m, cmd := update(t, m, key("enter"))
	m = run[reviewLoadedMsg](t, m, cmd)
	mustShow(t, m, "what alice is about to sign", "root v1 is new")
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	m, cmd = update(t, m, key("y"))
	if m.screen != screenSigning || cmd == nil {
		t.Fatalf("y: screen %s, command %v; want signing", m.screen, cmd != nil)
	}
	msgs := make(chan tea.Msg, 4)
	m.bridge.Attach(func(msg tea.Msg) { msgs <- msg })
	go func() { msgs <- cmd() }()
	return m, msgs
}

func next(t *testing.T, msgs chan tea.Msg) tea.Msg {
	t.Helper()
	select {
	case msg := <-msgs:
		return msg
	case <-time.After(10 * time.Second):
		t.Fatal("no message from the signing in 10s")
		return nil
	}
}

// TestWalkThroughSignsWithFileKeys runs the real ceremony steps through
// the screens: roll call, device, review, a wrong passphrase (refused, and
// not retried), the right one, the progress.
func TestWalkThroughSignsWithFileKeys(t *testing.T) {
	ws := fileWorkspace(t)
	m, msgs := signing(t, toDevice(t, ws))

	m, _ = update(t, m, next(t, msgs).(secretRequestMsg))
	mustShow(t, m, "alice: type the passphrase")
	m = typeText(t, m, "not-the-passphrase")
	m, cmd := update(t, m, key("enter"))
	cmd()
	done := next(t, msgs).(signDoneMsg)
	if done.err == nil {
		t.Fatal("a wrong passphrase signed")
	}
	m, cmd = update(t, m, done)
	mustShow(t, m, "✗ alice did not sign", "back to the device")
	// The message names the key file, whose temporary path's length moves
	// where it wraps.
	mustShowWrapped(t, m, "passphrase or damaged file")
	m = run[statusLoadedMsg](t, m, cmd)

	// Enter goes back to the device; nothing is signed by itself.
	m, cmd = update(t, m, key("enter"))
	if m.screen != screenDevice {
		t.Fatalf("enter after a failure: screen %s, want device", m.screen)
	}
	m = run[deviceCheckedMsg](t, m, cmd)

	m, msgs = signing(t, m)
	m, _ = update(t, m, next(t, msgs).(secretRequestMsg))
	m = typeText(t, m, passphrase)
	m, cmd = update(t, m, key("enter"))
	cmd()
	done = next(t, msgs).(signDoneMsg)
	if done.err != nil {
		t.Fatalf("signing: %v", done.err)
	}
	m, cmd = update(t, m, done)
	m = run[statusLoadedMsg](t, m, cmd)
	mustShow(t, m, "✓ alice signed root, targets", "root v1: 1 of 2 signed, needs 1 more", "targets v1: met (1 signed, 1 needed)", "next: bob")

	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	if got := holders(st.Roles[0].Thresholds[0].Signed); got != "alice" {
		t.Fatalf("root signed by %q, want alice", got)
	}
	m, cmd = update(t, m, key("enter"))
	if m.screen != screenDevice || m.walk.person.Name != "bob" {
		t.Fatalf("after alice: screen %s, keyholder %q; want bob's device", m.screen, m.walk.person.Name)
	}
	_ = cmd
}

// TestPINIsMaskedSentOnceAndCleared: the screen shows dots, the backend
// gets the PIN once, and the model keeps no copy.
func TestPINIsMaskedSentOnceAndCleared(t *testing.T) {
	m := walkModel()
	reply := make(chan secretReply, 1)
	m, _ = update(t, m, secretRequestMsg{req: keys.SecretRequest{Kind: keys.PIN, TriesLeft: 3}, reply: reply})
	m = typeText(t, m, "846213")
	v := view(m)
	if strings.Contains(v, "846213") || !strings.Contains(v, "PIN: ••••••█") || !strings.Contains(v, "3 tries left") {
		t.Fatalf("PIN screen:\n%s", v)
	}
	m, _ = update(t, m, key("backspace"))
	mustShow(t, m, "PIN: •••••█")
	m = typeText(t, m, "3")
	m, cmd := update(t, m, key("enter"))
	if m.walk.pin.secret.Len() != 0 || m.walk.pin.pending() {
		t.Fatalf("the model still holds the PIN: %+v", m.walk.pin)
	}
	cmd()
	got := <-reply
	if string(got.secret) != "846213" || got.err != nil {
		t.Fatalf("the backend got %q, %v", got.secret, got.err)
	}
}

func TestLastTryIsLoud(t *testing.T) {
	m := walkModel()
	m, _ = update(t, m, secretRequestMsg{req: keys.SecretRequest{Kind: keys.PIN, TriesLeft: 1}, reply: make(chan secretReply, 1)})
	mustShow(t, m, "LAST TRY")
}

func TestEscCancelsThePIN(t *testing.T) {
	m := walkModel()
	reply := make(chan secretReply, 1)
	m, _ = update(t, m, secretRequestMsg{req: keys.SecretRequest{Kind: keys.PIN}, reply: reply})
	m = typeText(t, m, "12")
	m, cmd := update(t, m, key("esc"))
	cmd()
	if got := <-reply; !errors.Is(got.err, errCancelled) || got.secret != nil {
		t.Fatalf("esc answered %q, %v", got.secret, got.err)
	}
	if m.screen != screenSigning {
		t.Fatalf("screen %s after esc, want signing (waiting for the outcome)", m.screen)
	}
}

// TestCtrlCWhileSigningCancelsThenQuits: ctrl+c answers a waiting PIN
// prompt "cancelled" and quits once the signing has recorded its outcome.
func TestCtrlCWhileSigningCancelsThenQuits(t *testing.T) {
	m := walkModel()
	m.walk.signing = true
	reply := make(chan secretReply, 1)
	m, _ = update(t, m, secretRequestMsg{req: keys.SecretRequest{Kind: keys.PIN}, reply: reply})
	m, cmd := update(t, m, key("ctrl+c"))
	if !m.quitting || cmd == nil {
		t.Fatal("ctrl+c did not start quitting")
	}
	cmd()
	if got := <-reply; !errors.Is(got.err, errCancelled) {
		t.Fatalf("the prompt got %v, want cancelled", got.err)
	}
	_, cmd = update(t, m, signDoneMsg{keyID: m.walk.keyID, err: errCancelled})
	if cmd == nil || !isQuit(cmd()) {
		t.Fatal("the end of the signing did not quit")
	}
}

// TestTouchClockAndTouchAfterPIN: the touch screen counts, and a touch
// announced before the PIN is asked comes back once the PIN is sent.
func TestTouchClockAndTouchAfterPIN(t *testing.T) {
	m := walkModel()
	m.walk.signing = true
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m, _ = update(t, m, notifyMsg{text: "touch YubiKey 19088743 now: it blinks until touched", at: at})
	mustShow(t, m, "touch your YubiKey now", "waiting 0s · 15s left")
	m, _ = update(t, m, touchTickMsg{at: at.Add(3 * time.Second)})
	mustShow(t, m, "waiting 3s · 12s left")

	reply := make(chan secretReply, 1)
	m, _ = update(t, m, secretRequestMsg{req: keys.SecretRequest{Kind: keys.PIN}, reply: reply})
	m = typeText(t, m, "271828")
	m, cmd := update(t, m, key("enter"))
	msgs := execBatch(cmd)
	var start touchStartMsg
	found := false
	for _, msg := range msgs {
		if s, ok := msg.(touchStartMsg); ok {
			start, found = s, true
		}
	}
	if !found {
		t.Fatalf("sending the PIN after a touch notice gave %#v, want a touch start", msgs)
	}
	m, _ = update(t, m, start)
	if m.screen != screenTouch {
		t.Fatalf("screen %s, want touch", m.screen)
	}
}

func TestStaleDeviceAnswerIsIgnoredAndWrongDeviceNamed(t *testing.T) {
	m := walkModel()
	gen := m.walk.gen
	m, _ = update(t, m, deviceCheckedMsg{gen: gen - 1, check: &ceremony.DeviceCheck{Present: true, Device: "YubiKey serial 1"}})
	if m.walk.check != nil {
		t.Fatal("an answer of an older poll was taken")
	}
	m, cmd := update(t, m, deviceCheckedMsg{gen: gen, check: &ceremony.DeviceCheck{
		Device: "YubiKey serial 19088743", Problem: "that is not alice's YubiKey: alice wants YubiKey serial 19088743",
		Others: []string{"YubiKey serial 21854402 (bob's)"}}})
	mustShow(t, m, "that is not alice's YubiKey", "inserted: YubiKey serial 21854402 (bob's)")
	if cmd == nil {
		t.Fatal("no next look at the device")
	}
	if m, _ = update(t, m, key("enter")); m.screen != screenDevice || !m.statusErr {
		t.Fatalf("enter with the wrong device: screen %s, error %v", m.screen, m.statusErr)
	}
}

func TestRollCallNeedsAKeyholder(t *testing.T) {
	m := walkModel()
	m.open(screenRollCall)
	m.walk.present = map[string]bool{}
	m, cmd := update(t, m, key("enter"))
	if cmd != nil || !m.statusErr {
		t.Fatal("an empty roll call was accepted")
	}
	m, _ = update(t, m, key(" "))
	if !m.walk.present["alice"] {
		t.Fatal("space did not mark alice present")
	}
	if _, cmd = update(t, m, key("enter")); cmd == nil {
		t.Fatal("a roll call with alice was not recorded")
	}
}

// TestSkipIsRecordedAndMovesOn: x passes over a keyholder, says so in the
// transcript, and goes to the next one.
func TestSkipIsRecordedAndMovesOn(t *testing.T) {
	ws := fileWorkspace(t)
	m := toDevice(t, ws)
	m, cmd := update(t, m, key("x"))
	if cmd != nil || m.screen != screenNote || m.walk.person.Name != "alice" {
		t.Fatalf("x: screen %s, person %q; want the reason asked, alice still up", m.screen, m.walk.person.Name)
	}
	mustShow(t, m, "skip alice? say why", "esc: not skipped")
	// No reason, no skip.
	m, cmd = update(t, m, key("enter"))
	if cmd != nil || m.screen != screenNote || !m.statusErr || !strings.Contains(m.statusLine, "say why alice is skipped") {
		t.Fatalf("enter with no reason: screen %s, %q", m.screen, m.statusLine)
	}
	// esc: alice is not skipped, nothing recorded.
	back, check := update(t, m, key("esc"))
	if _, ok := check().(deviceCheckedMsg); !ok {
		t.Error("back at the device after esc, the device is not looked for again")
	}
	if back.screen != screenDevice || back.walk.person.Name != "alice" || back.skipAt != "" || !strings.Contains(back.statusLine, "alice is not skipped") {
		t.Fatalf("esc: screen %s, person %q, %q", back.screen, back.walk.person.Name, back.statusLine)
	}
	m = typeText(t, m, "her YubiKey stayed at home")
	m, cmd = update(t, m, key("enter"))
	if m.walk.person.Name != "bob" || m.skipAt != "" {
		t.Fatalf("after skipping alice: %q", m.walk.person.Name)
	}
	for _, msg := range execBatch(cmd) {
		if _, ok := msg.(deviceCheckedMsg); ok {
			continue
		}
		m, _ = update(t, m, msg)
	}
	notes := recordNotes(t, ws)
	if len(notes) < 2 || !strings.Contains(notes[len(notes)-1], "alice's key ") || !strings.HasSuffix(notes[len(notes)-1], "skipped at the device step: her YubiKey stayed at home") {
		t.Fatalf("notes: %q", notes)
	}
}

// TestBundleOnlyWhenMet: b is refused while a threshold is missing.
func TestBundleOnlyWhenMet(t *testing.T) {
	m := walkModel()
	m.open(screenFinish)
	m, cmd := update(t, m, key("b"))
	if cmd != nil || !m.statusErr || !strings.Contains(m.statusLine, "after the seal") {
		t.Fatalf("b with thresholds missing: %q", m.statusLine)
	}
	mustShow(t, m, "signatures are missing", "root v1: 1 of 3 signed, 2 more from: bob, carol")
}

// TestChooserBootstrap: the chooser's form creates the workspace and opens
// its plan.
func TestChooserBootstrap(t *testing.T) {
	d := runDemo(t)
	dir := t.TempDir()
	m := NewChooser(eng, dir).WithStyles(DefaultStyles(true))
	m = run[workspacesFoundMsg](t, m, m.Init())
	mustShow(t, m, "Bootstrap a new repository", "none (a workspace is")
	m, _ = update(t, m, key("enter"))
	m = confirmToday(t, m)
	// No plan.yaml in the directory: none is proposed; the new
	// workspace's name is free there.
	mustShow(t, m, "plan file: █", "new workspace: "+filepath.Join(dir, "workspace"))
	m = typeText(t, m, filepath.Join(d, "plan-bootstrap.yaml"))
	m, _ = update(t, m, key("enter"))
	m = typeText(t, m, "-x")
	ws := filepath.Join(dir, "workspace-x")
	t.Chdir(dir)
	m, cmd := update(t, m, key("enter"))
	m = run[initDoneMsg](t, m, cmd)
	if m.screen != screenPlan || m.ws != ws {
		t.Fatalf("screen %s, workspace %q", m.screen, m.ws)
	}
	m = run[statusLoadedMsg](t, m, LoadStatus(m.ws))
	mustShow(t, m, "the plan", "pep458 bootstrap")

	// Back at the chooser, the new workspace is offered.
	c := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	c = run[workspacesFoundMsg](t, c, c.Init())
	mustShow(t, c, "Resume workspace-x", "pep458 bootstrap, 0 of 2 roles ready")
}

// The forms propose what is there and new names that are free.
func TestFormDefaultsExist(t *testing.T) {
	m := NewChooser(eng, ".")
	m, _ = update(t, m, workspacesFoundMsg{names: map[string]bool{"plan.yaml": true, "workspace": true, "workspace-2": true, "bundle.tar": true}})
	cs := m.choices()
	if v := newForm(0, cs[0]).values(); v[0] != "plan.yaml" || v[1] != "workspace-3" {
		t.Errorf("bootstrap form: %q, want plan.yaml and workspace-3", v)
	}
	if v := newForm(1, cs[1]).values(); v[1] != "" {
		t.Errorf("new root form proposes trusted root %q, which is not there", v[1])
	}
	claims := slices.IndexFunc(cs, func(c choice) bool { return strings.HasPrefix(c.title, "PEP 480 claims") })
	if v := newForm(claims, cs[claims]).values(); v[clRequests] != "" || v[clWorkspace] != "workspace-claims" {
		t.Errorf("claims form: %q, want no requests directory (there is none) and workspace-claims", v)
	}
	if v := newForm(len(cs)-1, cs[len(cs)-1]).values(); v[0] != "bundle.tar" {
		t.Errorf("verify form: %q, want bundle.tar", v)
	}
	// Elsewhere than ".", the paths are in that directory.
	e := NewChooser(eng, "/srv/ceremony")
	e, _ = update(t, e, workspacesFoundMsg{names: map[string]bool{"plan.yaml": true}})
	if v := newForm(0, e.choices()[0]).values(); v[0] != "/srv/ceremony/plan.yaml" || v[1] != "/srv/ceremony/workspace" {
		t.Errorf("bootstrap form in /srv/ceremony: %q", v)
	}
}

// execBatch runs cmd, and each command of a batch, returning the messages.
func execBatch(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, execBatch(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func isQuit(msg tea.Msg) bool {
	_, ok := msg.(tea.QuitMsg)
	return ok
}

// A change longer than the window scrolls: down stops at the last page
// (one up then moves at once), the foot says which lines show, and the
// last line can be read before y.
func TestReviewScrollsToItsEnd(t *testing.T) {
	m := walkModel()
	for i := range 40 {
		m.walk.review = append(m.walk.review, fmt.Sprintf("change line %02d", i))
	}
	m.open(screenReview)
	mustShow(t, m, "change line 00", "↓ pgdn: more below")
	// y before the end was shown: refused, nothing signed.
	if r, cmd := update(t, m, key("y")); cmd != nil || r.screen != screenReview || !strings.Contains(r.statusLine, "read it to its end first") {
		t.Fatalf("y before the end: screen %s, %q", r.screen, r.statusLine)
	}
	for range 60 {
		m, _ = update(t, m, key("down"))
	}
	mustShow(t, m, "change line 39", "of 40 · ↑ pgup: more above")
	end := m.walk.reviewScroll.Top
	m, _ = update(t, m, key("up"))
	if m.walk.reviewScroll.Top != end-1 {
		t.Fatalf("one up from the end: top %d, want %d", m.walk.reviewScroll.Top, end-1)
	}
	if strings.Contains(view(m), "change line 39") {
		t.Error("the last line still shows after scrolling up")
	}
	// Once shown to its end, y signs, wherever the window is now.
	if r, cmd := update(t, m, key("y")); cmd == nil || r.screen != screenSigning {
		t.Fatalf("y after the end was shown: screen %s, %q", r.screen, r.statusLine)
	}
}
