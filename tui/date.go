package tui

import (
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// dateGate asks the people in the room to confirm today's date before a
// workspace is made: every expiry counts from the machine's clock, and an
// air-gapped machine's clock is often wrong. The screen shows the clock;
// someone reads a witness's watch and types the date; a clock on which it
// is that date nowhere on Earth is refused (ceremony.ConfirmDate). The
// confirmation is kept in the state of each workspace made afterwards.
type dateGate struct {
	input widget.Text
	clock time.Time
	// choice is the chooser's choice whose form comes next; -1 means the
	// welcome screen's workspace is created next.
	choice int
	back   screen
	// confirmed is what the transcript records, once confirmed.
	confirmed string
	// gen numbers the screen's openings: a tick of an earlier one stops.
	gen int
}

// dateClockMsg is the machine's clock, for the date screen opened gen.
type dateClockMsg struct {
	at  time.Time
	gen int
}

// readClock reads the engine's clock now; tickClock a second later.
func readClock(eng *ceremony.Engine, gen int) tea.Cmd {
	return func() tea.Msg { return dateClockMsg{at: eng.Now(), gen: gen} }
}

func tickClock(eng *ceremony.Engine, gen int) tea.Cmd {
	return tea.Tick(time.Second, func(time.Time) tea.Msg { return dateClockMsg{at: eng.Now(), gen: gen} })
}

// openDate shows the date screen; choice is what follows (see dateGate).
func (m Model) openDate(choice int) (tea.Model, tea.Cmd) {
	m.date = dateGate{choice: choice, back: m.screen, gen: m.date.gen + 1}
	m.clearStatus()
	m.open(screenDate)
	return m, readClock(m.engine, m.date.gen)
}

func (m Model) clockRead(msg dateClockMsg) (tea.Model, tea.Cmd) {
	if m.screen != screenDate || msg.gen != m.date.gen {
		return m, nil
	}
	m.date.clock = msg.at
	return m, tickClock(m.engine, m.date.gen)
}

// updateDate: the date is typed; enter checks the clock against it.
func (m Model) updateDate(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Cancel.Matches(msg):
		m.date.gen++ // the clock stops
		m.open(m.date.back)
		return m, nil
	case m.keys.Erase.Matches(msg):
		m.date.input = m.date.input.Erase()
		return m, nil
	case m.keys.Submit.Matches(msg):
		if m.date.clock.IsZero() {
			m.setInfo("reading the clock: press enter again in a moment")
			return m, nil
		}
		confirmed, err := ceremony.ConfirmDate(m.date.input.String(), "typed in the app, from a witness's watch", m.date.clock)
		if err != nil {
			m.setError("%v", err)
			return m, nil
		}
		m.date.confirmed = confirmed
		m.date.gen++ // the clock stops
		m.clearStatus()
		if m.date.choice < 0 {
			m.open(m.date.back)
			return m.createFromWelcome()
		}
		m.form = m.formFor(m.date.choice)
		m.open(screenForm)
		return m, nil
	}
	if s := widget.Typed(msg); s != "" && len(m.date.input.String()) < len(ceremony.DateLayout) {
		m.date.input = m.date.input.Insert(s)
	}
	return m, nil
}

func (m Model) dateView() []string {
	s := m.styles
	lines := []string{s.Title.Render("today's date · confirm it before anything is made"), ""}
	lines = append(lines, wrap("Every expiry in the new metadata counts from this machine's clock, and an offline machine's clock is often wrong. Compare it with a witness's watch, then type today's date as the room agrees it.", m.width-2)...)
	clock := "reading the clock..."
	if !m.date.clock.IsZero() {
		clock = m.date.clock.UTC().Format("Monday 2006-01-02 15:04:05") + " UTC"
	}
	lines = append(lines, "", "the machine's clock: "+s.Prompt.Render(clock), "",
		s.Prompt.Render("today (YYYY-MM-DD): ")+safetext.Escape(m.date.input.String())+"█", "",
		s.Dim.Render("A clock on which it is that date nowhere on Earth is refused: set it first"),
		s.Dim.Render("(as root: date -u -s 'YYYY-MM-DD HH:MM', in UTC). The confirmation is"),
		s.Dim.Render("kept in each new workspace, covered by its transcript."))
	return lines
}

func (m Model) dateHelp() string {
	k := m.keys
	return widget.HelpLine(k.Submit.With("confirm"), k.Cancel.With("back"), ctrlCQuit)
}
