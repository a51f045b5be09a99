package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// finishedFileWorkspace is fileWorkspace signed by alice, bob and carol:
// every threshold met, the trusted state a rotation starts from. carol2 is
// a key made for carol's replacement (file:DIR/carol2.key, same
// passphrase).
func finishedFileWorkspace(t *testing.T) (dir, ws string) {
	t.Helper()
	ws = fileWorkspace(t)
	dir = filepath.Dir(ws)
	pass := filepath.Join(dir, "pass")
	for _, name := range []string{"alice", "bob", "carol"} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: "file:" + filepath.Join(dir, name+".key") + "?pin-source=" + pass}); err != nil {
			t.Fatalf("sign as %s: %v", name, err)
		}
	}
	if _, err := keys.Generate("file:"+filepath.Join(dir, "carol2.key")+"?pin-source="+pass, keys.TypeEd25519, nil); err != nil {
		t.Fatal(err)
	}
	return dir, ws
}

func keyCode(code rune) tea.KeyPressMsg { return tea.KeyPressMsg{Code: code} }

// setField replaces the value of the form's focused field.
func setField(t *testing.T, m Model, text string) Model {
	t.Helper()
	for range []rune(m.form.fields[m.form.focus].Value.String()) {
		m, _ = update(t, m, key("backspace"))
	}
	return typeText(t, m, text)
}

// rotationForm opens the chooser on dir and the rotation form at choice
// (2 emergency, 3 planned).
func rotationForm(t *testing.T, dir string, choice int, title string) Model {
	t.Helper()
	m := NewChooser(eng, dir).WithStyles(DefaultStyles(true))
	m = run[workspacesFoundMsg](t, m, m.Init())
	for range choice {
		m, _ = update(t, m, key("j"))
	}
	m, _ = update(t, m, key("enter"))
	m = confirmToday(t, m)
	if m.screen != screenForm {
		t.Fatalf("screen %s, want the form", m.screen)
	}
	mustShow(t, m, title)
	return m
}

// fillEmergency fills the emergency form: compromised, replacements and
// the new workspace (the source stays as the chooser found it).
func fillEmergency(t *testing.T, m Model, compromised, replace, ws string) Model {
	t.Helper()
	for m.form.focus < emCompromised {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	m = setField(t, m, compromised)
	for m.form.focus < emReplace {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	m = setField(t, m, replace)
	for m.form.focus < emWorkspace {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	return setField(t, m, ws)
}

func mustNotExist(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("%s was written: %v", path, err)
	}
}

// TestEmergencyRotationThroughTheApp: chooser, form, the plan read before
// anything is written, y, then the walk-through of the new workspace:
// carol's stolen key is never called, alice, bob and carol's new key sign,
// the bundle carries the incident report and verifies.
func TestEmergencyRotationThroughTheApp(t *testing.T) {
	dir, ws := finishedFileWorkspace(t)
	m := rotationForm(t, dir, 2, "Emergency rotation after a compromise")
	// The source defaults to the finished workspace the chooser found.
	if got := m.form.values()[emFrom]; got != ws {
		t.Fatalf("the form starts from %q, want the finished workspace %s", got, ws)
	}
	mustShow(t, m, ws[len(ws)-20:]+"█", "online server compromised: [ ] no")
	newWS := filepath.Join(dir, "ws-recovery")
	m = fillEmergency(t, m, "carol", "carol=file:"+filepath.Join(dir, "carol2.key"), newWS)
	m, cmd := update(t, m, key("enter"))
	mustShow(t, m, "working out the plan")
	m = run[rotationPlannedMsg](t, m, cmd)
	if m.screen != screenRotationPlan {
		t.Fatalf("screen %s, want the rotation plan; status %q", m.screen, m.statusLine)
	}
	mustShow(t, m, "emergency rotation · the recovery plan · nothing is written yet", "Recovery plan for tui.example (pep458)",
		"stolen, on key file", "replaced by carol (", "y creates", newWS, "↓ pgdn: more below")
	mustNotExist(t, newWS)

	// The plan is longer than the window: pgdn and end reach the online steps.
	m, _ = update(t, m, keyCode(tea.KeyPgDown))
	if m.rotate.Top == 0 {
		t.Fatal("pgdn did not scroll")
	}
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	mustShow(t, m, "Online steps, in order", "the end: y creates the workspace", "↑ pgup: more above")
	m, _ = update(t, m, keyCode(tea.KeyHome))
	mustShow(t, m, "Recovery plan for tui.example")

	m, cmd = update(t, m, key("y"))
	m = run[rotationCreatedMsg](t, m, cmd)
	if st, err := ceremony.GetStatus(m.ws); err != nil || !strings.Contains(st.DateConfirmed, "the room confirmed the date") {
		t.Fatalf("the rotation's workspace does not keep the confirmed date: %v %+v", err, st)
	}
	if m.screen != screenPlan || m.ws != newWS {
		t.Fatalf("after y: screen %s, workspace %q", m.screen, m.ws)
	}
	m, cmd = update(t, m, LoadStatus(m.ws)())
	m = run[kindLoadedMsg](t, m, cmd)
	mustShow(t, m, "pep458 rotation", "EMERGENCY ROTATION · from root v1 · signing root v2",
		"carol (", "): stolen, signs nothing here; replaced by carol", "incident-report.md in the workspace")

	m, _ = update(t, m, key("enter"))
	mustShow(t, m, "roll call", "alice", "bob", "carol")
	if strings.Contains(view(m), "compromised") {
		t.Fatalf("the roll call calls the compromised key:\n%s", view(m))
	}
	m, _ = update(t, m, key("a"))
	m, cmd = update(t, m, key("enter"))
	m = run[rollCallRecordedMsg](t, m, cmd)

	stolen := m.walk.kind.(rotationWalk).plan.Affected[0].ID
	var signed []string
	for m.screen == screenDevice {
		if m.walk.keyID == stolen {
			t.Fatal("the walk-through called the stolen key")
		}
		m = signTurn(t, m)
		signed = append(signed, m.walk.person.Name)
		m, _ = update(t, m, key("enter"))
	}
	// Once every threshold is met the app goes to the seal. Whether two
	// signatures meet both rules depends on who signed first (the previous
	// root's rule needs two of alice, bob and the stolen key): if a third
	// keyholder is not called, c calls them (a spare signature).
	mustShow(t, m, "the seal · every threshold is met")
	if len(signed) == 2 {
		mustShow(t, m, "1 present keyholder could still sign")
		m, _ = update(t, m, key("c"))
		if m.screen != screenDevice {
			t.Fatalf("c on the seal screen: %s", m.screen)
		}
		m = signTurn(t, m)
		signed = append(signed, m.walk.person.Name)
		m, _ = update(t, m, key("enter"))
	}
	if len(signed) != 3 {
		t.Fatalf("signed by %v, want alice, bob and carol's new key", signed)
	}
	if strings.Contains(view(m), "could still sign") {
		t.Fatalf("every keyholder signed, and the seal screen offers to call more:\n%s", view(m))
	}
	m = sealAll(t, m)
	mustShow(t, m, "✓ sealed at transcript record", "root v2 under previous root v1: ", "incident-report.md")
	mustShow(t, m, "✓ bundle written", "the bundle holds incident-report.md: the online side reads it first")
	b, err := bundle.Read(m.walk.bundle.Out, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if report, ok := b.Get(workspace.IncidentFile); !ok || !strings.Contains(string(report), "## What was compromised") {
		t.Fatalf("the bundle's incident report: %v\n%s", ok, report)
	}
	m, cmd = update(t, m, key("v"))
	m = run[verifyDoneMsg](t, m, cmd)
	mustShow(t, m, "✓ verify", "✓ replay")
	if !m.result.ok {
		t.Fatalf("the bundle does not verify:\n%s", view(m))
	}
}

// signTurn signs as the keyholder whose device step m is at, typing the
// passphrase, and returns at the signed screen with the status read.
func signTurn(t *testing.T, m Model) Model {
	t.Helper()
	m = signFileTurn(t, m, "root v2 replaces v1")
	mustShow(t, m, "✓ "+m.walk.person.Name+" signed root")
	return m
}

// TestRotationRefusedInBand: compromised keys that meet root's threshold
// give the statement and the out-of-band procedure, and nothing to create.
func TestRotationRefusedInBand(t *testing.T) {
	dir, _ := finishedFileWorkspace(t)
	m := rotationForm(t, dir, 2, "Emergency rotation")
	newWS := filepath.Join(dir, "ws-x")
	m = fillEmergency(t, m, "alice, bob", "", newWS)
	m, cmd := update(t, m, key("enter"))
	m = run[rotationPlannedMsg](t, m, cmd)
	if m.screen != screenRotationPlan {
		t.Fatalf("screen %s, want the plan; status %q", m.screen, m.statusLine)
	}
	mustShow(t, m, "NOTHING CAN BE SIGNED HERE", "IN-BAND RECOVERY IS NOT POSSIBLE", "alone meet root v1's threshold (2 of 3 keys)",
		"What to do instead:", "Stop updates at once", "↑ pgup: more above", "esc back to the form")
	if strings.Contains(view(m), "y create") {
		t.Fatalf("the refused plan offers to create a workspace:\n%s", view(m))
	}
	m, cmd = update(t, m, key("y"))
	if cmd != nil || !m.statusErr {
		t.Fatalf("y on a refused plan: command %v, error %v", cmd != nil, m.statusErr)
	}
	mustNotExist(t, newWS)
	// The keys and their reach are above the statement.
	m, _ = update(t, m, keyCode(tea.KeyHome))
	mustShow(t, m, "Reach", "can sign any root version")
	m, _ = update(t, m, key("esc"))
	if m.screen != screenForm || m.form.values()[emCompromised] != "alice, bob" {
		t.Fatalf("esc: screen %s, form %q", m.screen, m.form.values())
	}
}

// TestRotationFormErrors: bad input gets ceremony's one line on the form;
// nothing is written.
func TestRotationFormErrors(t *testing.T) {
	dir, ws := finishedFileWorkspace(t)
	used := filepath.Join(dir, "used")
	if err := os.MkdirAll(filepath.Join(used, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	newWS := filepath.Join(dir, "ws-new")
	for _, tc := range []struct {
		name                   string
		from, compromised, rep string
		ws                     string
		want                   string
		pure                   bool // refused before any command
	}{
		{name: "unknown key", compromised: "mallory", want: "--compromised mallory: no key in " + ws + ` is "mallory"`},
		{name: "missing path", from: filepath.Join(dir, "nowhere"), compromised: "carol", want: "failed to read"},
		{name: "replacement without =", compromised: "carol", rep: "carol", want: "want OLD=NEW", pure: true},
		{name: "replacement file missing", compromised: "carol", rep: "carol=" + filepath.Join(dir, "missing.pub"), want: "failed to read " + filepath.Join(dir, "missing.pub")},
		{name: "nothing compromised", want: "name at least one compromised or lost key", pure: true},
		{name: "workspace in use", compromised: "carol", ws: used, want: "is not empty: choose a new directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := rotationForm(t, dir, 2, "Emergency rotation")
			if tc.from != "" {
				m = setField(t, m, tc.from)
			}
			target := newWS
			if tc.ws != "" {
				target = tc.ws
			}
			m = fillEmergency(t, m, tc.compromised, tc.rep, target)
			m, cmd := update(t, m, key("enter"))
			if tc.pure != (cmd == nil) {
				t.Fatalf("command %v, want one: %v", cmd != nil, !tc.pure)
			}
			if cmd != nil {
				m = run[rotationPlannedMsg](t, m, cmd)
			}
			if m.screen != screenForm || !m.statusErr || strings.Contains(m.statusLine, "\n") {
				t.Fatalf("screen %s, status %q", m.screen, m.statusLine)
			}
			v := view(m)
			if !strings.Contains(strings.Join(strings.Fields(v), " "), tc.want) {
				t.Fatalf("the form lacks %q:\n%s", tc.want, v)
			}
			mustNotExist(t, newWS)
		})
	}
}

// TestPlannedYearlyResign: the planned form without replacements is the
// yearly re-sign; its workspace says it is a planned rotation.
func TestPlannedYearlyResign(t *testing.T) {
	dir, _ := finishedFileWorkspace(t)
	m := rotationForm(t, dir, 3, "Planned key change (rotation)")
	for m.form.focus < plWorkspace {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	newWS := filepath.Join(dir, "ws-yearly")
	m = setField(t, m, newWS)
	m, cmd := update(t, m, key("enter"))
	m = run[rotationPlannedMsg](t, m, cmd)
	mustShow(t, m, "planned rotation · the plan", "Planned rotation for tui.example", "no key changes: the yearly re-sign")
	m, cmd = update(t, m, key("y"))
	m = run[rotationCreatedMsg](t, m, cmd)
	m, cmd = update(t, m, LoadStatus(m.ws)())
	m = run[kindLoadedMsg](t, m, cmd)
	mustShow(t, m, "PLANNED ROTATION · from root v1 · signing root v2, targets v2", "no key changes hands: the yearly re-sign")
	st, err := ceremony.GetStatus(newWS)
	if err != nil || st.Kind != workspace.Rotation || len(st.Roles) != 2 {
		t.Fatalf("status: %v %+v", err, st)
	}
	// The plan created is the plan read: the same time, hence the same expiry.
	if got, want := st.Roles[0].Expires, m.rotate.plan.Resign[0].Expires; !got.Equal(want) || got.Before(time.Now().AddDate(0, 0, 360)) {
		t.Fatalf("root expires %v, the plan said %v", got, want)
	}
}

// TestRotationProblemsOnlyBack: an online compromise with no new online
// key cannot go ahead: the plan says what to give, y creates nothing.
func TestRotationProblemsOnlyBack(t *testing.T) {
	dir, _ := finishedFileWorkspace(t)
	m := rotationForm(t, dir, 2, "Emergency rotation")
	for m.form.focus < emOnline {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	m, _ = update(t, m, key("y"))
	mustShow(t, m, "> online server compromised: [x] yes")
	m, _ = update(t, m, key(" "))
	mustShow(t, m, "online server compromised: [ ] no")
	m, _ = update(t, m, key(" "))
	for m.form.focus < emWorkspace {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	newWS := filepath.Join(dir, "ws-online")
	m = setField(t, m, newWS)
	m, cmd := update(t, m, key("enter"))
	m = run[rotationPlannedMsg](t, m, cmd)
	mustShow(t, m, "THE ROTATION CANNOT GO AHEAD", "Problems (nothing is written until they are fixed)", "timestamp: no key would remain")
	if m, cmd = update(t, m, key("y")); cmd != nil || !m.statusErr {
		t.Fatal("y created a workspace from a plan with problems")
	}
	mustNotExist(t, newWS)
}

// TestChooserScrollsToTheCursor: with many workspaces found, the chooser
// keeps the item under the cursor in an 80x24 window.
func TestChooserScrollsToTheCursor(t *testing.T) {
	m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	m.chooser.scanned = true
	for i := range 12 {
		m.chooser.found = append(m.chooser.found, foundWorkspace{dir: fmt.Sprintf("ws-%02d", i), summary: "pep458 bootstrap, every threshold met"})
	}
	for range len(m.choices()) + 11 {
		m, _ = update(t, m, key("j"))
	}
	v := view(m)
	if lines := strings.Split(v, "\n"); len(lines) > 24 || !strings.Contains(v, "> Resume ws-11") || !strings.HasPrefix(v, "ceremony · choose a ceremony") {
		t.Fatalf("the cursor's item is not in the window (%d lines):\n%s", len(lines), v)
	}
	if strings.Contains(v, "more lines (enlarge the window)") {
		t.Fatalf("the chooser was cut instead of scrolled:\n%s", v)
	}
}

// TestRotationFormTrustedRoot: the form's own-root field reaches the
// rotation: given with a workspace (whose roots are its own), it is
// refused on the form rather than left unused.
func TestRotationFormTrustedRoot(t *testing.T) {
	dir, ws := finishedFileWorkspace(t)
	m := rotationForm(t, dir, 2, "Emergency rotation")
	m, _ = update(t, m, keyCode(tea.KeyTab))
	m = setField(t, m, filepath.Join(ws, "metadata", "root.json"))
	m = fillEmergency(t, m, "carol", "", filepath.Join(dir, "ws-new"))
	m, cmd := update(t, m, key("enter"))
	m = run[rotationPlannedMsg](t, m, cmd)
	if m.screen != screenForm || !strings.Contains(m.statusLine, "is a ceremony workspace on this machine, whose roots are its own") {
		t.Fatalf("screen %s, status %q", m.screen, m.statusLine)
	}
	mustNotExist(t, filepath.Join(dir, "ws-new"))
}
