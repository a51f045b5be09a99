package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// scrolled is where a scrolling screen's first line goes for msg: up and
// down move a line, pgup and pgdn a page (one line kept for context), home
// and end to either end. lines is how many lines the screen has and room
// how many fit; ok is false for a key that does not scroll.
func (m Model) scrolled(msg tea.KeyPressMsg, top, lines, room int) (next int, ok bool) {
	page := max(room-1, 1)
	last := max(lines-room, 0)
	switch {
	case m.keys.Up.Matches(msg):
		return max(top-1, 0), true
	case m.keys.Down.Matches(msg):
		return min(top+1, last), true
	case m.keys.PageUp.Matches(msg):
		return max(top-page, 0), true
	case m.keys.PageDown.Matches(msg):
		return min(top+page, last), true
	case isKey(msg, "home"):
		return 0, true
	case isKey(msg, "end"):
		return last, true
	}
	return top, false
}

// readFirst is a long text read before a workspace is made from it (a
// rotation plan, a claims review): it scrolls, y creates the workspace,
// esc goes back to the form.
type readFirst struct {
	// ws is the workspace to create.
	ws  string
	top int
	// creating: y was pressed and the workspace is being written.
	creating bool
}

// readFirstView is head, the window of all that starts at top and has
// room lines, and a foot saying where the window is and, at the end, what
// y does (canCreate) or, when it creates nothing, end.
func (m Model) readFirstView(head, all []string, room, top int, canCreate bool, end string) []string {
	top = min(top, max(len(all)-room, 0))
	last := min(top+room, len(all))
	lines := append(head, all[top:last]...)
	where := fmt.Sprintf("lines %d-%d of %d", top+1, last, len(all))
	switch {
	case last < len(all):
		where += " · ↓ pgdn: more below"
	case canCreate:
		where += " · the end: y creates the workspace"
	default:
		where += end
	}
	if top > 0 {
		where += " · ↑ pgup: more above"
	}
	return append(lines, m.styles.Dim.Render(where))
}

// updateReadFirst handles a key on a read-first screen r of lines lines,
// room of which show: they scroll; esc goes back to the form; y says
// refusal when not "", else starts create once. It returns the model and
// the screen's new state, which the caller keeps.
func (m Model) updateReadFirst(msg tea.KeyPressMsg, r readFirst, lines, room int, refusal string, create func() tea.Cmd) (Model, readFirst, tea.Cmd) {
	if top, ok := m.scrolled(msg, r.top, lines, room); ok {
		r.top = top
		return m, r, nil
	}
	switch {
	case m.keys.Quit.Matches(msg):
		return m, r, tea.Quit
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
	case m.keys.Cancel.Matches(msg) && !r.creating:
		m.clearStatus()
		m.open(screenForm)
	case m.keys.Sign.Matches(msg):
		switch {
		case refusal != "":
			m.setError("%s", refusal)
		case r.creating:
		default:
			r.creating = true
			m.setInfo("creating the workspace %s...", r.ws)
			return m, r, create()
		}
	}
	return m, r, nil
}
