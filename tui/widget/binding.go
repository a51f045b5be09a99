package widget

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

// With returns b described for one screen ("enter" may "record" a note or
// "continue" the ceremony).
func (b Binding) With(desc string) Binding { b.Desc = desc; return b }

// HelpLine renders bindings as "q quit · r refresh".
func HelpLine(bs ...Binding) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = b.Help + " " + b.Desc
	}
	return strings.Join(parts, " · ")
}
