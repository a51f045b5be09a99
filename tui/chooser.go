package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// choice is a ceremony the chooser offers.
type choice struct {
	title string
	what  string
	// fields the form asks for; submit starts the ceremony with them.
	fields []widget.Field
	// notes are shown under the form's fields.
	notes  []string
	submit func(m Model, values []string) (Model, tea.Cmd)
	// creates: the ceremony makes a workspace, whose expiries count from
	// the clock; the room confirms the date first.
	creates bool
}

// chooser is the first screen of 'ceremony' without arguments.
type chooser struct {
	dir     string
	found   []foundWorkspace
	scanned bool
	cursor  int
}

func newChooser(dir string) chooser { return chooser{dir: dir} }

// choices are the ceremonies the tool runs; a rotation starts by default
// from the last finished workspace found.
func (m Model) choices() []choice {
	from := m.chooser.lastFinished()
	return []choice{
		{
			title:   "Bootstrap a new repository",
			what:    "root v1 and the offline roles (targets, delegations), from a plan",
			fields:  []widget.Field{{Label: "plan file", Value: widget.NewText("plan.yaml")}, {Label: "new workspace", Value: widget.NewText("workspace")}},
			creates: true,
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				m.ws, m.plan, m.trustedRoot = v[1], v[0], ""
				m.setInfo("creating the workspace %s from %s...", v[1], v[0])
				return m, CreateWorkspace(m.engine, v[0], "", v[1], m.date.confirmed)
			},
		},
		{
			title: "New root version",
			what:  "the yearly re-sign, a keyholder joining or leaving, a device replaced",
			fields: []widget.Field{{Label: "plan file", Value: widget.NewText("plan.yaml")}, {Label: "trusted root (what clients trust now)", Value: widget.NewText("root.json")},
				{Label: "new workspace", Value: widget.NewText("workspace-next-root")}},
			creates: true,
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				m.ws, m.plan, m.trustedRoot = v[2], v[0], v[1]
				m.setInfo("creating the workspace %s from %s and %s...", v[2], v[0], v[1])
				return m, CreateWorkspace(m.engine, v[0], v[1], v[2], m.date.confirmed)
			},
		},
		emergencyChoice(from),
		plannedChoice(from),
		claimsChoice(m.chooser.lastClaimsSource()),
		{
			title:  "Sign in a workspace",
			what:   "resume a ceremony, or sign targets and delegations prepared earlier",
			fields: []widget.Field{{Label: "workspace", Value: widget.NewText("workspace")}},
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				return m.resume(v[0])
			},
		},
		{
			title: "Verify and replay a bundle",
			what:  "check a bundle as a client and as an auditor would",
			fields: []widget.Field{{Label: "bundle file", Value: widget.NewText("bundle.tar")},
				{Label: "your own root (what clients trust now; none: the bundle's root v1)", Optional: true}},
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				m.setInfo("verifying %s...", v[0])
				return m, VerifyBundle(m.engine, v[0], v[1])
			},
		},
	}
}

// resume opens workspace ws at its plan.
func (m Model) resume(ws string) (Model, tea.Cmd) {
	m.ws = ws
	m.walk = newWalk()
	m.walk.loading = true
	m.clearStatus()
	m.open(screenPlan)
	return m, LoadStatus(ws)
}

// updateChooser: up and down choose, enter opens the choice's form or
// resumes the workspace under the cursor.
func (m Model) updateChooser(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	cs := m.choices()
	items := len(cs) + len(m.chooser.found)
	switch {
	case m.keys.Quit.Matches(msg):
		return m, tea.Quit
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
	case m.keys.Up.Matches(msg):
		m.chooser.cursor = max(m.chooser.cursor-1, 0)
	case m.keys.Down.Matches(msg):
		m.chooser.cursor = min(m.chooser.cursor+1, items-1)
	case m.keys.Submit.Matches(msg):
		if i := m.chooser.cursor; i < len(cs) {
			if cs[i].creates && m.date.confirmed == "" {
				return m.openDate(i)
			}
			m.form = m.formFor(i)
			m.clearStatus()
			m.open(screenForm)
			return m, nil
		}
		return m.resume(m.chooser.found[m.chooser.cursor-len(cs)].dir)
	}
	return m, nil
}

// lastFinished is the finished workspace that signs root found that was
// created last: the trusted state a rotation starts from; "" if none.
func (c chooser) lastFinished() string {
	return c.last(func(f foundWorkspace) bool { return f.kind == "" || f.kind.SignsRoot() })
}

// lastClaimsSource is the finished workspace found that was created last
// and signed claimed (a pep480 bootstrap, an earlier claims ceremony): the
// trusted state a claims ceremony starts from; "" if none.
func (c chooser) lastClaimsSource() string {
	return c.last(func(f foundWorkspace) bool { return f.signsClaimed })
}

// last is the finished workspace found that was created last among those
// ok takes.
func (c chooser) last(ok func(foundWorkspace) bool) string {
	best := foundWorkspace{}
	for _, f := range c.found {
		if f.finished && ok(f) && (best.dir == "" || !f.created.Before(best.created)) {
			best = f
		}
	}
	return best.dir
}
