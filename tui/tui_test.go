package tui

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends()

var (
	demoOnce sync.Once
	demoDir  string
	demoErr  error
)

// runDemo runs demo.Run once for the package's tests.
func runDemo(t *testing.T) string {
	t.Helper()
	demoOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tui-demo-")
		if err != nil {
			demoErr = err
			return
		}
		demoDir = filepath.Join(dir, "demo")
		demoErr = demo.Run(demo.Options{Out: demoDir})
	})
	if demoErr != nil {
		t.Fatalf("demo: %v", demoErr)
	}
	return demoDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demoDir != "" {
		os.RemoveAll(filepath.Dir(demoDir))
	}
	os.Exit(code)
}

// freshWorkspace is an unsealed bootstrap workspace from the demo's plan.
func freshWorkspace(t *testing.T) string {
	t.Helper()
	d := runDemo(t)
	ws := filepath.Join(t.TempDir(), "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: filepath.Join(d, "plan-bootstrap.yaml"), Dir: ws}); err != nil {
		t.Fatalf("init: %v", err)
	}
	return ws
}

func key(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

func update(t *testing.T, m Model, msg tea.Msg) (Model, tea.Cmd) {
	t.Helper()
	next, cmd := m.Update(msg)
	nm, ok := next.(Model)
	if !ok {
		t.Fatalf("Update returned %T, want tui.Model", next)
	}
	return nm, cmd
}

func typeText(t *testing.T, m Model, s string) Model {
	t.Helper()
	for _, r := range s {
		m, _ = update(t, m, key(string(r)))
	}
	return m
}

// loaded is a plain-styled model of ws with its status read.
func loaded(t *testing.T, ws string) Model {
	t.Helper()
	m := NewDashboard(eng, ws).WithStyles(DefaultStyles(true))
	msg := m.Init()()
	if _, ok := msg.(statusLoadedMsg); !ok {
		t.Fatalf("Init's command gave %#v, want statusLoadedMsg", msg)
	}
	m, _ = update(t, m, msg)
	return m
}

func recordNotes(t *testing.T, ws string) []string {
	t.Helper()
	w, err := workspace.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := transcripts.Open(w.TranscriptPath())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var notes []string
	for _, r := range tr.Records() {
		if r.Kind == transcripts.Note {
			notes = append(notes, r.Message)
		}
	}
	return notes
}

func TestStatusLoadedListsRolesAndHolders(t *testing.T) {
	ws := filepath.Join(runDemo(t), demo.RootV2Workspace)
	m := loaded(t, ws)
	view := m.View().Content
	for _, want := range []string{"root v2", "previous root", "new root", "signed:", "alice", "frank"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(view, "previous previous") {
		t.Errorf("rule labelled twice:\n%s", view)
	}
}

func TestFreshWorkspaceShowsMissingSigners(t *testing.T) {
	m := loaded(t, freshWorkspace(t))
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 200, Height: 100})
	view := m.View().Content
	for _, want := range []string{"root v1", "needs 3 more", "not signed: alice, bob, carol, dave, erin", "signatures missing"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

func TestRefreshIssuesCommand(t *testing.T) {
	ws := freshWorkspace(t)
	m := loaded(t, ws)
	m, cmd := update(t, m, key("r"))
	if cmd == nil {
		t.Fatal("r gave no command")
	}
	if !m.dash.loading {
		t.Error("r did not mark the dashboard as loading")
	}
	if _, ok := cmd().(statusLoadedMsg); !ok {
		t.Error("refresh command did not load the status")
	}
}

func TestNoteFlowAppendsToTranscript(t *testing.T) {
	ws := freshWorkspace(t)
	m := loaded(t, ws).WithWho("witness-wendy")
	m, _ = update(t, m, key("n"))
	if m.screen != screenNote {
		t.Fatalf("after n the screen is %v, want note", m.screen)
	}
	m = typeText(t, m, "yubikey 2 would not reax")
	m, _ = update(t, m, key("backspace"))
	m = typeText(t, m, "d")
	if !strings.Contains(m.View().Content, "yubikey 2 would not read") {
		t.Errorf("note screen does not echo the text:\n%s", m.View().Content)
	}
	m, cmd := update(t, m, key("enter"))
	if cmd == nil {
		t.Fatal("enter gave no command")
	}
	if m.screen != screenDashboard {
		t.Errorf("after enter the screen is %v, want dashboard", m.screen)
	}
	if notes := recordNotes(t, ws); len(notes) != 0 {
		t.Fatalf("a note was written before its command ran: %q", notes)
	}
	msg := cmd()
	if _, ok := msg.(noteRecordedMsg); !ok {
		t.Fatalf("note command gave %#v, want noteRecordedMsg", msg)
	}
	m, _ = update(t, m, msg)
	if !strings.Contains(m.View().Content, "note recorded") {
		t.Errorf("view does not confirm the note:\n%s", m.View().Content)
	}
	if notes := recordNotes(t, ws); len(notes) != 1 || notes[0] != "yubikey 2 would not read" {
		t.Errorf("transcript notes = %q", notes)
	}
}

func TestNoteCancel(t *testing.T) {
	ws := freshWorkspace(t)
	m := loaded(t, ws)
	m, _ = update(t, m, key("n"))
	m = typeText(t, m, "never mind")
	m, cmd := update(t, m, key("esc"))
	if cmd != nil || m.screen != screenDashboard {
		t.Fatalf("esc: screen %v, cmd %v", m.screen, cmd)
	}
	if notes := recordNotes(t, ws); len(notes) != 0 {
		t.Errorf("cancelled note was recorded: %q", notes)
	}
}

func TestRefusedNoteIsShownNotFatal(t *testing.T) {
	// The demo's workspace is sealed: notes after the seal are refused.
	ws := filepath.Join(runDemo(t), demo.BootstrapWorkspace)
	m := loaded(t, ws)
	// The app knows it is sealed: n says so, and opens no prompt.
	m, _ = update(t, m, key("n"))
	if m.screen == screenNote || !strings.Contains(m.statusLine, "sealed: its transcript takes no more notes") {
		t.Fatalf("n on a sealed workspace: screen %s, %q", m.screen, m.statusLine)
	}
	if strings.Contains(m.View().Content, "n note") {
		t.Errorf("the help offers a note on a sealed workspace:\n%s", m.View().Content)
	}
	// The engine refuses it too, should it come (another app, a race):
	// shown, not fatal.
	msg := RecordNote(ws, "operator", "too late")()
	if _, ok := msg.(noteFailedMsg); !ok {
		t.Fatalf("note on a sealed workspace gave %#v, want noteFailedMsg", msg)
	}
	m, cmd := update(t, m, msg)
	if cmd != nil {
		t.Errorf("a refused note issued a command (quit?)")
	}
	if !m.statusErr || !strings.Contains(m.View().Content, "note not recorded") {
		t.Errorf("refusal not shown:\n%s", m.View().Content)
	}
	// The app goes on: keys still work.
	if _, cmd := update(t, m, key("r")); cmd == nil {
		t.Error("after the error, r gave no command")
	}
}

func TestBadWorkspaceShowsError(t *testing.T) {
	m := NewDashboard(eng, filepath.Join(t.TempDir(), "nope")).WithStyles(DefaultStyles(true))
	m, _ = update(t, m, m.Init()())
	if !strings.Contains(m.View().Content, "failed to read the workspace") {
		t.Errorf("view:\n%s", m.View().Content)
	}
}

func TestQuitKeys(t *testing.T) {
	m := NewDashboard(eng, "ws")
	for _, k := range []string{"q", "ctrl+c"} {
		_, cmd := update(t, m, key(k))
		if cmd == nil {
			t.Fatalf("%s gave no command", k)
		}
		if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("%s did not quit", k)
		}
	}
	// In the note prompt q is text, ctrl+c still quits.
	m, _ = update(t, m, key("n"))
	m, cmd := update(t, m, key("q"))
	if cmd != nil || m.note.String() != "q" {
		t.Errorf("q in the note prompt: cmd %v, text %q", cmd, m.note.String())
	}
	if _, cmd = update(t, m, key("ctrl+c")); cmd == nil {
		t.Error("ctrl+c in the note prompt did not quit")
	}
}

func TestHelpToggle(t *testing.T) {
	m := NewDashboard(eng, "ws").WithStyles(DefaultStyles(true))
	if !strings.Contains(m.View().Content, "q quit · r refresh · n note · ? help") {
		t.Errorf("help bar missing:\n%s", m.View().Content)
	}
	m, _ = update(t, m, key("?"))
	if !strings.Contains(m.View().Content, "add a note to the transcript") {
		t.Errorf("full help missing:\n%s", m.View().Content)
	}
}

func TestViewFits80x24(t *testing.T) {
	ws := filepath.Join(runDemo(t), demo.RootV2Workspace)
	for _, noColor := range []bool{true, false} {
		m := NewDashboard(eng, ws).WithStyles(DefaultStyles(noColor))
		m, _ = update(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
		m, _ = update(t, m, m.Init()())
		m, _ = update(t, m, noteFailedMsg{err: os.ErrPermission})
		m, _ = update(t, m, key("?"))
		view := m.View().Content
		lines := strings.Split(view, "\n")
		if len(lines) > 24 {
			t.Errorf("noColor=%v: %d lines, want <= 24", noColor, len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > 80 {
				t.Errorf("noColor=%v: line %d is %d cells: %q", noColor, i+1, w, l)
			}
		}
		if !strings.Contains(view, "root") || !strings.Contains(view, "q quit") {
			t.Errorf("noColor=%v: view lacks role or help:\n%s", noColor, view)
		}
		if noColor && strings.Contains(view, "\x1b[") {
			t.Errorf("NO_COLOR view holds escape codes:\n%q", view)
		}
	}
}

func TestWindowSizeRerenders(t *testing.T) {
	ws := filepath.Join(runDemo(t), demo.BootstrapWorkspace)
	m := loaded(t, ws)
	m, _ = update(t, m, tea.WindowSizeMsg{Width: 30, Height: 10})
	lines := strings.Split(m.View().Content, "\n")
	if len(lines) > 10 {
		t.Errorf("%d lines at height 10", len(lines))
	}
	for _, l := range lines {
		if lipgloss.Width(l) > 30 {
			t.Errorf("line wider than 30: %q", l)
		}
	}
}

func TestStylesFromEnv(t *testing.T) {
	plain := StylesFromEnv(func(k string) string {
		if k == "NO_COLOR" {
			return "1"
		}
		return ""
	})
	if got := plain.Error.Render("x"); got != "x" {
		t.Errorf("NO_COLOR style rendered %q", got)
	}
}
