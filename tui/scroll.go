package tui

import tea "charm.land/bubbletea/v2"

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
