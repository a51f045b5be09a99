package widget_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

var keys = widget.ScrollKeys{
	Up:       widget.Binding{Keys: []string{"up"}},
	Down:     widget.Binding{Keys: []string{"down"}},
	PageUp:   widget.Binding{Keys: []string{"pgup"}},
	PageDown: widget.Binding{Keys: []string{"pgdown"}},
}

func press(name string) tea.KeyPressMsg {
	codes := map[string]rune{"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "backspace": tea.KeyBackspace, "space": tea.KeySpace}
	if c, ok := codes[name]; ok {
		return tea.KeyPressMsg{Code: c}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// The window never runs past the last page, however often down is pressed,
// and a page keeps one line for context.
func TestScroll(t *testing.T) {
	const lines, room = 10, 4
	s := widget.Scroll{}
	for range 20 {
		s, _ = s.Update(press("down"), keys, lines, room)
	}
	if s.Top != 6 {
		t.Fatalf("after 20 downs Top = %d, want 6 (the last page)", s.Top)
	}
	for _, step := range []struct {
		key  string
		want int
	}{{"up", 5}, {"home", 0}, {"pgdown", 3}, {"pgdown", 6}, {"pgup", 3}, {"end", 6}} {
		s, _ = s.Update(press(step.key), keys, lines, room)
		if s.Top != step.want {
			t.Fatalf("%s: Top = %d, want %d", step.key, s.Top, step.want)
		}
	}
	if next, ok := s.Update(press("x"), keys, lines, room); ok || next != s {
		t.Errorf("x scrolled: %v %v", next, ok)
	}
}

func TestScrollWindow(t *testing.T) {
	var all []string
	for i := range 10 {
		all = append(all, fmt.Sprint(i))
	}
	// A Top past the last page shows the last page, full.
	shown, first, last := widget.Scroll{Top: 9}.Window(all, 4)
	if !slices.Equal(shown, []string{"6", "7", "8", "9"}) || first != 6 || last != 10 {
		t.Errorf("Window from 9: %q %d %d", shown, first, last)
	}
	if got := widget.Position(first, last, len(all)); got != "lines 7-10 of 10" {
		t.Errorf("Position = %q", got)
	}
	shown, first, last = widget.Scroll{}.Window(all[:2], 4)
	if !slices.Equal(shown, []string{"0", "1"}) || first != 0 || last != 2 {
		t.Errorf("Window of 2 lines in 4: %q %d %d", shown, first, last)
	}
}

func TestText(t *testing.T) {
	a := widget.NewText("héllo")
	b := a.Insert(" wörld").Erase()
	if a.String() != "héllo" || b.String() != "héllo wörl" {
		t.Errorf("a %q, b %q: Insert and Erase must leave the earlier value as it was", a, b)
	}
	if got := b.Tail(5); got != "…wörl" {
		t.Errorf("Tail(5) = %q", got)
	}
	if got := a.Tail(10); got != "héllo" {
		t.Errorf("Tail(10) of a short text = %q", got)
	}
	if got := widget.Typed(tea.KeyPressMsg{Code: 'c', Text: "c", Mod: tea.ModCtrl}); got != "" {
		t.Errorf("ctrl+c types %q", got)
	}
	if got := widget.Typed(tea.KeyPressMsg{Code: 'A', Text: "A", Mod: tea.ModShift}); got != "A" {
		t.Errorf("shift+a types %q", got)
	}
}

func TestSecret(t *testing.T) {
	var p widget.Secret
	p = p.Insert("1234").Insert("56").Erase()
	if p.Masked() != "•••••" || p.Len() != 5 {
		t.Fatalf("Masked %q Len %d", p.Masked(), p.Len())
	}
	// A copy left behind (as a bubbletea model leaves the one before)
	// shares the buffer: nothing typed survives in it after Take.
	before := p
	got := p.Take()
	if string(got) != "12345" || p.Len() != 0 {
		t.Errorf("Take = %q, left %d", got, p.Len())
	}
	if !p.Wiped() || !before.Wiped() {
		t.Error("Take left typed bytes in the buffer or in a copy of the Secret")
	}
	// Typing past MaxSecret is ignored, not grown into a new buffer.
	long := p.Insert(strings.Repeat("x", widget.MaxSecret+10))
	if long.Len() != widget.MaxSecret {
		t.Errorf("Len %d after typing past MaxSecret", long.Len())
	}
	long.Take()
	if !long.Wiped() {
		t.Error("a full buffer was not cleared")
	}
}

func TestField(t *testing.T) {
	toggle := widget.Binding{Keys: []string{"space"}}
	erase := widget.Binding{Keys: []string{"backspace"}}
	yn := widget.Field{Label: "online", Value: widget.NewText("no"), YesNo: true}
	for _, step := range []struct{ key, want string }{{"y", "yes"}, {"space", "no"}, {"space", "yes"}, {"n", "no"}, {"q", "no"}} {
		yn = yn.Update(press(step.key), toggle, erase)
		if yn.Value.String() != step.want {
			t.Fatalf("%s: %q, want %q", step.key, yn.Value, step.want)
		}
	}
	f := widget.Field{Label: "plan", Value: widget.NewText("pla")}
	f = f.Update(press("n"), toggle, erase).Update(press("backspace"), toggle, erase).Update(press("y"), toggle, erase)
	if f.Value.String() != "play" {
		t.Errorf("text field: %q, want play", f.Value)
	}
}
