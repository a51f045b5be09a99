package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// View renders the current screen, the ceremony's progress (on the
// signing screens), the status line and the help bar, every line cut to
// the window's width and the whole to its height.
func (m Model) View() tea.View {
	body := m.body()
	panel := m.panel()
	foot := m.footer()
	room := m.bodyRoom()
	if len(body) > room {
		body = append(body[:room-1], m.styles.Dim.Render(fmt.Sprintf("... %d more lines (enlarge the window)", len(body)-room+1)))
	}
	lines := append(append(body, panel...), foot...)
	if len(lines) > m.height && m.height > 0 {
		lines = lines[:m.height]
	}
	for i, l := range lines {
		lines[i] = ansi.Truncate(l, max(m.width, 1), "…")
	}
	v := tea.NewView(strings.Join(lines, "\n"))
	v.AltScreen = true
	return v
}

// panel is the progress under the screens of a keyholder's turn.
func (m Model) panel() []string {
	if !m.showsProgress() {
		return nil
	}
	return append([]string{""}, progressLines(m.walk.status, m.styles)...)
}

// footer is the status line, the help bar and, when asked for, the help.
// A form shows its error in its body, wrapped, instead.
func (m Model) footer() []string {
	var foot []string
	if m.statusLine != "" && (m.screen != screenForm || !m.statusErr) {
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
	return foot
}

// bodyRoom is how many lines the current screen's body has.
func (m Model) bodyRoom() int {
	return max(m.height-len(m.footer())-len(m.panel()), 1)
}

// showsProgress: the screens of a keyholder's turn show the thresholds.
func (m Model) showsProgress() bool {
	switch m.screen {
	case screenDevice, screenReview, screenSigning, screenPIN, screenTouch, screenSigned:
		return m.walk.status != nil
	}
	return false
}

func (m Model) body() []string {
	if p, ok := pageOf(m.screen); ok {
		return p.view(m)
	}
	return nil
}

// scrollHelp names the keys of a scrolling window.
var scrollHelp = Binding{Help: "↑↓ pgup pgdn", Desc: "scroll"}

// ctrlCQuit is how a screen whose q is typed text quits.
var ctrlCQuit = Binding{Help: "ctrl+c", Desc: "quit"}

// helpBar names the keys the current screen takes.
func (m Model) helpBar() string {
	if p, ok := pageOf(m.screen); ok {
		return p.help(m)
	}
	return widget.HelpLine(m.keys.Quit)
}

// noteHelp names the keys of the note screen.
func (m Model) noteHelp() string {
	k := m.keys
	if len(m.noteAuthors()) > 1 {
		return widget.HelpLine(k.Submit, Binding{Help: "tab", Desc: "who writes it"}, k.Cancel, ctrlCQuit)
	}
	return widget.HelpLine(k.Submit, k.Cancel, ctrlCQuit)
}

// dashboardHelp names the keys of the dashboard screen.
func (m Model) dashboardHelp() string {
	k := m.keys
	if m.back != screenDashboard {
		return m.help(k.Cancel.With("back"), k.Refresh, k.Note, k.Quit)
	}
	return m.help(k.Quit, k.Refresh, k.Note, k.Help)
}

// chooserHelp names the keys of the chooser screen.
func (m Model) chooserHelp() string {
	k := m.keys
	return widget.HelpLine(k.Up.With("choose"), k.Submit.With("open"), k.Quit, k.Help)
}

// formHelp names the keys of the form screen.
func (m Model) formHelp() string {
	k := m.keys
	if m.rotate.planning || m.claims.reviewing {
		return widget.HelpLine(k.Cancel.With("stop waiting"), ctrlCQuit)
	}
	if f := m.form.fields; len(f) > 0 && f[m.form.focus].YesNo {
		return widget.HelpLine(k.NextFld, Binding{Help: "y/n", Desc: "yes/no"}, k.Submit.With("next/start"), k.Cancel.With("back"), ctrlCQuit)
	}
	return widget.HelpLine(k.NextFld, k.Submit.With("next/start"), k.Cancel.With("back"), ctrlCQuit)
}

// rotationPlanHelp names the keys of the rotation plan screen.
func (m Model) rotationPlanHelp() string {
	return m.readFirstHelp(m.rotate.refused == nil && !m.rotate.creating)
}

// claimsReviewHelp names the keys of the claims review screen.
func (m Model) claimsReviewHelp() string {
	return m.readFirstHelp(m.claims.accepted() && !m.claims.creating)
}

// readFirstHelp names the keys of a read-first screen; canCreate: y
// creates the workspace.
func (m Model) readFirstHelp(canCreate bool) string {
	k := m.keys
	if !canCreate {
		return widget.HelpLine(scrollHelp, k.Cancel.With("back to the form"), k.Quit, k.Help)
	}
	return widget.HelpLine(k.Sign.With("create the workspace"), scrollHelp, k.Cancel.With("change"), k.Quit, k.Help)
}

// welcomeHelp names the keys of the welcome screen.
func (m Model) welcomeHelp() string {
	k := m.keys
	if m.scenario != nil {
		return widget.HelpLine(k.Submit.With("today's date, then the form"), k.Quit, k.Help)
	}
	return widget.HelpLine(k.Submit.With("create the workspace"), k.Quit, k.Help)
}

// planHelp names the keys of the plan screen.
func (m Model) planHelp() string {
	k := m.keys
	return m.help(k.Submit.With("roll call"), k.Note, k.Status, k.Quit, k.Help)
}

// rollCallHelp names the keys of the roll call screen.
func (m Model) rollCallHelp() string {
	k := m.keys
	return m.help(k.Toggle, k.All, k.Submit.With("record and start"), k.Note, k.Quit)
}

// deviceHelp names the keys of the device screen.
func (m Model) deviceHelp() string {
	k := m.keys
	bs := []Binding{k.Submit.With("review"), k.Skip.With("skip"), k.Note, k.Status, k.Quit}
	if m.rehearsal != nil && m.rehearsal.Tray != nil {
		bs = append([]Binding{k.Insert.With("insert a YubiKey")}, bs...)
	}
	return m.help(bs...)
}

// trayHelp names the keys of the tray screen.
func (m Model) trayHelp() string {
	k := m.keys
	return widget.HelpLine(k.Up.With("choose"), k.Submit.With("insert"), k.Cancel.With("back"))
}

// reviewHelp names the keys of the review screen.
func (m Model) reviewHelp() string {
	k := m.keys
	sign := k.Sign.With(m.walk.person.Name + " signs")
	if !m.walk.reviewSeen {
		sign = k.Sign.With("signs at the end")
	}
	return m.help(sign, k.Cancel.With("back"), scrollHelp, k.Skip.With("skip"), k.Note, k.Quit)
}

// pinHelp names the keys of the PIN screen.
func (m Model) pinHelp() string {
	k := m.keys
	if req := m.walk.pin.req; req.New && !req.Again {
		return widget.HelpLine(k.Submit.With("then type it again"), k.Cancel, ctrlCQuit)
	}
	return widget.HelpLine(k.Submit.With("send to the device"), k.Cancel, ctrlCQuit)
}

// signingHelp names the keys of the signing and touch screens.
func (m Model) signingHelp() string {
	k := m.keys
	if m.screen == screenTouch && m.practisesTouch() {
		return m.help(Binding{Help: "t", Desc: "touch (rehearsal)"}, k.Note, k.Quit)
	}
	return m.help(k.Note, k.Quit)
}

// signedHelp names the keys of the signed screen.
func (m Model) signedHelp() string {
	k := m.keys
	if o := m.walk.outcome; o != nil && o.err != nil {
		if m.canUnblock() {
			return m.help(Binding{Help: "u", Desc: "unblock with the PUK"}, k.Submit.With("back to the device"), k.Skip.With("skip"), k.Note, k.Quit)
		}
		if errors.Is(o.err, keys.ErrPINBlocked) {
			return m.help(k.Submit.With("back to the device"), k.Skip.With("skip"), k.Note, k.Quit)
		}
		return m.help(k.Submit.With("back to the device to try again"), k.Skip.With("skip"), k.Note, k.Quit)
	}
	if o := m.walk.outcome; o != nil && o.seal {
		if sw := m.walk.seal; len(sw.sigs) < len(sw.queue) {
			return m.help(k.Submit.With("next sealer"), k.Status, k.Quit)
		}
		return m.help(k.Submit.With("write the seal"), k.Status, k.Quit)
	}
	if _, ok := m.walk.next(); !ok {
		return m.help(k.Submit.With("finish"), k.Note, k.Status, k.Quit)
	}
	return m.help(k.Submit.With("next keyholder"), k.Note, k.Status, k.Quit)
}

// help names bs, leaving out the note key while no note may be added.
func (m Model) help(bs ...Binding) string {
	if m.noteRefused() != "" {
		bs = slices.DeleteFunc(slices.Clone(bs), func(b Binding) bool { return b.Help == m.keys.Note.Help && b.Desc == m.keys.Note.Desc })
	}
	return widget.HelpLine(bs...)
}

// finishHelp names the keys of the finish screen.
func (m Model) finishHelp() string {
	k := m.keys
	if m.walk.sealed() {
		bs := []Binding{k.Bundle.With("write the bundle")}
		if m.walk.bundle != nil {
			bs = []Binding{k.Verify.With("verify"), k.Bundle.With("bundle again")}
			if !m.wordsConfirmed() {
				bs = append([]Binding{k.Submit.With("words copied")}, bs...)
			}
		}
		return m.help(append(bs, k.Status, k.Quit, k.Help)...)
	}
	if m.walk.status != nil && m.walk.status.AllMet() {
		return m.help(k.Submit.With("the seal"), k.Refresh.With("roll call again"), k.Note, k.Status, k.Quit)
	}
	return m.help(k.Refresh.With("roll call again"), k.Note, k.Status, k.Quit)
}

// resultHelp names the keys of the result screen.
func (m Model) resultHelp() string {
	k := m.keys
	if m.chooser.dir != "" || m.walk.bundle != nil {
		return widget.HelpLine(k.Cancel.With("back"), scrollHelp, k.Quit)
	}
	return widget.HelpLine(scrollHelp, k.Quit)
}

func (m Model) fullHelp() []string {
	return []string{
		"q, ctrl+c  quit: nothing is lost, each step is in the transcript before it",
		"           counts; 'ceremony tui WORKSPACE' resumes where you left off",
		"n          add a note to the transcript (enter records, esc cancels)",
		"s          who has signed what; r there reads the workspace again",
		"x          skip this keyholder for now: say why, and it is recorded in the",
		"           transcript; in the seal, leave this sealer out of it",
		"u          a blocked YubiKey PIN: unblock it with the PUK and set a new PIN",
		"enter      go on: record the roll call, review, send the PIN, next keyholder",
		"esc        back one screen, or cancel what is typed",
		"space, a   mark one person (the roll call, who seals, who confirmed the",
		"           words); a marks everyone present",
		"y          sign what the review shows, once shown to its end; on a rotation",
		"           plan or a claims review, create the workspace once read",
		"↑↓ pgup pgdn home end  scroll a long review, plan or result",
		"i          rehearsal: put a virtual YubiKey in the reader",
		"t          rehearsal: touch the virtual YubiKey that asks for a touch",
		"c          the seal: call the keyholders left to sign first",
		"b, v       write the bundle (after the seal); verify and replay it",
		"tab        the next field of a form; in a note, who writes it",
		"?          show or hide this help",
	}
}

// oneLine keeps a message on one line of the status bar.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// wrap breaks text into lines of at most width cells, at spaces.
func wrap(text string, width int) []string {
	// Every text the app wraps is shown escaped: names, paths and
	// messages from outside drive no terminal (safetext).
	text = safetext.Escape(text)
	width = max(width, 20)
	var out []string
	line, lineW := "", 0
	for _, w := range strings.Fields(text) {
		ww := cellWidth(w)
		switch {
		case line == "":
			line, lineW = w, ww
		case lineW+1+ww > width:
			out = append(out, line)
			line, lineW = w, ww
		default:
			line += " " + w
			// The line's width is kept, not measured again for each
			// word: measuring made a long text's wrapping quadratic (the
			// claims review of 1,000 requests spent most of a key press
			// there). A line that is not plain ASCII is measured whole,
			// as before, so that a grapheme joined at the space counts
			// as it shows.
			if lineW == len(line)-len(w)-1 && ww == len(w) {
				lineW += 1 + ww
			} else {
				lineW = ansi.StringWidth(line)
			}
		}
	}
	if line != "" {
		out = append(out, line)
	}
	return out
}

// cellWidth is the cells s takes: its length when it is printable ASCII,
// else as ansi measures it.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return ansi.StringWidth(s)
		}
	}
	return len(s)
}
