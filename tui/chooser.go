package tui

import (
	"fmt"
	"path/filepath"

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
	dir   string
	found []foundWorkspace
	// names are the entries of dir, read with the workspaces: a form
	// proposes a file only if it is there, and a new workspace only under
	// a name that is free.
	names   map[string]bool
	scanned bool
	cursor  int
}

func newChooser(dir string) chooser { return chooser{dir: dir} }

// choices are the ceremonies the tool runs. The forms propose only what
// is there (a file of the usual name in the chooser's directory, the last
// finished workspace found) and new workspaces under free names.
func (m Model) choices() []choice {
	c := m.chooser
	from := c.lastFinished()
	trusted := c.existing("root.json")
	if from != "" {
		trusted = filepath.Join(from, "metadata", "root.json")
	}
	return []choice{
		{
			title:   "Bootstrap a new repository",
			what:    "root v1 and the offline roles (targets, delegations), from a plan",
			fields:  []widget.Field{{Label: "plan file", Value: widget.NewText(c.existing("plan.yaml"))}, {Label: "new workspace", Value: widget.NewText(c.unused("workspace"))}},
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
			fields: []widget.Field{{Label: "plan file", Value: widget.NewText(c.existing("plan.yaml"))}, {Label: "trusted root (what clients trust now)", Value: widget.NewText(trusted)},
				{Label: "new workspace", Value: widget.NewText(c.unused("workspace-next-root"))}},
			creates: true,
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				m.ws, m.plan, m.trustedRoot = v[2], v[0], v[1]
				m.setInfo("creating the workspace %s from %s and %s...", v[2], v[0], v[1])
				return m, CreateWorkspace(m.engine, v[0], v[1], v[2], m.date.confirmed)
			},
		},
		emergencyChoice(from, c.unused("workspace-recovery")),
		plannedChoice(from, c.unused("workspace-rotation")),
		claimsChoice(c.lastClaimsSource(), c.existing("claims"), c.unused("workspace-claims")),
		{
			title:  "Sign in a workspace",
			what:   "resume a ceremony, or sign targets and delegations prepared earlier",
			fields: []widget.Field{{Label: "workspace", Value: widget.NewText(c.lastUnfinished())}},
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				return m.resume(v[0])
			},
		},
		{
			title: "Verify and replay a bundle",
			what:  "check a bundle as a client and as an auditor would",
			fields: []widget.Field{{Label: "bundle file", Value: widget.NewText(c.existing("bundle.tar"))},
				{Label: "your own root (what clients trust now; none: the bundle's root v1)", Optional: true}},
			submit: func(m Model, v []string) (Model, tea.Cmd) {
				m.setInfo("verifying %s...", v[0])
				return m, VerifyBundle(m.engine, v[0], v[1])
			},
		},
	}
}

// path is name in the chooser's directory, as the process opens it.
func (c chooser) path(name string) string {
	if c.dir == "" || c.dir == "." {
		return name
	}
	return filepath.Join(c.dir, name)
}

// existing is name in the chooser's directory if it is there, "" if not
// (or not known yet).
func (c chooser) existing(name string) string {
	if !c.names[name] {
		return ""
	}
	return c.path(name)
}

// unused is base, or base-2, base-3 ... : the first name not taken in the
// chooser's directory.
func (c chooser) unused(base string) string {
	name := base
	for i := 2; c.names[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return c.path(name)
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

// lastUnfinished is the workspace found, not yet finished, that was
// created last: the ceremony to carry on; "" if none.
func (c chooser) lastUnfinished() string {
	best := foundWorkspace{}
	for _, f := range c.found {
		if !f.finished && (best.dir == "" || !f.created.Before(best.created)) {
			best = f
		}
	}
	return best.dir
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
