package tui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// Binding is one action and the keys that trigger it.
type Binding struct {
	Keys []string // as tea.KeyPressMsg.String() spells them
	Help string   // the key as the help bar shows it
	Desc string   // what it does
}

// Matches reports whether msg is one of b's keys.
func (b Binding) Matches(msg tea.KeyPressMsg) bool {
	return slices.Contains(b.Keys, msg.String())
}

// KeyMap is the app's one key map.
type KeyMap struct {
	Quit    Binding
	Refresh Binding
	Note    Binding
	Help    Binding
	Submit  Binding
	Cancel  Binding
	Erase   Binding
}

// DefaultKeyMap returns the app's keys.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Quit:    Binding{Keys: []string{"q", "ctrl+c"}, Help: "q", Desc: "quit"},
		Refresh: Binding{Keys: []string{"r"}, Help: "r", Desc: "refresh"},
		Note:    Binding{Keys: []string{"n"}, Help: "n", Desc: "note"},
		Help:    Binding{Keys: []string{"?"}, Help: "?", Desc: "help"},
		Submit:  Binding{Keys: []string{"enter"}, Help: "enter", Desc: "record"},
		Cancel:  Binding{Keys: []string{"esc"}, Help: "esc", Desc: "cancel"},
		Erase:   Binding{Keys: []string{"backspace"}, Help: "backspace", Desc: "erase"},
	}
}

// isAbort reports whether msg is ctrl+c, which leaves from any screen.
func isAbort(msg tea.KeyPressMsg) bool { return msg.String() == "ctrl+c" }

// helpLine renders bindings as "q quit · r refresh".
func helpLine(bs ...Binding) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Help + " " + b.Desc
	}
	return strings.Join(parts, " · ")
}
