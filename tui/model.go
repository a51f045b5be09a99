package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// screen is which screen has the keyboard.
type screen int

const (
	screenDashboard screen = iota
	screenNote
)

func (s screen) String() string {
	switch s {
	case screenDashboard:
		return "dashboard"
	case screenNote:
		return "note"
	}
	return fmt.Sprintf("screen(%d)", int(s))
}

// Default window size until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// Model is the app: shared state plus one small model per screen.
type Model struct {
	ws     string
	who    string
	screen screen
	width  int
	height int
	keys   KeyMap
	styles Styles

	dash dashboard
	note notePrompt

	showHelp bool
	// statusLine is the last command's outcome; statusErr marks an error.
	statusLine string
	statusErr  bool
}

// New returns the app for workspace ws. Notes are recorded as made by
// "operator" until WithWho says otherwise; styles are coloured until
// WithStyles says otherwise.
func New(ws string) Model {
	return Model{
		ws:     ws,
		who:    "operator",
		width:  defaultWidth,
		height: defaultHeight,
		keys:   DefaultKeyMap(),
		styles: DefaultStyles(false),
		dash:   dashboard{loading: true},
	}
}

// WithWho sets who notes are recorded as made by.
func (m Model) WithWho(who string) Model { m.who = who; return m }

// WithStyles sets the styles (see StylesFromEnv for NO_COLOR).
func (m Model) WithStyles(s Styles) Model { m.styles = s; return m }

// Init loads the workspace's status.
func (m Model) Init() tea.Cmd { return LoadStatus(m.ws) }

// Update handles what every screen shares, then routes to the current one.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case statusLoadedMsg:
		m.dash = dashboard{status: msg.status}
		if m.statusErr {
			m.statusLine, m.statusErr = "", false
		}
		return m, nil
	case statusFailedMsg:
		m.dash.loading = false
		m.setError("failed to read the workspace: %v", msg.err)
		return m, nil
	case noteRecordedMsg:
		m.setInfo("note recorded as transcript record %d", msg.seq)
		return m, nil
	case noteFailedMsg:
		m.setError("note not recorded: %v", msg.err)
		return m, nil
	case tea.KeyPressMsg:
		if isAbort(msg) {
			return m, tea.Quit
		}
		switch m.screen {
		case screenNote:
			return m.updateNote(msg)
		default:
			return m.updateDashboard(msg)
		}
	}
	return m, nil
}

func (m *Model) setError(format string, args ...any) {
	m.statusLine, m.statusErr = fmt.Sprintf(format, args...), true
}

func (m *Model) setInfo(format string, args ...any) {
	m.statusLine, m.statusErr = fmt.Sprintf(format, args...), false
}

func (m Model) updateDashboard(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Quit.Matches(msg):
		return m, tea.Quit
	case m.keys.Refresh.Matches(msg):
		m.dash.loading = true
		m.statusLine, m.statusErr = "", false
		return m, LoadStatus(m.ws)
	case m.keys.Note.Matches(msg):
		m.screen, m.note = screenNote, notePrompt{}
		return m, nil
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
		return m, nil
	}
	return m, nil
}

func (m Model) updateNote(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Cancel.Matches(msg):
		m.screen, m.note = screenDashboard, notePrompt{}
		m.setInfo("note cancelled")
		return m, nil
	case m.keys.Submit.Matches(msg):
		text := m.note.String()
		m.screen, m.note = screenDashboard, notePrompt{}
		m.setInfo("recording the note...")
		return m, RecordNote(m.ws, m.who, text)
	case m.keys.Erase.Matches(msg):
		m.note = m.note.erase()
		return m, nil
	}
	if msg.Text != "" && msg.Mod&^tea.ModShift == 0 {
		m.note = m.note.insert(msg.Text)
	}
	return m, nil
}

// View renders the current screen, the status line and the help bar,
// every line cut to the window's width and the whole to its height.
func (m Model) View() tea.View {
	var body []string
	switch m.screen {
	case screenNote:
		body = m.note.view(m.width, m.styles)
	default:
		body = m.dash.view(m.ws, m.styles)
	}
	var foot []string
	if m.statusLine != "" {
		st := m.styles.Info
		if m.statusErr {
			st = m.styles.Error
		}
		foot = append(foot, st.Render(oneLine(m.statusLine)))
	}
	foot = append(foot, m.styles.Help.Render(m.helpBar()))
	if m.showHelp {
		for _, l := range m.fullHelp() {
			foot = append(foot, m.styles.Help.Render(l))
		}
	}
	room := max(m.height-len(foot), 1)
	if len(body) > room {
		body = append(body[:room-1], m.styles.Dim.Render(fmt.Sprintf("... %d more lines (widen or enlarge the window)", len(body)-room+1)))
	}
	lines := append(body, foot...)
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(m.width, 1), "…")
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}

func (m Model) helpBar() string {
	if m.screen == screenNote {
		return helpLine(m.keys.Submit, m.keys.Cancel, Binding{Help: "ctrl+c", Desc: "quit"})
	}
	return helpLine(m.keys.Quit, m.keys.Refresh, m.keys.Note, m.keys.Help)
}

func (m Model) fullHelp() []string {
	return []string{
		"q, ctrl+c  quit (nothing is lost: each step is in the transcript)",
		"r          read the workspace again (after signing elsewhere)",
		"n          add a note to the transcript (enter records, esc cancels)",
		"?          show or hide this help",
	}
}

// oneLine keeps a message on one line of the status bar.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
