package tui

import (
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The rotation plan screen shows the plan's sections (rotation.Plan.
// Sections, what 'ceremony rotate' prints as Markdown), wrapped to the
// window and scrolled: a fixed
// head says what it is and whether it can be carried out, a foot where in
// the plan the window is.

// rotationHead is the screen's fixed head.
func (m Model) rotationHead() []string {
	s := m.styles
	p := m.rotate.plan
	title := "planned rotation · the plan · nothing is written yet"
	if p != nil && p.Emergency {
		title = "emergency rotation · the recovery plan · nothing is written yet"
	}
	head := []string{s.Title.Render(title)}
	switch {
	case p != nil && !p.InBand:
		head = append(head, s.Invalid.Render("NOTHING CAN BE SIGNED HERE: the recovery is out of band, as below"))
	case m.rotate.refused != nil:
		head = append(head, s.Invalid.Render("THE ROTATION CANNOT GO AHEAD as asked: see the problems; nothing is written"))
	default:
		for _, l := range wrap("Read it aloud with the witnesses; y creates "+m.rotate.ws, m.width-1) {
			head = append(head, s.Prompt.Render(l))
		}
	}
	return head
}

// rotationRoom is how many lines of the plan the window shows.
func (m Model) rotationRoom() int {
	return max(m.bodyRoom()-len(m.rotationHead())-1, 3)
}

// rotationLines is the plan's sections wrapped to the window.
func (m Model) rotationLines() []string {
	lines, _ := m.rotationText()
	return lines
}

// rotationText is the plan's sections wrapped to the window: headings
// styled (an alarm's as invalid), paragraphs, list items and steps
// indented under their mark; alarm is the line of the first alarm's
// heading, -1 if none.
func (m Model) rotationText() (lines []string, alarm int) {
	alarm = -1
	if m.rotate.plan == nil {
		return nil, alarm
	}
	s := m.styles
	width := max(m.width-1, 20)
	var out []string
	add := func(mark, text string) {
		indent := strings.Repeat(" ", len(mark))
		for i, w := range wrap(mark+text, width-len(indent)) {
			if i > 0 {
				w = indent + w
			}
			out = append(out, w)
		}
	}
	for _, sec := range m.rotate.plan.Sections() {
		if sec.Heading == "" {
			add("", sec.Text[0])
			continue
		}
		st := s.Title
		if sec.Alarm {
			st = s.Invalid
			if alarm < 0 {
				alarm = len(out) + 1
			}
		}
		out = append(out, "", st.Render(sec.Heading), "")
		for _, l := range sec.Text {
			add("", l)
			out = append(out, "")
		}
		for _, l := range sec.Items {
			add("- ", l)
		}
		for i, l := range sec.Steps {
			add(fmt.Sprintf("%d. ", i+1), l)
		}
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out, alarm
}

func (m Model) rotationPlanView() []string {
	return m.readFirstView(m.rotationHead(), m.rotationLines(), m.rotationRoom(), m.rotate.Scroll, m.rotate.refused == nil, " · the end")
}

// rotationWalk is a rotation workspace's plan, for its walk-through:
// which keys are compromised or lost (they sign nothing) and who holds
// each key.
type rotationWalk struct{ plan *rotation.Plan }

// holder is the plan's holder of key id.
func (r rotationWalk) holder(id string) string {
	for _, k := range r.plan.Keys {
		if k.ID == id {
			return k.Holder
		}
	}
	return ""
}

// signsNothing reports whether the plan names key id stolen or lost.
func (r rotationWalk) signsNothing(id string) bool {
	for _, a := range r.plan.Affected {
		if a.ID == id && (a.Cause == rotation.Stolen || a.Cause == rotation.Lost) {
			return true
		}
	}
	return false
}

// reviewNote: a rotation's review says all it changes.
func (r rotationWalk) reviewNote(Model) []string { return nil }

// finish says that the bundle carries the incident report, which the
// online side reads first.
func (r rotationWalk) finish(m Model, written bool) []string {
	s := m.styles
	if !written {
		return []string{"  with the incident report, " + workspace.IncidentFile + ", written again from the workspace"}
	}
	return []string{s.Pending.Render("  the bundle holds " + workspace.IncidentFile + ": the online side reads it first"),
		s.Pending.Render("  (what happened, who signed, the online steps in order)")}
}

// banner says, on a rotation workspace's plan screen, what the rotation
// is: its kind, the keys that leave, where the incident report is.
func (r rotationWalk) banner(m Model) []string {
	s := m.styles
	p := r.plan
	kind, style := "PLANNED ROTATION", s.Pending
	if p.Emergency {
		kind, style = "EMERGENCY ROTATION", s.Invalid
	}
	var signs []string
	for _, r := range p.Resign {
		signs = append(signs, fmt.Sprintf("%s v%d", r.Role, r.Version))
	}
	lines := []string{style.Render(kind) + fmt.Sprintf(" · from root v%d · signing %s", p.TrustedRootVersion, strings.Join(signs, ", "))}
	if len(p.Affected) == 0 {
		lines = append(lines, "  no key changes hands: the yearly re-sign")
	}
	for _, a := range p.Affected {
		l := fmt.Sprintf("%s: %s", a.Label(), a.Cause)
		if a.Cause == rotation.Stolen || a.Cause == rotation.Lost {
			l += ", signs nothing here"
		}
		if r := a.ReplacedBy; r != nil {
			l += "; replaced by " + r.Label()
			if r.URI == "" && !r.Online {
				l += " (no key URI: its holder signs with 'ceremony sign --key URI')"
			}
		} else {
			l += "; not replaced"
		}
		for i, w := range wrap(l, m.width-4) {
			if i > 0 {
				w = "    " + w
			} else {
				w = "  " + w
			}
			lines = append(lines, w)
		}
	}
	return append(lines, s.Dim.Render("  the whole plan and the online steps: "+workspace.IncidentFile+" in the workspace"))
}
