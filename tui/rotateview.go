package tui

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The rotation plan screen shows rotation.Plan.Markdown, the text
// 'ceremony rotate' prints, wrapped to the window and scrolled: a fixed
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

// rotationLines is the plan wrapped to the window: headings styled, list
// items and steps indented under their mark.
func (m Model) rotationLines() []string {
	if m.rotate.plan == nil {
		return nil
	}
	s := m.styles
	width := max(m.width-1, 20)
	var out []string
	for _, l := range strings.Split(strings.TrimRight(m.rotate.plan.Markdown(2), "\n"), "\n") {
		if h, ok := strings.CutPrefix(l, "## "); ok {
			st := s.Title
			if strings.Contains(h, "NOT POSSIBLE") || strings.HasPrefix(h, "Problems") {
				st = s.Invalid
			}
			out = append(out, st.Render(h))
			continue
		}
		if l == "" {
			out = append(out, "")
			continue
		}
		indent := strings.Repeat(" ", markWidth(l))
		for i, w := range wrap(l, width-len(indent)) {
			if i > 0 {
				w = indent + w
			}
			out = append(out, w)
		}
	}
	return out
}

// markWidth is the width of a list item's mark ("- ", "12. "), 0 for
// other lines.
func markWidth(l string) int {
	if strings.HasPrefix(l, "- ") {
		return 2
	}
	i := 0
	for i < len(l) && unicode.IsDigit(rune(l[i])) {
		i++
	}
	if i > 0 && strings.HasPrefix(l[i:], ". ") {
		return i + 2
	}
	return 0
}

func (m Model) rotationPlanView() []string {
	s := m.styles
	lines := m.rotationHead()
	all := m.rotationLines()
	room := m.rotationRoom()
	top := min(m.rotate.top, max(len(all)-room, 0))
	end := min(top+room, len(all))
	lines = append(lines, all[top:end]...)
	where := fmt.Sprintf("lines %d-%d of %d", top+1, end, len(all))
	switch {
	case end < len(all):
		where += " · ↓ pgdn: more below"
	case m.rotate.refused == nil:
		where += " · the end: y creates the workspace"
	default:
		where += " · the end"
	}
	if top > 0 {
		where += " · ↑ pgup: more above"
	}
	return append(lines, s.Dim.Render(where))
}

// rotationBanner says, on a rotation workspace's plan screen, what the
// rotation is: its kind, the keys that leave, where the incident report is.
func (m Model) rotationBanner() []string {
	s := m.styles
	st := m.walk.status
	if st == nil || st.Kind != workspace.Rotation {
		return nil
	}
	p := m.walk.rotation
	if p == nil {
		if m.walk.rotationErr != nil {
			return []string{s.Error.Render("✗ the rotation plan cannot be read (see below): do not sign")}
		}
		return []string{s.Dim.Render("reading the rotation plan...")}
	}
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
