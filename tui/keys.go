package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// Binding is one action and the keys that trigger it (package widget).
type Binding = widget.Binding

// KeyMap is the app's one key map. Screens use a subset and say so in the
// help bar.
type KeyMap struct {
	Quit     Binding
	Refresh  Binding
	Note     Binding
	Help     Binding
	Submit   Binding
	Cancel   Binding
	Erase    Binding
	Up       Binding
	Down     Binding
	PageUp   Binding
	PageDown Binding
	Toggle   Binding
	All      Binding
	Sign     Binding
	Skip     Binding
	Status   Binding
	Insert   Binding
	Bundle   Binding
	NextFld  Binding
	Verify   Binding
	Call     Binding
}

// DefaultKeyMap returns the app's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:     Binding{Keys: []string{"q", "ctrl+c"}, Help: "q", Desc: "quit"},
		Refresh:  Binding{Keys: []string{"r"}, Help: "r", Desc: "refresh"},
		Note:     Binding{Keys: []string{"n"}, Help: "n", Desc: "note"},
		Help:     Binding{Keys: []string{"?"}, Help: "?", Desc: "help"},
		Submit:   Binding{Keys: []string{"enter"}, Help: "enter", Desc: "record"},
		Cancel:   Binding{Keys: []string{"esc"}, Help: "esc", Desc: "cancel"},
		Erase:    Binding{Keys: []string{"backspace"}, Help: "backspace", Desc: "erase"},
		Up:       Binding{Keys: []string{"up", "k"}, Help: "↑", Desc: "up"},
		Down:     Binding{Keys: []string{"down", "j"}, Help: "↓", Desc: "down"},
		PageUp:   Binding{Keys: []string{"pgup"}, Help: "pgup", Desc: "page up"},
		PageDown: Binding{Keys: []string{"pgdown", "space", " "}, Help: "pgdn", Desc: "page down"},
		Toggle:   Binding{Keys: []string{"space", " "}, Help: "space", Desc: "present/absent"},
		All:      Binding{Keys: []string{"a"}, Help: "a", Desc: "all present"},
		Sign:     Binding{Keys: []string{"y"}, Help: "y", Desc: "sign"},
		Skip:     Binding{Keys: []string{"x"}, Help: "x", Desc: "skip keyholder"},
		Status:   Binding{Keys: []string{"s"}, Help: "s", Desc: "status"},
		Insert:   Binding{Keys: []string{"i"}, Help: "i", Desc: "insert a virtual device"},
		Bundle:   Binding{Keys: []string{"b"}, Help: "b", Desc: "write the bundle"},
		NextFld:  Binding{Keys: []string{"tab", "down"}, Help: "tab", Desc: "next field"},
		Verify:   Binding{Keys: []string{"v"}, Help: "v", Desc: "verify and replay"},
		Call:     Binding{Keys: []string{"c"}, Help: "c", Desc: "call the others to sign"},
	}
}

// isAbort reports whether msg is ctrl+c, which leaves from any screen.
func isAbort(msg tea.KeyPressMsg) bool { return msg.String() == "ctrl+c" }
