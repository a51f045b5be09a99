package tui

import (
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// Scenario is a rehearsal of a later ceremony ('ceremony rehearse
// --scenario'): the practice card tells its story, and enter opens a
// choice of the chooser with its form filled in.
type Scenario struct {
	// Name is the scenario's, as given on the command line.
	Name string
	// Choice is the title of the chooser's choice to open.
	Choice string
	// Values fill the form's fields, by label.
	Values map[string]string
	// Story says what happened and what the room is to do.
	Story []string
}

// NewScenario returns the app at the practice card of a scenario rehearsed
// with the lab r in dir: enter confirms today's date, then opens the
// scenario's form, filled in. Esc in the form goes to the chooser of dir.
func NewScenario(eng *ceremony.Engine, dir string, r *Rehearsal, s Scenario) Model {
	m := NewChooser(eng, dir)
	m.rehearsal, m.scenario = r, &s
	m.screen = screenWelcome
	return m
}

// scenarioChoice is the index of the scenario's choice, or -1.
func (m Model) scenarioChoice() int {
	return slices.IndexFunc(m.choices(), func(c choice) bool { return c.title == m.scenario.Choice })
}

// openScenario opens the scenario's form, after the date.
func (m Model) openScenario() (tea.Model, tea.Cmd) {
	i := m.scenarioChoice()
	if i < 0 {
		m.setError("the scenario %s opens %q, which is not a ceremony the app offers", m.scenario.Name, m.scenario.Choice)
		return m, nil
	}
	if m.date.confirmed == "" {
		return m.openDate(i)
	}
	m.form = m.formFor(i)
	m.clearStatus()
	m.open(screenForm)
	return m, nil
}

// formFor is the form of choice i, filled in with the scenario's values
// when it is the scenario's choice.
func (m Model) formFor(i int) form {
	cs := m.choices()
	f := newForm(i, cs[i])
	if m.scenario == nil || cs[i].title != m.scenario.Choice {
		return f
	}
	for j, fl := range f.fields {
		if v, ok := m.scenario.Values[fl.Label]; ok {
			f.fields[j].Value = widget.NewText(v)
		}
	}
	return f
}
