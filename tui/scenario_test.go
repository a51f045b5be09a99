package tui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// A scenario's practice card tells its story; enter asks for the date,
// then opens the scenario's form with its values in place, and the other
// fields as the chooser has them.
func TestScenarioOpensItsFormFilledIn(t *testing.T) {
	r := &Rehearsal{Dir: t.TempDir(), Practice: []Practice{{Holder: "alice", Device: "key file alice.key", Secret: "practice"}}}
	m := NewScenario(eng, r.Dir, r, Scenario{
		Name: "emergency", Choice: emergencyChoice("", "").title,
		Values: map[string]string{"repository or last workspace": "/lab/workspace", "compromised keys": "erin"},
		Story:  []string{"erin's key file was stolen last night"},
	}).WithStyles(DefaultStyles(true))
	mustShow(t, m, "REHEARSAL", "scenario: emergency", "erin's key file was stolen last night", "enter today's date, then the form")
	if strings.Contains(m.View().Content, "plan: ") {
		t.Error("a scenario's card names a plan it does not start from")
	}
	m, _ = update(t, m, key("enter"))
	m = confirmToday(t, m)
	if m.screen != screenForm {
		t.Fatalf("screen %s after the date, want the form", m.screen)
	}
	v := m.form.values()
	if m.form.title != emergencyChoice("", "").title || v[emFrom] != "/lab/workspace" || v[emCompromised] != "erin" || v[emWorkspace] != filepath.Join(r.Dir, "workspace-recovery") {
		t.Fatalf("form %q: %q", m.form.title, v)
	}
	// Back in the chooser, another choice's form is as ever.
	m, _ = update(t, m, key("esc"))
	if m.screen != screenChooser {
		t.Fatalf("esc from the form: screen %s", m.screen)
	}
	if f := m.formFor(0); f.values()[0] != "" {
		t.Errorf("the bootstrap form took the scenario's values: %q", f.values())
	}
}

// A scenario naming a choice the app does not offer says so, and stays.
func TestScenarioWithAnUnknownChoice(t *testing.T) {
	m := NewScenario(eng, t.TempDir(), &Rehearsal{}, Scenario{Name: "x", Choice: "Juggling"}).WithStyles(DefaultStyles(true))
	m, _ = update(t, m, key("enter"))
	if m.screen != screenWelcome || !m.statusErr || !strings.Contains(m.statusLine, `"Juggling"`) {
		t.Fatalf("screen %s, status %q", m.screen, m.statusLine)
	}
}

// On the touch screen of a rehearsal, t is the finger on the virtual
// YubiKey; elsewhere, and in a real ceremony, t does nothing.
func TestTouchKeyInARehearsal(t *testing.T) {
	touched := 0
	m := walkModel()
	m.rehearsal = &Rehearsal{Touch: func() error { touched++; return nil }}
	m.open(screenTouch)
	mustShow(t, m, "press t: the finger on the virtual YubiKey", "t touch (rehearsal)")
	m, cmd := update(t, m, key("t"))
	if cmd == nil {
		t.Fatal("t on the touch screen started nothing")
	}
	m, _ = update(t, m, cmd())
	if touched != 1 || m.statusLine != "touched: the virtual YubiKey signs" {
		t.Fatalf("touched %d times, status %q", touched, m.statusLine)
	}
	// One finger, one touch: a second t does not reach the next signature.
	if _, cmd := update(t, m, key("t")); cmd != nil {
		t.Error("a second t on the same touch request touched again")
	}
	m, _ = update(t, m, notifyMsg{text: "touch YubiKey 19088743 now: it blinks until touched"})
	if _, cmd := update(t, m, key("t")); cmd == nil {
		t.Error("t on the next touch request does nothing")
	}
	real := walkModel()
	real.open(screenTouch)
	if _, cmd := update(t, real, key("t")); cmd != nil || strings.Contains(real.View().Content, "press t") {
		t.Error("t does something on a real ceremony's touch screen")
	}
}

// rehearsalGoldenCases are the screens of a rehearsal's practice: a
// scenario's card, the touch, the PUK and new-PIN prompts, and the reason
// asked for a skip.
func rehearsalGoldenCases() map[string]func() Model {
	practising := func() Model {
		m := walkModel()
		r := rehearsal()
		r.Touch = func() error { return nil }
		m.rehearsal = r
		return m
	}
	prompt := func(req keys.SecretRequest) Model {
		m := practising()
		m.walk.signing, m.walk.unblocking = true, true
		r, _ := m.secretRequested(secretRequestMsg{req: req, reply: make(chan secretReply, 1)})
		return r.(Model)
	}
	return map[string]func() Model{
		"scenario-card": func() Model {
			return NewScenario(eng, "/tmp/rehearsal", rehearsal(), Scenario{Name: "emergency", Choice: emergencyChoice("", "").title,
				Story: []string{"Last night erin's laptop, with her key file, was stolen."}}).WithStyles(DefaultStyles(true))
		},
		"touch-rehearsal": func() Model {
			m := practising()
			m.walk.signing = true
			r, _ := m.notified(notifyMsg{text: "touch YubiKey 19088743 now: it blinks until touched"})
			return r.(Model)
		},
		"unblock-puk":     func() Model { return prompt(keys.SecretRequest{Kind: keys.PUK, TriesLeft: -1}) },
		"unblock-new-pin": func() Model { return prompt(keys.SecretRequest{Kind: keys.PIN, TriesLeft: -1, New: true}) },
		"skip-reason": func() Model {
			r, _ := walkModel().skip("at the device step")
			return r.(Model)
		},
	}
}
