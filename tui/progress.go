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

// countText says a count against its threshold: "1 of 2 signed, needs 1
// more", or "met (3 signed, 2 needed)": never "3 of 2".
func countText(c ceremony.Count, s Styles) string {
	if c.Met {
		return s.Met.Render("met") + fmt.Sprintf(" (%d signed, %d needed)", len(c.Signed), c.Threshold)
	}
	return fmt.Sprintf("%d of %d signed, ", len(c.Signed), c.Threshold) + s.Pending.Render(fmt.Sprintf("needs %d more", max(c.Threshold-len(c.Signed), 1)))
}

// roleRuleLabel names a role's count: "targets v1", or for a new root
// version "root v2 under previous root v1".
func roleRuleLabel(r ceremony.RoleStatus, i int, c ceremony.Count) string {
	label := fmt.Sprintf("%s v%d", r.Role, r.Version)
	if len(r.Thresholds) > 1 {
		label += " under " + ruleLabel(r, i, c)
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
			label := ""
			if len(r.Thresholds) > 1 {
				label = ruleLabel(r, i, c) + " "
			}
			parts = append(parts, label+countText(c, s))
		}
		lines = append(lines, fmt.Sprintf("  %s v%d: %s", s.Role.Render(r.Role), r.Version, strings.Join(parts, " · ")))
	}
	return lines
}
