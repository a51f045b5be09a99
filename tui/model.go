package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// screen is which screen has the keyboard.
type screen int

const (
	screenDashboard screen = iota
	screenNote
	screenChooser
	screenForm
	screenWelcome
	screenPlan
	screenRollCall
	screenDevice
	screenTray
	screenReview
	screenSigning
	screenPIN
	screenTouch
	screenSigned
	screenFinish
	screenResult
	screenRotationPlan
	screenClaimsReview
	screenSeal
	screenWords
	screenDate
)

var screenNames = [...]string{"dashboard", "note", "chooser", "form", "welcome", "plan", "roll call",
	"device", "tray", "review", "signing", "PIN", "touch", "signed", "finish", "result", "rotation plan", "claims review", "seal", "words", "date"}

func (s screen) String() string {
	if int(s) < len(screenNames) {
		return screenNames[s]
	}
	return fmt.Sprintf("screen(%d)", int(s))
}

// Default window size until the terminal reports its own.
const (
	defaultWidth  = 80
	defaultHeight = 24
)

// Model is the app: shared state plus one small model per screen. Update
// is pure: every read of a device or a file, and every ceremony step, runs
// in a tea.Cmd that calls the same function the CLI calls.
type Model struct {
	// engine runs the ceremony steps the app starts.
	engine *ceremony.Engine
	ws     string
	who    string
	screen screen
	// back is where the note prompt and the status dashboard return to.
	back   screen
	width  int
	height int
	keys   KeyMap
	styles Styles

	dash dashboard
	note widget.Text
	// noteBy picks the note's author among noteAuthors.
	noteBy int
	// skipAt is where the keyholder being skipped was ("at the review"),
	// while the note prompt asks why; "" otherwise.
	skipAt  string
	chooser chooser
	form    form
	walk    walk
	result  resultScreen
	// rotate is a rotation asked for in the form and its plan, shown
	// before its workspace is created.
	rotate rotationDraft
	// claims is a claims ceremony asked for in the form and its review,
	// shown before its workspace is created.
	claims claimsDraft
	// date is today's date as the room confirmed it, asked before the
	// first workspace is made.
	date dateGate

	// rehearsal is set by 'ceremony rehearse': simulated devices and the
	// practice secrets to show.
	rehearsal *Rehearsal
	// scenario is the later ceremony a rehearsal practises, nil for a
	// bootstrap or a real ceremony.
	scenario *Scenario
	// plan is the plan file a bootstrap or next-root ceremony starts from
	// (the welcome screen and the form create the workspace from it).
	plan        string
	trustedRoot string
	// bundleOut is where the bundle is written at the end.
	bundleOut string
	// bridge carries the PIN and touch requests of a signing in progress
	// from the signing goroutine to the screens.
	bridge *Bridge

	showHelp bool
	// statusLine is the last command's outcome; statusErr marks an error.
	statusLine string
	statusErr  bool
	// quitting: ctrl+c came while a signing was in progress; quit when it
	// ends (a second ctrl+c quits at once).
	quitting bool
}

func newModel(eng *ceremony.Engine) Model {
	return Model{
		engine: eng,
		who:    "operator",
		width:  defaultWidth,
		height: defaultHeight,
		keys:   DefaultKeyMap(),
		styles: DefaultStyles(false),
		bridge: &Bridge{},
		walk:   newWalk(),
	}
}

// New returns the app on workspace ws: the ceremony walk-through from the
// plan's table on (a resumed ceremony starts there too).
func New(eng *ceremony.Engine, ws string) Model {
	m := newModel(eng)
	m.ws, m.screen = ws, screenPlan
	m.dash = dashboard{loading: true}
	m.walk.loading = true
	return m
}

// NewDashboard returns the app showing workspace ws's status dashboard.
func NewDashboard(eng *ceremony.Engine, ws string) Model {
	m := New(eng, ws)
	m.screen, m.back = screenDashboard, screenDashboard
	return m
}

// NewChooser returns the app that starts by choosing a ceremony, offering
// to resume the workspaces found in dir.
func NewChooser(eng *ceremony.Engine, dir string) Model {
	m := newModel(eng)
	m.screen = screenChooser
	m.chooser = newChooser(dir)
	return m
}

// NewBootstrap returns the app that creates workspace ws from planFile and
// walks through its ceremony. A rehearsal opens on its welcome screen
// (the practice secrets); otherwise on the plan, once the workspace is made.
func NewBootstrap(eng *ceremony.Engine, planFile, ws string, r *Rehearsal) Model {
	m := newModel(eng)
	m.ws, m.plan, m.rehearsal = ws, planFile, r
	m.screen = screenWelcome
	return m
}

// WithWho sets who notes are recorded as made by.
func (m Model) WithWho(who string) Model { m.who = who; return m }

// WithStyles sets the styles (see StylesFromEnv for NO_COLOR).
func (m Model) WithStyles(s Styles) Model { m.styles = s; return m }

// WithBundleOut sets where the bundle is written when every threshold is
// met; by default beside the workspace, as WORKSPACE.bundle.tar.
func (m Model) WithBundleOut(path string) Model { m.bundleOut = path; return m }

// WithRehearsal marks the ceremony as a rehearsal on simulated devices.
func (m Model) WithRehearsal(r *Rehearsal) Model { m.rehearsal = r; return m }

// Init starts what the first screen needs.
func (m Model) Init() tea.Cmd {
	switch m.screen {
	case screenChooser:
		return FindWorkspaces(m.chooser.dir)
	case screenWelcome:
		if m.scenario != nil {
			return FindWorkspaces(m.chooser.dir)
		}
		return nil
	}
	return LoadStatus(m.ws)
}

func (m *Model) setError(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	for _, a := range args {
		if err, ok := a.(error); ok {
			line += hintText(err)
		}
	}
	m.statusLine, m.statusErr = safetext.Escape(line), true
}

// hintText says the commands an error carries (package hint), as the
// command line would: "; run 'ceremony status ws'"; "" if it carries none.
func hintText(err error) string { return hintLine(hint.Commands(err)) }

// hintLine says commands as the command line would: "; run 'ceremony
// devices'" for each.
func hintLine(commands []string) string {
	var b strings.Builder
	for _, h := range commands {
		fmt.Fprintf(&b, "; run 'ceremony %s'", h)
	}
	return b.String()
}

func (m *Model) setInfo(format string, args ...any) {
	m.statusLine, m.statusErr = safetext.Escape(fmt.Sprintf(format, args...)), false
}

func (m *Model) clearStatus() { m.statusLine, m.statusErr = "", false }

// open switches to screen s, remembering where the note prompt and the
// dashboard come back to.
func (m *Model) open(s screen) {
	if s != screenNote && s != screenDashboard {
		m.back = s
	}
	m.screen = s
}
