package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// dashboard shows who has signed what in the workspace.
type dashboard struct {
	status  *ceremony.Status
	loading bool
}

func (d dashboard) view(ws string, s Styles) []string {
	if d.status == nil {
		if d.loading {
			return []string{s.Title.Render("ceremony · " + ws), "reading the workspace..."}
		}
		return []string{s.Title.Render("ceremony · " + ws), "no status (press r to try again)"}
	}
	st := d.status
	head := fmt.Sprintf("ceremony · %s (%s, %s)", st.Dir, st.Kind, st.Profile)
	lines := []string{s.Title.Render(head)}
	if d.loading {
		lines = append(lines, s.Dim.Render("refreshing..."))
	}
	for _, w := range st.Warnings {
		lines = append(lines, s.Error.Render("warning: "+w))
	}
	for _, u := range st.Unwritten {
		lines = append(lines, s.Pending.Render("not written yet: "+u))
	}
	for _, r := range st.Roles {
		state := s.Pending.Render("signatures missing")
		if r.Met {
			state = s.Met.Render("ready")
		}
		lines = append(lines, fmt.Sprintf("%s v%d  expires %s  %s",
			s.Role.Render(r.Role), r.Version, r.Expires.UTC().Format(time.DateOnly), state))
		for i, c := range r.Thresholds {
			lines = append(lines, "  "+roleRuleLabel(r, i, c)+": "+countText(c, s))
			lines = append(lines, "    "+s.Met.Render("signed:")+" "+holders(c.Signed))
			lines = append(lines, "    "+s.Pending.Render("not signed:")+" "+holders(c.Missing))
			if len(c.Invalid) > 0 {
				lines = append(lines, "    "+s.Invalid.Render("INVALID:")+" "+holders(c.Invalid))
			}
		}
	}
	return lines
}

func holders(ps []ceremony.Party) string {
	if len(ps) == 0 {
		return "-"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Holder
		if out[i] == "" {
			out[i] = p.KeyID[:min(12, len(p.KeyID))]
		}
	}
	return strings.Join(out, ", ")
}
