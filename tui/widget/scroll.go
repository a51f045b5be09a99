package widget

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Scroll is a window over text longer than the room a screen has for it:
// Top is the index of the first line shown.
type Scroll struct{ Top int }

// ScrollKeys are the keys that move a Scroll; home and end always do.
type ScrollKeys struct{ Up, Down, PageUp, PageDown Binding }

// Update moves the window for msg over lines lines, room of which show:
// up and down move a line, page up and page down a page (one line kept for
// context), home and end to either end. ok is false for a key that does
// not scroll, and the window is then as it was.
func (s Scroll) Update(msg tea.KeyPressMsg, k ScrollKeys, lines, room int) (next Scroll, ok bool) {
	page := max(room-1, 1)
	last := max(lines-room, 0)
	top := min(s.Top, last)
	switch {
	case k.Up.Matches(msg):
		return Scroll{max(top-1, 0)}, true
	case k.Down.Matches(msg):
		return Scroll{min(top+1, last)}, true
	case k.PageUp.Matches(msg):
		return Scroll{max(top-page, 0)}, true
	case k.PageDown.Matches(msg):
		return Scroll{min(top+page, last)}, true
	case msg.String() == "home":
		return Scroll{0}, true
	case msg.String() == "end":
		return Scroll{last}, true
	}
	return s, false
}

// Window is the part of all that shows in room lines: from Top, moved up
// if need be so that the last page is full. first and last are the
// indexes of the first line shown and the one after the last.
func (s Scroll) Window(all []string, room int) (shown []string, first, last int) {
	room = max(room, 1)
	first = max(min(s.Top, len(all)-room), 0)
	last = min(first+room, len(all))
	return all[first:last], first, last
}

// Position says which lines of how many a window shows: "lines 3-20 of 80".
func Position(first, last, lines int) string {
	return fmt.Sprintf("lines %d-%d of %d", first+1, last, lines)
}
