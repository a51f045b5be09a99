package tui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// The views of a signing's outcome, of the end of the ceremony and of a
// verification's result.

func (m Model) signedView() []string {
	s := m.styles
	o := m.walk.outcome
	if o == nil {
		return nil
	}
	if o.seal {
		return m.sealSignedLines(o)
	}
	p := o.person
	if o.err != nil {
		return m.signFailedLines(o)
	}
	var roles []string
	if o.res != nil {
		for _, sg := range o.res.Signed {
			roles = append(roles, sg.Role)
		}
	}
	lines := []string{s.Met.Render(fmt.Sprintf("✓ %s signed %s with %s", p.Name, strings.Join(roles, ", "), p.Device)),
		"  each signature was verified against the key at once, and recorded"}
	if len(roles) == 0 && o.res != nil && len(o.res.Completed) > 0 {
		// Nothing was signed now: the signature was made and recorded
		// before an interruption, and is written now.
		lines = []string{s.Met.Render(fmt.Sprintf("✓ %s's signature of %s, recorded before an interruption, is written now", p.Name, strings.Join(o.res.Completed, ", "))),
			"  nothing was left to sign with this key"}
	}
	if o.res != nil {
		for _, n := range o.res.Notices {
			lines = append(lines, s.Pending.Render("! "+n))
		}
	}
	if next, ok := m.walk.next(); ok {
		lines = append(lines, "", "next: "+next.Name+" with "+next.Device)
	} else {
		lines = append(lines, "", "next: the end of the signing, the seal and the bundle")
	}
	return lines
}

// signFailedLines says how a signing failed: what was signed before the
// failure (each signature is recorded as it is made), why, and what to do.
func (m Model) signFailedLines(o *signOutcome) []string {
	s := m.styles
	p := o.person
	var signed []string
	if o.res != nil {
		for _, sg := range o.res.Signed {
			signed = append(signed, sg.Role)
		}
	}
	var lines []string
	if len(signed) > 0 {
		lines = append(lines, s.Met.Render(fmt.Sprintf("✓ %s signed %s: recorded and counted", p.Name, strings.Join(signed, ", "))),
			s.Error.Render(fmt.Sprintf("✗ then %s's signing stopped; the rest is not signed", p.Name)), "")
	} else {
		lines = append(lines, s.Error.Render(fmt.Sprintf("✗ %s did not sign", p.Name)), "")
	}
	lines = append(lines, wrap(o.err.Error()+hintText(o.err), m.width-2)...)
	lines = append(lines, "")
	switch {
	case m.canUnblock():
		lines = append(lines, wrap("The PIN is blocked: no PIN is asked again. u unblocks it here: "+p.Name+" types the YubiKey's PUK, then a new PIN twice (a wrong PUK costs one of its tries, 3 from the factory; with none left only a reset, which destroys the key, remains). Or x skips "+p.Name+".", m.width-2)...)
	case errors.Is(o.err, keys.ErrPINBlocked) && m.walk.pukBlocked:
		lines = append(lines, wrap("The PIN and the PUK are blocked: "+p.Name+"'s YubiKey cannot sign again; only a reset, which destroys its key, remains. x skips "+p.Name+".", m.width-2)...)
	case errors.Is(o.err, keys.ErrPINBlocked) && m.walk.seal.active() && strings.HasPrefix(m.walk.person.URI, "yubikey:"):
		lines = append(lines, wrap("The PIN is blocked: no PIN is asked again, and it is not unblocked while the seal is under way (the record of it would change the transcript being sealed). x passes over "+p.Name+" as a sealer.", m.width-2)...)
	case errors.Is(o.err, keys.ErrPINBlocked):
		lines = append(lines, wrap("The PIN is blocked: no PIN is asked again. The token's security officer unblocks it, away from this screen, with the token's own tools; then enter checks the device again. Or x skips "+p.Name+".", m.width-2)...)
	case errors.Is(o.err, keys.ErrFactoryPIN):
		lines = append(lines, "Nothing was sent to the device. Enter goes back to the device; then type",
			p.Name+"'s own PIN.")
	case len(signed) > 0:
		lines = append(lines, "The failure is in the transcript. Enter goes back to the device to sign",
			"what is left; x skips "+p.Name+".")
	default:
		lines = append(lines, "Nothing was signed; the failure is in the transcript.",
			"Enter goes back to the device: check it, then sign again (a new PIN try).")
	}
	return lines
}

func (m Model) finishView() []string {
	s := m.styles
	st := m.walk.status
	var lines []string
	switch {
	case m.walk.sealed():
		lines = append(lines, m.sealedLines()...)
	case st != nil && st.AllMet():
		lines = append(lines, s.Met.Render("every threshold is met"))
	default:
		lines = append(lines, s.Pending.Render("no keyholder present is left to sign, and signatures are missing:"))
		for _, l := range m.walk.missing() {
			lines = append(lines, "  "+l)
		}
		lines = append(lines, "", "r takes the roll call again when someone arrives; q leaves, and",
			"'ceremony tui "+m.ws+"' resumes here later.")
	}
	lines = append(lines, "", s.Title.Render("who signed what"))
	if st != nil {
		for _, r := range st.Roles {
			for i, c := range r.Thresholds {
				lines = append(lines, fmt.Sprintf("  %s: %s", roleRuleLabel(r, i, c), holders(c.Signed)))
			}
		}
	}
	b := m.walk.bundle
	switch {
	case b != nil:
		hex := groupHex(b.SHA256)
		lines = append(lines, "")
		for _, l := range wrap(bundleHeadline(b), m.width-2) {
			lines = append(lines, s.Met.Render(l))
		}
		lines = append(lines, "  SHA-256 "+hex[:min(35, len(hex))], "          "+hex[min(36, len(hex)):])
		for _, l := range wrap(b.PGPWords, m.width-4) {
			lines = append(lines, "  "+s.Prompt.Render(l))
		}
		lines = append(lines, s.Dim.Render("  read the words aloud; at the server 'ceremony verify' prints the same"))
		lines = append(lines, m.kindFinish(true)...)
		if m.walk.sealed() && !m.wordsConfirmed() {
			lines = append(lines, "", "enter: the words are copied onto the script; record who confirmed them")
		}
		lines = append(lines, "", "v verifies and replays the bundle as the server operator and an auditor will")
		if b.OnlineKeyChanged {
			lines = append(lines, s.Pending.Render("  the online key changes: it must be live on the server before the new root"))
		}
	case m.walk.bundling:
		lines = append(lines, "", "writing the bundle...")
	case m.walk.sealed():
		lines = append(lines, "", "b writes the bundle to carry to the online server: "+safetext.Escape(m.bundlePath()))
		if len(st.Bundles) > 0 {
			lines = append(lines, s.Dim.Render("  the same bytes as the bundle the transcript records; nothing is appended"))
		} else {
			lines = append(lines, s.Dim.Render("  the transcript records it"))
		}
		lines = append(lines, m.kindFinish(false)...)
	case st != nil && st.AllMet():
		lines = append(lines, "", "enter goes to the seal; the bundle is written after it")
	}
	return lines
}

// bundleHeadline says what became of the bundle: written, or found in
// place with the same bytes; and whether the transcript named it before.
func bundleHeadline(b *ceremony.BundleResult) string {
	line := "✓ bundle written: " + safetext.Escape(b.Out)
	if b.Again {
		line = "✓ " + safetext.Escape(b.Out) + " holds this very bundle already (the same bytes)"
	}
	if b.RecordedAt != 0 {
		line += fmt.Sprintf("; the transcript named it at record %d", b.RecordedAt)
	}
	return line
}

func (m Model) resultView() []string {
	s := m.styles
	title := s.Met.Render(m.result.title)
	if !m.result.ok {
		title = s.Error.Render(m.result.title)
	}
	all := m.resultLines()
	shown, first, last := m.result.Window(all, m.resultRoom())
	lines := append([]string{title, ""}, shown...)
	if foot := scrollFoot(first, last, len(all), ""); foot != "" {
		lines = append(lines, s.Dim.Render(foot))
	}
	return lines
}

// resultLines are the result's lines wrapped to the window, a wrapped
// line's rest indented: a warning is read whole, never cut.
func (m Model) resultLines() []string {
	var all []string
	for _, l := range m.result.lines {
		indent := l[:len(l)-len(strings.TrimLeft(l, " "))]
		for i, w := range wrap(l, m.width-4-len(indent)) {
			if i > 0 {
				w = "    " + w
			}
			all = append(all, indent+w)
		}
	}
	return all
}

// resultRoom is how many lines of a result the window shows: all but the
// title, a blank line and where the window is.
func (m Model) resultRoom() int { return max(m.bodyRoom()-3, 3) }

// resultScreen is the outcome of a verification, to read.
type resultScreen struct {
	title string
	lines []string
	ok    bool
	widget.Scroll
}
