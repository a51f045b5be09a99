package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// confirmToday answers the date screen with today's date by the clock.
func confirmToday(t *testing.T, m Model) Model {
	t.Helper()
	if m.screen != screenDate {
		t.Fatalf("screen %s, want the date", m.screen)
	}
	m = run[dateClockMsg](t, m, readClock(m.engine, m.date.gen))
	mustShow(t, m, "today's date · confirm it", "the machine's clock: "+m.date.clock.UTC().Format("Monday 2006-01-02"))
	m = typeText(t, m, m.date.clock.UTC().Format("2006-01-02"))
	m, _ = update(t, m, key("enter"))
	if m.screen == screenDate {
		t.Fatalf("today's date refused: %q", m.statusLine)
	}
	return m
}

// TestDateConfirmedBeforeTheWorkspace: the chooser asks for today's date
// before a ceremony that makes a workspace; a date the clock is far from is
// refused, with how to set the clock; today's is taken once, and recorded
// in the workspace made.
func TestDateConfirmedBeforeTheWorkspace(t *testing.T) {
	d := runDemo(t)
	dir := t.TempDir()
	t.Chdir(dir)
	m := NewChooser(eng, dir).WithStyles(DefaultStyles(true))
	m = run[workspacesFoundMsg](t, m, m.Init())
	m, cmd := update(t, m, key("enter"))
	if m.screen != screenDate {
		t.Fatalf("the bootstrap's form opened before the date: %s", m.screen)
	}
	m = run[dateClockMsg](t, m, cmd)
	m = typeText(t, m, "1999-12-31")
	m, _ = update(t, m, key("enter"))
	if m.screen != screenDate || !strings.Contains(m.statusLine, "set the clock first") {
		t.Fatalf("a date five-and-twenty years off: screen %s, %q", m.screen, m.statusLine)
	}
	for range len("1999-12-31") {
		m, _ = update(t, m, key("backspace"))
	}
	m = typeText(t, m, m.date.clock.UTC().Format("2006-01-02")+"x")
	if got := m.date.input.String(); got != m.date.clock.UTC().Format("2006-01-02") {
		t.Fatalf("the date field took %q", got)
	}
	m, _ = update(t, m, key("enter"))
	if m.screen != screenForm {
		t.Fatalf("after today's date: screen %s, %q", m.screen, m.statusLine)
	}
	for range len("plan.yaml") {
		m, _ = update(t, m, key("backspace"))
	}
	m = typeText(t, m, d+"/plan-bootstrap.yaml")
	m, _ = update(t, m, key("enter"))
	m, cmd = update(t, m, key("enter"))
	m = run[initDoneMsg](t, m, cmd)
	st, err := ceremony.GetStatus(m.ws)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if !strings.Contains(st.DateConfirmed, "the room confirmed the date "+today+" (typed in the app, from a witness's watch)") {
		t.Fatalf("the workspace keeps the date as %q", st.DateConfirmed)
	}

	// Asked once: the next ceremony's form opens at once.
	m.open(screenChooser)
	m, _ = update(t, m, key("j"))
	m, _ = update(t, m, key("enter"))
	if m.screen != screenForm {
		t.Fatalf("the date was asked a second time: %s", m.screen)
	}
}

// dateGoldenCases are the date screen, for the golden test.
func dateGoldenCases() map[string]func() Model {
	return map[string]func() Model{
		"date": func() Model {
			m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
			r, _ := m.openDate(0)
			m = r.(Model)
			m.date.clock = time.Date(2026, 12, 6, 11, 42, 50, 0, time.UTC)
			m.date.input = m.date.input.Insert("2026-12-0")
			return m
		},
	}
}
