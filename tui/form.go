package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

// field is one line of a form.
type field struct {
	label string
	value []rune
	// optional fields may stay empty.
	optional bool
	// yesNo fields hold "yes" or "no": y and n set them, space toggles.
	yesNo bool
}

// form asks for the paths and names a chosen ceremony needs.
type form struct {
	choice int
	title  string
	fields []field
	notes  []string
	focus  int
}

func newForm(i int, c choice) form {
	f := form{choice: i, title: c.title, notes: c.notes}
	for _, fl := range c.fields {
		fl.value = append([]rune(nil), fl.value...)
		f.fields = append(f.fields, fl)
	}
	return f
}

func (f form) values() []string {
	out := make([]string, len(f.fields))
	for i, fl := range f.fields {
		out[i] = strings.TrimSpace(string(fl.value))
	}
	return out
}

// updateForm: tab and the arrows move between fields, enter on the last
// field starts the ceremony, esc goes back to the chooser.
func (m Model) updateForm(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	f := &m.form
	f.fields = append([]field(nil), f.fields...) // the previous model keeps its own
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
			if s == "" && !f.fields[i].optional {
				f.focus = i
				m.setError("%s is empty", f.fields[i].label)
				return m, nil
			}
		}
		m.clearStatus()
		r, cmd := m.choices()[f.choice].submit(m, v)
		return r, cmd
	}
	fl := &f.fields[f.focus]
	if fl.yesNo {
		switch {
		case msg.Text == "y":
			fl.value = []rune("yes")
		case msg.Text == "n":
			fl.value = []rune("no")
		case m.keys.Toggle.Matches(msg) && string(fl.value) == "yes":
			fl.value = []rune("no")
		case m.keys.Toggle.Matches(msg):
			fl.value = []rune("yes")
		}
		return m, nil
	}
	if m.keys.Erase.Matches(msg) {
		if n := len(fl.value); n > 0 {
			fl.value = append([]rune(nil), fl.value[:n-1]...)
		}
		return m, nil
	}
	if msg.Text != "" && msg.Mod&^tea.ModShift == 0 {
		fl.value = append(append([]rune(nil), fl.value...), []rune(msg.Text)...)
	}
	return m, nil
}
