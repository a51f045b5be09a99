package tui

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/tui/widget"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A rotation is asked for in a form, worked out (rotate.Run without a
// workspace: nothing is written) and shown in full on the rotation plan
// screen; only after the administrators have read it does y create the
// workspace (rotate.Run with one), which the walk-through then signs
// like any other.

// rotationDraft is a rotation asked for and, once worked out, its plan.
type rotationDraft struct {
	// opts is the request, without Dir until the workspace is created;
	// Now is fixed when the plan is worked out, so the workspace holds the
	// very plan that was read.
	opts rotate.Options
	readFirst
	planning bool

	plan *rotation.Plan
	// refused says why nothing can be created: in-band recovery is not
	// possible, or the plan has problems.
	refused error
}

// rotationPlannedMsg is the plan worked out for a request.
type rotationPlannedMsg struct {
	opts rotate.Options
	ws   string
	plan *rotation.Plan
	err  error
}

// rotationCreatedMsg says the rotation's workspace was created.
type rotationCreatedMsg struct{ ws string }

// rotationCreateFailedMsg says the workspace could not be created.
type rotationCreateFailedMsg struct{ err error }

// PlanRotation runs 'ceremony rotate PATH' (no workspace): the plan, or
// why there is none. The ceremony's time is fixed here. A workspace
// directory ws that is already in use is refused first, so that nobody
// reads a plan that cannot be created.
func PlanRotation(eng *ceremony.Engine, opts rotate.Options, ws string) tea.Cmd {
	return func() tea.Msg {
		opts.Dir = ""
		if opts.Now.IsZero() {
			opts.Now = time.Now().UTC().Truncate(time.Second)
		}
		if err := workspace.CheckNew(ws); err != nil {
			return rotationPlannedMsg{opts: opts, ws: ws, err: err}
		}
		res, err := rotate.Run(eng, opts)
		msg := rotationPlannedMsg{opts: opts, ws: ws, err: err}
		if res != nil {
			msg.plan = res.Plan
		}
		return msg
	}
}

// CreateRotation runs 'ceremony rotate PATH WS': the same request, now
// with its workspace.
func CreateRotation(eng *ceremony.Engine, opts rotate.Options, ws string) tea.Cmd {
	return func() tea.Msg {
		opts.Dir = ws
		if _, err := rotate.Run(eng, opts); err != nil {
			return rotationCreateFailedMsg{err}
		}
		return rotationCreatedMsg{ws}
	}
}

// LoadRotation reads a rotation workspace's plan, checked against its
// transcript.
func LoadRotation(ws string) tea.Cmd {
	return func() tea.Msg {
		p, _, err := rotate.ReadPlan(ws)
		if err != nil {
			return kindLoadedMsg{ws: ws, err: err}
		}
		return kindLoadedMsg{ws: ws, kind: rotationWalk{p}}
	}
}

// The rotation forms' fields, by position.
const (
	emFrom = iota
	emTrustedRoot
	emCompromised
	emLost
	emOnline
	emReplace
	emLastGood
	emKeyholders
	emOnlineURI
	emWorkspace
)

const (
	plFrom = iota
	plTrustedRoot
	plReplace
	plKeyholders
	plOnlineURI
	plWorkspace
)

// emergencyChoice is the recovery after a compromise.
func emergencyChoice(from, ws string) choice {
	return choice{
		title:   "Emergency rotation after a compromise",
		creates: true,
		what:    "stolen or lost keys, a broken-into online server: plan and sign the recovery",
		fields: []widget.Field{
			{Label: "repository or last workspace", Value: widget.NewText(from)},
			{Label: "your own root (trusted root file)", Optional: true},
			{Label: "compromised keys", Optional: true},
			{Label: "lost keys", Optional: true},
			{Label: "online server compromised", Value: widget.NewText("no"), YesNo: true},
			{Label: "replacements OLD=NEW", Optional: true},
			{Label: "last good copy (directory)", Optional: true},
			{Label: "who holds which key (plan)", Optional: true},
			{Label: "new online key URI (rstuf)", Optional: true},
			{Label: "new workspace", Value: widget.NewText(ws)},
		},
		notes: []string{
			"A key: its key ID (8+ hex digits), holder's name or device serial; commas",
			"between several. Compromised: an attacker may hold it; lost: nobody can use it.",
			"OLD=NEW: NEW (a public key file or key URI) takes OLD's place. Who holds which",
			"key: a plan or workspace. Your own root: the root in force as you hold it.",
			"Enter works out the plan; nothing is written before y.",
		},
		submit: func(m Model, v []string) (Model, tea.Cmd) {
			opts, err := rotateOptions(v[emFrom], v[emCompromised], v[emLost], v[emOnline] == "yes", v[emReplace], v[emLastGood], v[emKeyholders], v[emOnlineURI])
			opts.TrustedRoot = v[emTrustedRoot]
			if err == nil && !opts.Online && len(opts.Compromised) == 0 && len(opts.Lost) == 0 {
				err = errors.New("name at least one compromised or lost key, or say the online server was compromised (a change without a compromise is a 'Planned key change')")
			}
			return m.planRotation(opts, v[emWorkspace], err)
		},
	}
}

// plannedChoice is a rotation without a compromise.
func plannedChoice(from, ws string) choice {
	return choice{
		title:   "Planned key change (rotation)",
		creates: true,
		what:    "a device replaced, a key swapped or handed on, the yearly re-sign",
		fields: []widget.Field{
			{Label: "repository or last workspace", Value: widget.NewText(from)},
			{Label: "your own root (trusted root file)", Optional: true},
			{Label: "replacements OLD=NEW", Optional: true},
			{Label: "who holds which key (plan)", Optional: true},
			{Label: "new online key URI (rstuf)", Optional: true},
			{Label: "new workspace", Value: widget.NewText(ws)},
		},
		notes: []string{
			"OLD=NEW: NEW (a public key file or key URI) takes OLD's place (OLD: key ID,",
			"keyholder or device serial); several: separate them with commas. A holder",
			"leaving hands their place to NEW: name NEW's holder with a plan under 'who",
			"holds which key'. No replacements: the yearly re-sign, nothing changes hands.",
			"A holder leaving with nobody in their place, or a threshold change: a new",
			"plan, with 'New root version'. Enter works out the plan; nothing is written",
			"before y.",
		},
		submit: func(m Model, v []string) (Model, tea.Cmd) {
			opts, err := rotateOptions(v[plFrom], "", "", false, v[plReplace], "", v[plKeyholders], v[plOnlineURI])
			opts.TrustedRoot = v[plTrustedRoot]
			return m.planRotation(opts, v[plWorkspace], err)
		},
	}
}

// rotateOptions reads the form's values as 'ceremony rotate' reads its
// flags.
func rotateOptions(from, compromised, lost string, online bool, replace, lastGood, keyholders, onlineURI string) (rotate.Options, error) {
	opts := rotate.Options{From: from, Compromised: splitList(compromised), Lost: splitList(lost), Online: online,
		LastGood: lastGood, Keyholders: splitList(keyholders), OnlineKeyURI: onlineURI}
	for _, r := range splitList(replace) {
		rep, err := rotate.ParseReplacement(r)
		if err != nil {
			return opts, err
		}
		opts.Replace = append(opts.Replace, rep)
	}
	return opts, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// planRotation starts working out the plan, or shows why it cannot start.
func (m Model) planRotation(opts rotate.Options, ws string, err error) (Model, tea.Cmd) {
	if err != nil {
		m.setError("%v", err)
		return m, nil
	}
	m.rotate = rotationDraft{opts: opts, readFirst: readFirst{ws: ws}, planning: true}
	m.setInfo("working out the plan from %s (nothing is written)...", opts.From)
	return m, PlanRotation(m.engine, opts, ws)
}

// rotationPlanned shows the plan worked out, or the form's error.
func (m Model) rotationPlanned(msg rotationPlannedMsg) (tea.Model, tea.Cmd) {
	if m.screen != screenForm || !m.rotate.planning {
		return m, nil // the form was left meanwhile
	}
	m.rotate.planning = false
	refused := errors.Is(msg.err, rotate.ErrNoInBandRecovery) || errors.Is(msg.err, rotate.ErrRotationProblems)
	if msg.plan == nil || (msg.err != nil && !refused) {
		err := msg.err
		if err == nil {
			err = errors.New("no plan came back")
		}
		m.setError("%v", err)
		return m, nil
	}
	m.rotate.opts, m.rotate.ws, m.rotate.plan, m.rotate.Scroll, m.rotate.creating = msg.opts, msg.ws, msg.plan, widget.Scroll{}, false
	m.rotate.refused = nil
	if refused {
		m.rotate.refused = msg.err
	}
	m.rotate.Top = m.rotationStart()
	m.clearStatus()
	m.open(screenRotationPlan)
	return m, nil
}

// rotationStart is where the plan screen opens: at the top, or, when
// nothing can be created, at the statement that says why (in-band
// recovery is not possible, or the problems); the keys and their reach
// are above it.
func (m Model) rotationStart() int {
	p := m.rotate.plan
	if p == nil || p.OK() {
		return 0
	}
	if _, alarm := m.rotationText(); alarm >= 0 {
		return alarm
	}
	return 0
}

// checkNewWorkspace refuses a directory that exists and is not empty, as
// rotate.Run will when it creates the workspace.

// updateRotationPlan: the plan scrolls; y creates the workspace when the
// plan can be carried out; esc goes back to the form.
func (m Model) updateRotationPlan(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	refusal := ""
	if m.rotate.refused != nil {
		refusal = "nothing can be created from this plan: read it, then esc goes back"
	}
	next, r, cmd := m.updateReadFirst(msg, m.rotate.readFirst, len(m.rotationLines()), m.rotationRoom(), refusal, func() tea.Cmd {
		opts := m.rotate.opts
		opts.DateConfirmed = m.date.confirmed
		return CreateRotation(m.engine, opts, m.rotate.ws)
	})
	next.rotate.readFirst = r
	return next, cmd
}

// rotationCreated opens the new workspace's walk-through at its plan.
func (m Model) rotationCreated(msg rotationCreatedMsg) (tea.Model, tea.Cmd) {
	m.rotate.creating = false
	m.ws = msg.ws
	m.setInfo("created the rotation workspace %s", msg.ws)
	m.walk = newWalk()
	m.walk.loading = true
	m.open(screenPlan)
	return m, LoadStatus(m.ws)
}
