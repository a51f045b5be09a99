package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// scroll is the keys that move a scrolling window.
func (k KeyMap) scroll() widget.ScrollKeys {
	return widget.ScrollKeys{Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown}
}

// scrollFoot says which lines of n a window shows and which ways it
// scrolls: "lines 1-20 of 64 · ↓ pgdn: more below"; at the last line it
// adds atEnd. It is "" when all n show and there is nothing to add.
func scrollFoot(first, last, n int, atEnd string) string {
	if first == 0 && last >= n && atEnd == "" {
		return ""
	}
	foot := widget.Position(first, last, n)
	if last < n {
		foot += " · ↓ pgdn: more below"
	} else {
		foot += atEnd
	}
	if first > 0 {
		foot += " · ↑ pgup: more above"
	}
	return foot
}

// readFirst is a long text read before a workspace is made from it (a
// rotation plan, a claims review): it scrolls, y creates the workspace,
// esc goes back to the form.
type readFirst struct {
	// ws is the workspace to create.
	ws string
	widget.Scroll
	// creating: y was pressed and the workspace is being written.
	creating bool
}

// readFirstView is head, the window of all that starts at at.Top and has
// room lines, and a foot saying where the window is and, at the end, what
// y does (canCreate) or, when it creates nothing, end.
func (m Model) readFirstView(head, all []string, room int, at widget.Scroll, canCreate bool, end string) []string {
	shown, top, last := at.Window(all, room)
	if canCreate {
		end = " · the end: y creates the workspace"
	}
	return append(append(head, shown...), m.styles.Dim.Render(scrollFoot(top, last, len(all), end)))
}

// updateReadFirst handles a key on a read-first screen r of lines lines,
// room of which show: they scroll; esc goes back to the form; y says
// refusal when not "", else starts create once. It returns the model and
// the screen's new state, which the caller keeps.
func (m Model) updateReadFirst(msg tea.KeyPressMsg, r readFirst, lines, room int, refusal string, create func() tea.Cmd) (Model, readFirst, tea.Cmd) {
	if next, ok := r.Scroll.Update(msg, m.keys.scroll(), lines, room); ok {
		r.Scroll = next
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
