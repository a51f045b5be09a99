package rotation

import (
	"fmt"
	"strings"
	"time"
)

// Section is one part of a plan as people read it: a heading, then
// paragraphs, a list and numbered steps, each part only when it has
// something. The app shows the sections as they are; Markdown writes them.
type Section struct {
	// Heading is the section's heading; "" for the plan's title, whose
	// one line is Text[0].
	Heading string
	// Alarm marks a section to read before anything else: the recovery
	// is out of band, or problems stop it.
	Alarm bool
	Text  []string
	Items []string
	Steps []string
}

// Sections are the plan for people, in order: its title; the keys; what
// a stolen key reaches (an emergency); the findings; then, when the
// rotation can go ahead, the changes and what is signed where.
func (p *Plan) Sections() []Section {
	t := &planText{p: p}
	t.title()
	t.keys()
	if p.Emergency {
		t.reach()
	}
	t.findings()
	if p.InBand && len(p.Problems) == 0 {
		t.changes()
		t.signing()
	}
	return t.sections
}

// Markdown writes the plan for people, as Markdown that also reads as
// plain text. Headings start at level (2: "##").
func (p *Plan) Markdown(level int) string {
	var b strings.Builder
	for _, s := range p.Sections() {
		if s.Heading == "" {
			fmt.Fprintf(&b, "%s\n", s.Text[0])
			continue
		}
		fmt.Fprintf(&b, "\n%s %s\n\n", strings.Repeat("#", level), s.Heading)
		for _, l := range s.Text {
			fmt.Fprintf(&b, "%s\n\n", l)
		}
		for _, l := range s.Items {
			fmt.Fprintf(&b, "- %s\n", l)
		}
		for i, l := range s.Steps {
			fmt.Fprintf(&b, "%d. %s\n", i+1, l)
		}
	}
	return b.String()
}

// planText is a plan's sections being written.
type planText struct {
	p        *Plan
	sections []Section
}

// heading starts a section.
func (t *planText) heading(title string) {
	t.sections = append(t.sections, Section{Heading: title})
}

// last is the section being written.
func (t *planText) last() *Section { return &t.sections[len(t.sections)-1] }

// item adds a list item, formatted as fmt.Sprintf formats.
func (t *planText) item(format string, args ...any) {
	t.last().Items = append(t.last().Items, fmt.Sprintf(format, args...))
}

// items adds each of list as a list item.
func (t *planText) items(list []string) {
	t.last().Items = append(t.last().Items, list...)
}

// steps adds list as numbered steps.
func (t *planText) steps(list []string) {
	t.last().Steps = append(t.last().Steps, list...)
}

// title is the plan's first line: what kind of plan, for which
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
	line := fmt.Sprintf("%s for %s", kind, repo)
	if p.Profile != "" {
		line += fmt.Sprintf(" (%s)", p.Profile)
	}
	line += fmt.Sprintf(", from root v%d in %s", p.TrustedRootVersion, p.Source)
	t.sections = append(t.sections, Section{Text: []string{line}})
}

// keys is the keys section: each affected key, why, where, for which
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

// reach is the reach section: the roles that list a key an attacker
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

// findings are what the analysis found, each section only when it has
// something: out-of-band recovery, evidence, problems and warnings.
func (t *planText) findings() {
	p := t.p
	if p.OutOfBand != nil {
		t.heading("IN-BAND RECOVERY IS NOT POSSIBLE")
		t.last().Alarm = true
		t.last().Text = []string{p.OutOfBand.Statement, "What to do instead:"}
		t.steps(p.OutOfBand.Steps)
	}
	if len(p.Evidence) > 0 {
		t.heading("Evidence")
		t.items(p.Evidence)
	}
	if len(p.Problems) > 0 {
		t.heading("Problems (nothing is written until they are fixed)")
		t.last().Alarm = true
		t.items(p.Problems)
	}
	if len(p.Warnings) > 0 {
		t.heading("Warnings")
		t.items(p.Warnings)
	}
}

// changes is the changes section: each role's new keys and threshold,
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

// signing says what is signed, at the ceremony and online, the
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
