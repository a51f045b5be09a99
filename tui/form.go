package tui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// form asks for the paths and names a chosen ceremony needs.
type form struct {
	choice int
	title  string
	fields []widget.Field
	notes  []string
	focus  int
}

func newForm(i int, c choice) form {
	return form{choice: i, title: c.title, notes: c.notes, fields: slices.Clone(c.fields)}
}

func (f form) values() []string {
	out := make([]string, len(f.fields))
	for i, fl := range f.fields {
		out[i] = strings.TrimSpace(fl.Value.String())
	}
	return out
}

// updateForm: tab and the arrows move between fields, enter on the last
// field starts the ceremony, esc goes back to the chooser.
func (m Model) updateForm(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.form
	f.fields = slices.Clone(f.fields) // the previous model keeps its own
	if m.rotate.planning || m.claims.reviewing {
		// The plan or review is being worked out from these values.
		if m.keys.Cancel.Matches(msg) {
			what := "plan"
			if m.claims.reviewing {
				what = "review"
			}
			m.rotate.planning, m.claims.reviewing = false, false
			m.setInfo("stopped waiting for the %s", what)
		}
		return m, nil
	}
	switch {
	case m.keys.Cancel.Matches(msg):
		m.clearStatus()
		m.open(screenChooser)
		return m, nil
	case m.keys.NextFld.Matches(msg):
		f.focus = min(f.focus+1, len(f.fields)-1)
		return m, nil
	case msg.String() == "shift+tab" || msg.String() == "up":
		f.focus = max(f.focus-1, 0)
		return m, nil
	case m.keys.Submit.Matches(msg):
		if f.focus < len(f.fields)-1 {
			f.focus++
			return m, nil
		}
		v := f.values()
		for i, s := range v {
			if s == "" && !f.fields[i].Optional {
				f.focus = i
				m.setError("%s is empty", f.fields[i].Label)
				return m, nil
			}
		}
		m.clearStatus()
		r, cmd := m.choices()[f.choice].submit(m, v)
		return r, cmd
	}
	f.fields[f.focus] = f.fields[f.focus].Update(msg, m.keys.Toggle, m.keys.Erase)
	return m, nil
}
