package tui

import (
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// ruleLabel names the rule a count is against: "root v1", or, for a new
// root version, "previous root v1" and "new root v2" apart.
func ruleLabel(r ceremony.RoleStatus, i int, c ceremony.Count) string {
	label := c.Delegator
	if len(r.Thresholds) == 2 && r.Role == "root" {
		if p := []string{"previous ", "new "}[i]; !strings.HasPrefix(label, p) {
			label = p + label
		}
	}
	return label
}

// progressLines is one line per role: each rule's count, the previous
// root's and the new root's apart.
func progressLines(st *ceremony.Status, s Styles) []string {
	if st == nil {
		return nil
	}
	lines := []string{s.Title.Render("progress")}
	for _, r := range st.Roles {
		var parts []string
		for i, c := range r.Thresholds {
			state := s.Met.Render("met")
			if !c.Met {
				state = s.Pending.Render(fmt.Sprintf("needs %d more", max(c.Threshold-len(c.Signed), 1)))
			}
			label := ""
			if len(r.Thresholds) > 1 {
				label = ruleLabel(r, i, c) + " "
			}
			parts = append(parts, fmt.Sprintf("%s%d of %d %s", label, len(c.Signed), c.Threshold, state))
		}
		lines = append(lines, fmt.Sprintf("  %s v%d: %s", s.Role.Render(r.Role), r.Version, strings.Join(parts, " · ")))
	}
	return lines
}
