package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/workspace"
)

// walkKind is what a walk-through knows of its workspace's kind beyond the
// status: a rotation's plan, a claims ceremony's projects. The walk asks it
// who holds a key and which keys sign nothing; the plan, review and finish
// screens show what it says. The walk names no kind: bootstrap and project
// workspaces have none, and the status is all they need.
type walkKind interface {
	// holder is who holds key id, "" when the status's name is right.
	holder(id string) string
	// signsNothing reports whether key id signs nothing here.
	signsNothing(id string) bool
	// banner is what the plan screen says the ceremony is.
	banner(m Model) []string
	// reviewNote opens the review before the PIN.
	reviewNote(m Model) []string
	// finish is what the finish screen adds about the bundle: before it
	// is written, and once it is.
	finish(m Model, written bool) []string
}

// kindReading is, for a kind whose walk-through needs more than the
// status, how to read it and what to say until it is read.
type kindReading struct {
	load func(ws string) tea.Cmd
	// what is read, and why it must be before anyone signs.
	what, why string
	// unreadable is the plan screen's banner when it cannot be read.
	unreadable string
	// advice is the plan screen's last line.
	advice string
}

var kindReadings = map[workspace.Kind]kindReading{
	workspace.Rotation: {
		load:       LoadRotation,
		what:       "the rotation plan",
		why:        "which keys are compromised must be known before anyone signs",
		unreadable: "✗ the rotation plan cannot be read (see below): do not sign",
		advice:     "Check it against the printed recovery plan, then take the roll call.",
	},
	workspace.Claims: {
		load:       LoadClaims,
		what:       "what the claims ceremony adds",
		why:        "the projects must be known before anyone signs",
		unreadable: "✗ what this claims ceremony adds cannot be read (see below): do not sign",
		advice:     "Check the projects against the review read aloud, then take the roll call.",
	},
}

// kindLoadedMsg is what workspace ws's kind adds to the walk-through.
type kindLoadedMsg struct {
	ws   string
	kind walkKind
	err  error
}

// reading is what the walk-through's workspace kind must have read, and
// false when its status is all the walk needs.
func (w walk) reading() (kindReading, bool) {
	if w.status == nil {
		return kindReading{}, false
	}
	r, ok := kindReadings[w.status.Kind]
	return r, ok
}

// loadKind starts reading what the workspace's kind adds, once.
func (m Model) loadKind() (Model, tea.Cmd) {
	r, ok := m.walk.reading()
	if !ok || m.walk.kind != nil || m.walk.kindErr != nil || m.walk.kindLoading {
		return m, nil
	}
	m.walk.kindLoading = true
	return m, r.load(m.ws)
}

// kindLoaded keeps what the workspace's kind adds for the walk-through.
func (m Model) kindLoaded(msg kindLoadedMsg) (tea.Model, tea.Cmd) {
	if msg.ws != m.ws {
		return m, nil
	}
	m.walk.kindLoading = false
	m.walk.kind, m.walk.kindErr = msg.kind, msg.err
	if r, ok := m.walk.reading(); ok && msg.err != nil {
		m.setError("failed to read %s: %v", r.what, msg.err)
	}
	return m, nil
}

// kindBanner is the plan screen's banner: what the ceremony is, or that
// it is still being read, or that it cannot be.
func (m Model) kindBanner() []string {
	r, ok := m.walk.reading()
	switch {
	case !ok:
		return nil
	case m.walk.kind != nil:
		return m.walk.kind.banner(m)
	case m.walk.kindErr != nil:
		return []string{m.styles.Error.Render(r.unreadable)}
	}
	return []string{m.styles.Dim.Render("reading " + r.what + "...")}
}

// kindReviewNote is the line the review before the PIN opens with, if the
// kind has one.
func (m Model) kindReviewNote() []string {
	if m.walk.kind == nil {
		return nil
	}
	return m.walk.kind.reviewNote(m)
}

// kindFinish is what the kind adds to the finish screen.
func (m Model) kindFinish(written bool) []string {
	if m.walk.kind == nil {
		return nil
	}
	return m.walk.kind.finish(m, written)
}
