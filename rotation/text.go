package rotation

import (
	"fmt"
	"strings"
	"time"
)

// Markdown writes the plan for people, as Markdown that also reads as
// plain text. Headings start at level (2: "##").
func (p *Plan) Markdown(level int) string {
	var b strings.Builder
	h := func(title string) { fmt.Fprintf(&b, "\n%s %s\n\n", strings.Repeat("#", level), title) }
	li := func(format string, args ...any) { fmt.Fprintf(&b, "- %s\n", fmt.Sprintf(format, args...)) }
	steps := func(list []string) {
		for i, s := range list {
			fmt.Fprintf(&b, "%d. %s\n", i+1, s)
		}
	}

	kind := "Planned rotation"
	if p.Emergency {
		kind = "Recovery plan"
	}
	repo := p.Repository
	if repo == "" {
		repo = "the repository"
	}
	fmt.Fprintf(&b, "%s for %s", kind, repo)
	if p.Profile != "" {
		fmt.Fprintf(&b, " (%s)", p.Profile)
	}
	fmt.Fprintf(&b, ", from root v%d in %s\n", p.TrustedRootVersion, p.Source)

	h("Keys")
	if len(p.Affected) == 0 {
		li("no key changes: the yearly re-sign")
	}
	for _, a := range p.Affected {
		line := fmt.Sprintf("%s: %s", a.Label(), a.Cause)
		if d := a.Device(); d != "" {
			line += ", on " + d
		}
		if len(a.Roles) > 0 {
			line += "; listed for " + strings.Join(a.Roles, ", ")
		}
		if a.ReplacedBy != nil {
			line += "; replaced by " + a.ReplacedBy.Label()
		} else {
			line += "; not replaced"
		}
		li("%s", line)
	}

	if p.Emergency {
		h("Reach")
		if len(p.Reach) == 0 {
			li("no role lists a key an attacker may hold")
		}
		for _, r := range p.Reach {
			listed := "none of its keys"
			if len(r.Listed) > 0 {
				listed = strings.Join(r.Listed, ", ")
			}
			li("%s (threshold %d of %d keys, per %s): %s listed; %s", r.Role, r.Threshold, r.Keys, r.Delegator, listed, r.Effect)
		}
	}

	if p.OutOfBand != nil {
		h("IN-BAND RECOVERY IS NOT POSSIBLE")
		fmt.Fprintf(&b, "%s\n\nWhat to do instead:\n\n", p.OutOfBand.Statement)
		steps(p.OutOfBand.Steps)
	}
	if len(p.Evidence) > 0 {
		h("Evidence")
		for _, e := range p.Evidence {
			li("%s", e)
		}
	}
	if len(p.Problems) > 0 {
		h("Problems (nothing is written until they are fixed)")
		for _, pr := range p.Problems {
			li("%s", pr)
		}
	}
	if len(p.Warnings) > 0 {
		h("Warnings")
		for _, w := range p.Warnings {
			li("%s", w)
		}
	}
	if !p.InBand || len(p.Problems) > 0 {
		return b.String()
	}

	h("Changes")
	if len(p.Changes) == 0 {
		li("no keys or thresholds change")
	}
	for _, c := range p.Changes {
		line := fmt.Sprintf("%s in %s: %s; threshold %d", c.Role, c.In, strings.Join(orNone(c.Keys), ", "), c.Threshold)
		if c.OldThreshold != c.Threshold {
			line += fmt.Sprintf(" (was %d)", c.OldThreshold)
		}
		if len(c.Removed) > 0 {
			line += "; removed " + strings.Join(c.Removed, ", ")
		}
		if len(c.Added) > 0 {
			line += "; added " + strings.Join(c.Added, ", ")
		}
		li("%s", line)
	}

	h("Signed at the ceremony")
	for _, r := range p.Resign {
		li("%s v%d (was v%d), expires %s: %s; content from %s", r.Role, r.Version, r.OldVersion, r.Expires.UTC().Format(time.RFC3339), r.Why, r.ContentFrom)
	}
	if len(p.Online) > 0 {
		h("Signed again online")
		for _, w := range p.Online {
			li("%s %s: %s", w.Role, VersionText(w.MinVersion), w.Why)
		}
	}
	if len(p.FastForward) > 0 {
		h("Fast-forward recovery")
		for _, f := range p.FastForward {
			li("%s", f)
		}
	}
	h("Offline steps, in order")
	steps(p.OfflineSteps)
	h("Online steps, in order")
	steps(p.OnlineSteps)
	return b.String()
}
