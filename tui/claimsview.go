package tui

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The claims review screen shows claims.Report as a table, wrapped to the
// window and scrolled: a fixed head says what it is, the counts, and
// whether a workspace can be created; under the table, each refused
// request's reason (to send its maintainers), the flags and what was
// ignored. Every text that comes from a request file is shown through
// safetext.Escape: a hostile name or reason stays one plain line.

// Columns of the claims table: with the two-space indent and one space
// between columns, VERDICT starts at column 58.
const (
	claimsProjectW   = 24
	claimsKeyW       = 20 // 12 hex digits, a space, "ed25519"
	claimsThresholdW = 9
)

// claimsHead is the review screen's fixed head.
func (m Model) claimsHead() []string {
	s := m.styles
	head := []string{s.Title.Render("PEP 480 claims ceremony · the review · nothing is created yet")}
	res := m.claims.res
	if res == nil || res.Review == nil {
		return head
	}
	r := res.Review
	head = append(head, wrap(fmt.Sprintf("%d request(s): %d to add · %d unchanged · %d refused (in %s)",
		len(r.Verdicts), r.Count(claims.ChangeAdd), r.Count(claims.ChangeUnchanged), r.Count(claims.Refused), m.claims.opts.ClaimsDir), m.width-1)...)
	if !m.claims.accepted() {
		for _, l := range wrap("NOTHING IS ACCEPTED: nothing to add to claimed, nothing is created; send each maintainer the reason below", m.width-1) {
			head = append(head, s.Invalid.Render(l))
		}
		return head
	}
	head = append(head, s.Prompt.Render(fmt.Sprintf("claimed v%d adds %d project(s): read the table aloud with the witnesses",
		res.ClaimedVersion, len(res.Accepted))))
	return append(head, s.Prompt.Render("y creates "+m.claims.ws))
}

// claimsRoom is how many lines of the review the window shows.
func (m Model) claimsRoom() int {
	return max(m.bodyRoom()-len(m.claimsHead())-1, 3)
}

// claimsLines is the review wrapped to the window: as kept when it came
// or the window last changed width (keepClaimsLines), or rendered now.
func (m Model) claimsLines() []string {
	if c := m.claims; c.lines != nil && c.linesWidth == m.width {
		return c.lines
	}
	return m.renderClaimsLines()
}

// keepClaimsLines renders the review for the window's width and keeps
// it: each key press scrolls the lines kept instead of rendering 1,000
// requests again (their table, hashes and flags), twice (Update counts
// the lines, View shows them).
func (m Model) keepClaimsLines() Model {
	m.claims.lines, m.claims.linesWidth = nil, 0
	if m.claims.res != nil {
		m.claims.lines, m.claims.linesWidth = m.renderClaimsLines(), m.width
	}
	return m
}

// renderClaimsLines is the review wrapped to the window: the table, then
// the refusals, the flags, what was ignored and what claimed becomes.
func (m Model) renderClaimsLines() []string {
	res := m.claims.res
	if res == nil || res.Review == nil {
		return nil
	}
	s := m.styles
	r := res.Review
	width := max(m.width-1, 20)
	row := func(project, key, threshold, verdict string) string {
		return strings.TrimRight(fmt.Sprintf("  %-*s %-*s %-*s %s", claimsProjectW, cut(project, claimsProjectW), claimsKeyW, key,
			claimsThresholdW, threshold, verdict), " ")
	}
	out := []string{s.Title.Render(row("PROJECT", "KEYS", "THRESHOLD", "VERDICT"))}
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		project := safetext.Escape(v.Project)
		if v.Project == "" {
			project = "(" + safetext.Escape(filepath.Base(v.File)) + ")"
		}
		if v.Claim == nil {
			out = append(out, s.Invalid.Render(row(project, "-", "-", claims.Refused)))
			continue
		}
		verdict := safetext.Escape(v.Change)
		if n := len(v.Flags); n == 1 {
			verdict += " (1 flag)"
		} else if n > 1 {
			verdict += fmt.Sprintf(" (%d flags)", n)
		}
		ids := make([]string, 0, len(v.Claim.Keys))
		for id := range v.Claim.Keys {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for j, id := range ids {
			key := safetext.Escape(shortID(id)) + " " + shortScheme(v.Claim.Keys[id].Scheme)
			if j == 0 {
				out = append(out, row(project, key, fmt.Sprintf("%d of %d", v.Claim.Threshold, len(ids)), verdict))
			} else {
				out = append(out, row("", key, "", ""))
			}
		}
	}
	item := func(text string) {
		for i, l := range wrap(text, width-4) {
			if i == 0 {
				out = append(out, "  - "+l)
			} else {
				out = append(out, "    "+l)
			}
		}
	}
	// Each request by its file and hash: two rows of one project are told
	// apart, and each file matched with the one its maintainers sent.
	out = append(out, "", s.Title.Render("Requests read: file, SHA-256 (its first bytes as PGP words)"))
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		item(safetext.Escape(filepath.Base(v.File)) + "  " + requestHash(v.SHA256))
	}
	if r.Count(claims.Refused) > 0 {
		out = append(out, "", s.Invalid.Render("Refused: the reason to send each request's maintainers"))
		for i := range r.Verdicts {
			if v := &r.Verdicts[i]; v.Claim == nil {
				name := safetext.Escape(filepath.Base(v.File))
				if v.Project != "" {
					name += " (" + safetext.Escape(v.Project) + ")"
				}
				item(name + ": " + safetext.Escape(v.Reason))
			}
		}
	}
	flagged := false
	for i := range r.Verdicts {
		v := &r.Verdicts[i]
		for _, f := range v.Flags {
			if !flagged {
				out = append(out, "", s.Pending.Render("Flags: look at these before y"))
				flagged = true
			}
			item(safetext.Escape(filepath.Base(v.File)) + ": " + safetext.Escape(f))
		}
	}
	if len(r.Ignored) > 0 {
		names := make([]string, len(r.Ignored))
		for i, n := range r.Ignored {
			names[i] = safetext.Escape(n)
		}
		out = append(out, "")
		item("ignored (not *" + claims.RequestSuffix + "): " + strings.Join(names, ", "))
	}
	out = append(out, "")
	if add := len(res.Accepted); add > 0 {
		for _, l := range wrap(fmt.Sprintf("claimed delegates to %d project(s) now; claimed v%d will delegate to %d, once claimed's keyholders sign it.",
			r.Claimed, res.ClaimedVersion, r.Claimed+add), width) {
			out = append(out, l)
		}
	} else {
		for _, l := range wrap(fmt.Sprintf("claimed delegates to %d project(s) and stays as it is: no workspace is created.", r.Claimed), width) {
			out = append(out, l)
		}
	}
	return out
}

// requestHash is a request's SHA-256 as read aloud: its first 12 hex
// digits and its first 4 bytes as PGP words.
func requestHash(sum string) string {
	if sum == "" {
		return "sha256 (not read)"
	}
	b, err := hex.DecodeString(sum)
	if err != nil || len(b) < 4 {
		return "sha256 " + safetext.Escape(sum)
	}
	return "sha256 " + sum[:12] + " (" + bundle.PGPWords(b[:4]) + ")"
}

func (m Model) claimsReviewView() []string {
	return m.readFirstView(m.claimsHead(), m.claimsLines(), m.claimsRoom(), m.claims.Scroll, m.claims.accepted(), " · the end: esc goes back")
}

// holder: a claims workspace's status names its keyholders.
func (c *claimsInfo) holder(string) string { return "" }

// signsNothing: every key of claimed's keyholders may sign.
func (c *claimsInfo) signsNothing(string) bool { return false }

// banner says, on a claims workspace's plan screen, what the ceremony is:
// claimed's next version and the projects it adds.
func (c *claimsInfo) banner(m Model) []string {
	s := m.styles
	names := c.projects()
	lines := []string{s.Pending.Render("PEP 480 CLAIMS CEREMONY") + fmt.Sprintf(" · signing claimed v%d · adds %d project(s)", c.accepted.ClaimedVersion, len(names))}
	for _, l := range wrap(nameRun(names, 2*(m.width-6)), m.width-4) {
		lines = append(lines, "  "+l)
	}
	lines = append(lines, fmt.Sprintf("  claimed delegated to %d project(s) before; %d request(s) refused, %d unchanged",
		c.review.ClaimedBefore, c.count(claims.Refused), c.count(claims.ChangeUnchanged)))
	return append(lines, s.Dim.Render("  the requests and their review: "+workspace.ClaimsDir+"/ and "+workspace.ClaimsReviewFile+" in the workspace"))
}

// reviewNote is the line the review before the PIN opens with in a
// claims ceremony: where the projects added are.
func (c *claimsInfo) reviewNote(m Model) []string {
	n := len(c.accepted.Projects)
	return []string{m.styles.Pending.Render(fmt.Sprintf("claims ceremony: %d project(s) added to claimed, each a + under delegations", n))}
}

// finish says, on a claims workspace's finish screen, what the bundle
// holds and what the online side does with it.
func (c *claimsInfo) finish(m Model, written bool) []string {
	s := m.styles
	holds := fmt.Sprintf("claimed v%d, the %d claim request(s) taken in, their review (%s) and %s",
		c.accepted.ClaimedVersion, c.requestsKept(), workspace.ClaimsReviewFile, workspace.AcceptedFile)
	if !written {
		var out []string
		for _, l := range wrap("with "+holds, m.width-4) {
			out = append(out, "  "+l)
		}
		return out
	}
	text := fmt.Sprintf("the bundle holds %s; the online side drops %s from recently-claimed, then signs snapshot and timestamp (its README.txt says how)",
		holds, nameRun(c.projects(), 2*(m.width-6)))
	var out []string
	for _, l := range wrap(text, m.width-4) {
		out = append(out, s.Pending.Render("  "+l))
	}
	return out
}

// nameRun names projects, as many as fit in room characters, then how
// many more.
func nameRun(names []string, room int) string {
	all := strings.Join(names, ", ")
	if len(all) <= room {
		return all
	}
	out := ""
	for i, n := range names {
		more := fmt.Sprintf(" and %d more", len(names)-i)
		next := n
		if out != "" {
			next = out + ", " + n
		}
		if len(next)+len(fmt.Sprintf(" and %d more", len(names)-i-1)) > room {
			if out == "" {
				return fmt.Sprintf("%d projects", len(names))
			}
			return out + more
		}
		out = next
	}
	return out
}

// cut cuts s to width cells, marking the cut with "…".
func cut(s string, width int) string {
	if r := []rune(s); len(r) > width {
		return string(r[:width-1]) + "…"
	}
	return s
}

// shortScheme is a key scheme as the table shows it.
func shortScheme(scheme string) string {
	switch scheme {
	case keys.SchemeECDSAP256:
		return "p256"
	case keys.SchemeECDSAP384:
		return "p384"
	}
	return safetext.Escape(scheme)
}
