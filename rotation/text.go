package rotation

import (
	"fmt"
	"strings"
	"time"
)

// Markdown writes the plan for people, as Markdown that also reads as
// plain text. Headings start at level (2: "##").
func (p *Plan) Markdown(level int) string {
	t := &planText{p: p, level: level}
	t.title()
	t.keys()
	if p.Emergency {
		t.reach()
	}
	t.findings()
	if !p.InBand || len(p.Problems) > 0 {
		return t.b.String()
	}
	t.changes()
	t.signing()
	return t.b.String()
}

// planText is a plan being written as Markdown: the plan, the text so far
// and the level of its headings.
type planText struct {
	p     *Plan
	b     strings.Builder
	level int
}

// heading writes a heading with title at the text's level.
func (t *planText) heading(title string) {
	fmt.Fprintf(&t.b, "\n%s %s\n\n", strings.Repeat("#", t.level), title)
}

// item writes a list item, formatted as fmt.Sprintf formats.
func (t *planText) item(format string, args ...any) {
	fmt.Fprintf(&t.b, "- %s\n", fmt.Sprintf(format, args...))
}

// items writes each of list as a list item.
func (t *planText) items(list []string) {
	for _, s := range list {
		t.item("%s", s)
	}
}

// steps writes list as a numbered list.
func (t *planText) steps(list []string) {
	for i, s := range list {
		fmt.Fprintf(&t.b, "%d. %s\n", i+1, s)
	}
}

// title writes the plan's first line: what kind of plan, for which
// repository, from which root.
func (t *planText) title() {
	p := t.p
	kind := "Planned rotation"
	if p.Emergency {
		kind = "Recovery plan"
	}
	repo := p.Repository
	if repo == "" {
		repo = "the repository"
	}
	fmt.Fprintf(&t.b, "%s for %s", kind, repo)
	if p.Profile != "" {
		fmt.Fprintf(&t.b, " (%s)", p.Profile)
	}
	fmt.Fprintf(&t.b, ", from root v%d in %s\n", p.TrustedRootVersion, p.Source)
}

// keys writes the keys section: each affected key, why, where, for which
// roles and what replaces it.
func (t *planText) keys() {
	t.heading("Keys")
	if len(t.p.Affected) == 0 {
		t.item("no key changes: the yearly re-sign")
	}
	for _, a := range t.p.Affected {
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
		t.item("%s", line)
	}
}

// reach writes the reach section: the roles that list a key an attacker
// may hold, and what that lets the attacker do.
func (t *planText) reach() {
	t.heading("Reach")
	if len(t.p.Reach) == 0 {
		t.item("no role lists a key an attacker may hold")
	}
	for _, r := range t.p.Reach {
		listed := "none of its keys"
		if len(r.Listed) > 0 {
			listed = strings.Join(r.Listed, ", ")
		}
		t.item("%s (threshold %d of %d keys, per %s): %s listed; %s", r.Role, r.Threshold, r.Keys, r.Delegator, listed, r.Effect)
	}
}

// findings writes what the analysis found, each section only when it has
// something: out-of-band recovery, evidence, problems and warnings.
func (t *planText) findings() {
	p := t.p
	if p.OutOfBand != nil {
		t.heading("IN-BAND RECOVERY IS NOT POSSIBLE")
		fmt.Fprintf(&t.b, "%s\n\nWhat to do instead:\n\n", p.OutOfBand.Statement)
		t.steps(p.OutOfBand.Steps)
	}
	if len(p.Evidence) > 0 {
		t.heading("Evidence")
		t.items(p.Evidence)
	}
	if len(p.Problems) > 0 {
		t.heading("Problems (nothing is written until they are fixed)")
		t.items(p.Problems)
	}
	if len(p.Warnings) > 0 {
		t.heading("Warnings")
		t.items(p.Warnings)
	}
}

// changes writes the changes section: each role's new keys and threshold,
// and the keys removed and added.
func (t *planText) changes() {
	t.heading("Changes")
	if len(t.p.Changes) == 0 {
		t.item("no keys or thresholds change")
	}
	for _, c := range t.p.Changes {
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
		t.item("%s", line)
	}
}

// signing writes what is signed, at the ceremony and online, the
// fast-forward recovery if any, and the offline and online steps.
func (t *planText) signing() {
	p := t.p
	t.heading("Signed at the ceremony")
	for _, r := range p.Resign {
		t.item("%s v%d (was v%d), expires %s: %s; content from %s", r.Role, r.Version, r.OldVersion, r.Expires.UTC().Format(time.RFC3339), r.Why, r.ContentFrom)
	}
	if len(p.Online) > 0 {
		t.heading("Signed again online")
		for _, w := range p.Online {
			t.item("%s %s: %s", w.Role, VersionText(w.MinVersion), w.Why)
		}
	}
	if len(p.FastForward) > 0 {
		t.heading("Fast-forward recovery")
		t.items(p.FastForward)
	}
	t.heading("Offline steps, in order")
	t.steps(p.OfflineSteps)
	t.heading("Online steps, in order")
	t.steps(p.OnlineSteps)
}
