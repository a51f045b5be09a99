package tui

import (
	"fmt"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// The views of the walk-through, one per screen, in the order a ceremony
// meets them.

func (m Model) chooserView() []string {
	s := m.styles
	lines := []string{s.Title.Render("ceremony · choose a ceremony"), ""}
	row, at := 0, 0
	item := func(title, what string) {
		cursor := "  "
		if row == m.chooser.cursor {
			cursor = s.Prompt.Render("> ")
			title = s.Prompt.Render(title)
			at = len(lines)
		}
		lines = append(lines, cursor+title, "    "+s.Dim.Render(what))
		row++
	}
	for _, c := range m.choices() {
		item(c.title, c.what)
	}
	lines = append(lines, "", s.Title.Render("workspaces found in "+m.chooser.dir))
	switch {
	case !m.chooser.scanned:
		lines = append(lines, "  looking...")
	case len(m.chooser.found) == 0:
		lines = append(lines, "  "+s.Dim.Render("none (a workspace is a directory 'ceremony init' made)"))
	}
	for _, f := range m.chooser.found {
		item("Resume "+safetext.Escape(f.dir), safetext.Escape(f.summary))
	}
	// Many workspaces found: the list scrolls under the title to keep the
	// cursor's item in the window.
	if room := m.bodyRoom(); len(lines) > room && room > 4 {
		start := min(max(at+2-room+2, 2), len(lines)-(room-2))
		lines = append(lines[:2:2], lines[start:start+room-2]...)
	}
	return lines
}

func (m Model) formView() []string {
	s := m.styles
	lines := []string{s.Title.Render(m.form.title), ""}
	for i, f := range m.form.fields {
		// A value typed, pasted or filled in from a directory name is
		// shown escaped.
		value := safetext.Escape(f.Value.String())
		switch {
		case f.YesNo && value == "yes":
			value = "[x] yes"
		case f.YesNo:
			value = "[ ] no"
		case f.Optional && value == "" && i != m.form.focus:
			value = s.Dim.Render("-")
		}
		if i == m.form.focus {
			cursor := "█"
			if f.YesNo {
				cursor = ""
			}
			// A value longer than the line shows its end, where the cursor is.
			if room := m.width - len("> "+f.Label+": ") - 1; room > 1 {
				value = widget.NewText(value).Tail(room)
			}
			lines = append(lines, s.Prompt.Render("> "+f.Label+": ")+value+cursor)
		} else {
			lines = append(lines, "  "+f.Label+": "+value)
		}
	}
	if m.statusErr && m.statusLine != "" {
		lines = append(lines, "")
		for _, l := range wrap("✗ "+m.statusLine, m.width-2) {
			lines = append(lines, s.Error.Render(l))
		}
	}
	lines = append(lines, "")
	for _, n := range m.form.notes {
		lines = append(lines, s.Dim.Render(n))
	}
	return append(lines, s.Dim.Render("Paths are relative to the directory 'ceremony' runs in."))
}

func (m Model) welcomeView() []string {
	s := m.styles
	if m.rehearsal == nil {
		return []string{
			s.Title.Render("ceremony · new workspace"), "",
			"plan:      " + m.plan,
			"workspace: " + m.ws, "",
			"enter asks for today's date, then checks the whole plan and creates the",
			"workspace ('ceremony init'); nothing is signed yet.",
		}
	}
	lines := []string{
		s.Invalid.Render("REHEARSAL") + s.Title.Render(" · a practice ceremony on simulated devices"), "",
		"Nothing here is real: the YubiKeys and HSM tokens are simulated and the",
		"PINs guard nothing, so they are shown. On the day, each keyholder brings",
		"their own device and types their own PIN unseen.", "",
		s.Title.Render(fmt.Sprintf("  %-8s %-34s %s", "holder", "device", "practice PIN or passphrase")),
	}
	var puks []string
	for _, p := range m.rehearsal.Practice {
		lines = append(lines, fmt.Sprintf("  %-8s %-34s %s", safetext.Escape(p.Holder), safetext.Escape(p.Device), safetext.Escape(p.Secret)))
		if p.PUK != "" {
			puks = append(puks, safetext.Escape(p.Holder)+" "+safetext.Escape(p.PUK))
		}
	}
	if len(puks) > 0 {
		lines = append(lines, "")
		lines = append(lines, wrap("YubiKey PUKs, to practise unblocking a blocked PIN (u): "+strings.Join(puks, ", "), m.width-2)...)
	}
	lines = append(lines, "")
	if m.scenario != nil {
		lines = append(lines, s.Title.Render("scenario: "+m.scenario.Name))
		lines = append(lines, m.scenario.Story...)
		lines = append(lines, "")
	} else {
		lines = append(lines, "plan: "+m.plan)
	}
	return append(lines,
		"The reader takes one YubiKey at a time: on a keyholder's turn, press i to",
		"insert a virtual one (try the wrong one too).")
}

func (m Model) planView() []string {
	s := m.styles
	st := m.walk.status
	if st == nil {
		if m.walk.loading {
			return []string{s.Title.Render("ceremony · " + m.ws), "reading the workspace..."}
		}
		return []string{s.Title.Render("ceremony · " + m.ws), "no workspace to show (see the error below)"}
	}
	head := fmt.Sprintf("the plan · %s · %s %s · %s", orDash(st.Repository), st.Profile, st.Kind, st.Dir)
	lines := []string{s.Title.Render(head)}
	banner := m.kindBanner()
	lines = append(lines, banner...)
	for _, w := range st.Warnings {
		for _, l := range wrap("warning: "+w, m.width-2) {
			lines = append(lines, s.Error.Render(l))
		}
	}
	for _, u := range st.Unwritten {
		for _, l := range wrap("not written yet: "+u, m.width-2) {
			lines = append(lines, s.Pending.Render(l))
		}
	}
	// A rotation names keys "carol (compromised key)": the column widens.
	// A rotation names keys "carol (compromised key)", and has no
	// contacts: the columns fit what they hold.
	nameW, contactW := 9, 7
	for _, p := range st.People {
		nameW = max(nameW, len([]rune(p.Name)))
		contactW = min(max(contactW, len([]rune(p.Contact))), 24)
	}
	lines = append(lines, s.Title.Render(fmt.Sprintf("  %-*s %-*s %-30s %s", nameW, "keyholder", contactW, "contact", "device", "attested")))
	var witnesses []string
	for _, p := range st.People {
		if p.Witness {
			witnesses = append(witnesses, p.Name)
			continue
		}
		att := "-"
		if p.Attested {
			att = "yes"
		}
		lines = append(lines, fmt.Sprintf("  %-*s %-*s %-30s %s", nameW, p.Name, contactW, orDash(p.Contact), orDash(p.Device), att))
	}
	if len(witnesses) > 0 {
		lines = append(lines, "  witnesses: "+strings.Join(witnesses, ", "))
	}
	lines = append(lines, s.Title.Render(fmt.Sprintf("  %-9s %-4s %-10s %-10s %s", "role", "ver", "expires", "threshold", "keys of")))
	for _, r := range st.Roles {
		for i, c := range r.Thresholds {
			role, ver, exp := r.Role, fmt.Sprintf("v%d", r.Version), r.Expires.UTC().Format(time.DateOnly)
			if i > 0 {
				role, ver, exp = "", "", ""
			}
			who := holders(append(append([]ceremony.Party(nil), c.Signed...), c.Missing...))
			if len(r.Thresholds) > 1 {
				who = ruleLabel(r, i, c) + ": " + who
			}
			rule := fmt.Sprintf("%d of %d", c.Threshold, len(c.Signed)+len(c.Missing)+len(c.Invalid))
			lines = append(lines, fmt.Sprintf("  %-9s %-4s %-10s %-10s %s", role, ver, exp, rule, who))
		}
	}
	if r, ok := m.walk.reading(); ok {
		return append(lines, "", r.advice)
	}
	return append(lines, "", "Check the table against the printed plan, then take the roll call.")
}

// markRow is the start of a row of a list people are marked in (the roll
// call, who seals, who confirmed the words): the cursor, then the box.
func markRow(s Styles, atCursor, marked bool) string {
	cursor, box := "  ", "[ ]"
	if atCursor {
		cursor = s.Prompt.Render("> ")
	}
	if marked {
		box = s.Met.Render("[x]")
	}
	return cursor + box
}

func (m Model) rollCallView() []string {
	s := m.styles
	lines := []string{s.Title.Render("roll call · who is in the room?"), ""}
	for i, e := range m.walk.names() {
		role := "keyholder"
		if e.witness {
			role = "witness"
		}
		lines = append(lines, fmt.Sprintf("%s %-9s %-9s %s", markRow(s, i == m.walk.cursor, m.walk.present[e.name]), e.name, role, orDash(e.contact)))
	}
	return append(lines, "",
		"Mark each person who is here. The roll call goes into the transcript;",
		"then each keyholder present signs in turn, in the plan's order.")
}

func (m Model) deviceView() []string {
	s := m.styles
	p := m.walk.person
	title := fmt.Sprintf("%s's turn · to sign: %s", p.Name, strings.Join(m.walk.rolesFor(p.KeyID), ", "))
	if sw := m.walk.seal; sw.active() {
		title = fmt.Sprintf("%s's turn · to seal the ceremony (%d of %d)", p.Name, len(sw.sigs)+1, len(sw.queue))
	}
	lines := []string{s.Title.Render(title), ""}
	for _, l := range wrap(fmt.Sprintf("%s: %s", p.Name, presentVerb(p)), m.width-2) {
		lines = append(lines, s.Prompt.Render(l))
	}
	c := m.walk.check
	switch {
	case m.walk.checkErr != nil:
		lines = append(lines, s.Error.Render("✗ "+m.walk.checkErr.Error()))
	case c == nil:
		lines = append(lines, s.Dim.Render("… looking for the device"))
	case c.Present:
		here := fmt.Sprintf("✓ %s is here and holds %s's key %s", c.Device, p.Name, shortID(p.KeyID))
		if c.Note != "" {
			here = fmt.Sprintf("✓ %s is here", c.Device)
		}
		for _, l := range wrap(here, m.width-2) {
			lines = append(lines, s.Met.Render(l))
		}
		if c.PINTries >= 0 {
			lines = append(lines, "  "+countNoun(c.PINTries, "PIN try left", "PIN tries left"))
		}
		if c.Note != "" {
			for _, l := range wrap(c.Note, m.width-4) {
				lines = append(lines, "  "+s.Dim.Render(l))
			}
		}
		if a := c.Attested; a != nil {
			for i, l := range wrap("✓ attested: "+attestedLine(a), m.width-4) {
				if i > 0 {
					l = "  " + l
				}
				lines = append(lines, s.Met.Render(l))
			}
			root := "Yubico's root"
			if m.rehearsal != nil {
				root = "the rehearsal's virtual root"
			}
			lines = append(lines, "  "+s.Dim.Render("the key was made on this device (checked against "+root+")"))
		}
	default:
		for _, l := range wrap("✗ "+c.Problem+hintLine(c.Hints), m.width-2) {
			lines = append(lines, s.Pending.Render(l))
		}
		for _, o := range c.Others {
			lines = append(lines, s.Pending.Render("  inserted: "+o))
		}
		lines = append(lines, s.Dim.Render("… looking again every second"))
	}
	if pr, ok := m.practice(p.Name); ok {
		lines = append(lines, "", s.Invalid.Render("REHEARSAL")+fmt.Sprintf(" practice %s for %s: %s", secretWord(p.URI), p.Name, pr.Secret))
	}
	if c != nil && c.Present {
		lines = append(lines, "", "Press enter to see what "+p.Name+" is about to sign.")
	}
	return lines
}

// presentVerb says what the keyholder must do to present their key.
func presentVerb(p ceremony.Person) string {
	if u, err := keys.ParseURI(p.URI); err == nil {
		switch u.Scheme {
		case "yubikey":
			return "insert " + p.Device
		case "pkcs11":
			return "connect " + p.Device
		}
	}
	return "make " + p.Device + " available"
}

// secretWord is what the key's secret is called.
func secretWord(uri string) string {
	if u, err := keys.ParseURI(uri); err == nil && u.Scheme == "file" {
		return "passphrase"
	}
	return "PIN"
}

func (m Model) practice(holder string) (Practice, bool) {
	if m.rehearsal == nil {
		return Practice{}, false
	}
	for _, p := range m.rehearsal.Practice {
		if p.Holder == holder {
			return p, true
		}
	}
	return Practice{}, false
}

func (m Model) trayView() []string {
	s := m.styles
	lines := []string{s.Invalid.Render("REHEARSAL") + s.Title.Render(" · which virtual YubiKey goes in the reader?"), ""}
	cards := m.rehearsal.cards()
	for i, p := range cards {
		cursor := "  "
		if i == m.walk.trayCursor {
			cursor = s.Prompt.Render("> ")
		}
		lines = append(lines, fmt.Sprintf("%s%s (%s's)", cursor, safetext.Escape(p.Device), safetext.Escape(p.Holder)))
	}
	cursor := "  "
	if m.walk.trayCursor == len(cards) {
		cursor = s.Prompt.Render("> ")
	}
	return append(lines, cursor+"take the YubiKey out", "", s.Dim.Render("Inserting one takes the one in the reader out, as with one USB port."))
}

func (m Model) reviewView() []string {
	s := m.styles
	lines := m.reviewHead()
	switch {
	case m.walk.reviewErr != nil:
		return append(lines, s.Error.Render("✗ the change cannot be shown: "+m.walk.reviewErr.Error()),
			"Do not sign what you cannot see: press esc, and record a note.")
	case m.walk.review == nil:
		return append(lines, "comparing with what clients trust now...")
	}
	all := m.reviewLines()
	shown, first, last := m.walk.reviewScroll.Window(all, m.reviewRoom())
	lines = append(lines, shown...)
	if foot := scrollFoot(first, last, len(all), ""); foot != "" {
		lines = append(lines, s.Dim.Render(foot))
	}
	return lines
}

// reviewHead is the review screen's title and, in a claims ceremony, where
// the projects added are.
func (m Model) reviewHead() []string {
	title := m.styles.Title.Render(fmt.Sprintf("what %s is about to sign · read it aloud before the PIN", m.walk.person.Name))
	if m.walk.seal.active() {
		// The seal's statement is all there is to read.
		return []string{title, ""}
	}
	return append(append([]string{title}, m.kindReviewNote()...), "")
}

// reviewLines is the change to sign wrapped to the window, a wrapped
// line's rest indented.
func (m Model) reviewLines() []string {
	var all []string
	for _, l := range m.walk.review {
		for i, w := range wrap(l, m.width-4) {
			if i > 0 {
				w = "    " + w
			}
			all = append(all, w)
		}
		if l == "" {
			all = append(all, "")
		}
	}
	return all
}

// reviewRoom is how many lines of the change the window shows, one kept
// for where the window is.
func (m Model) reviewRoom() int {
	return max(m.bodyRoom()-len(m.reviewHead())-1, 3)
}

func (m Model) signingView() []string {
	s := m.styles
	p := m.walk.person
	title := fmt.Sprintf("%s is signing with %s", p.Name, p.Device)
	if m.walk.unblocking {
		title = fmt.Sprintf("%s's %s: unblocking the PIN with the PUK", p.Name, p.Device)
	}
	lines := []string{s.Title.Render(title), "", "the device is working: keep it in place"}
	for _, n := range m.walk.notices {
		lines = append(lines, s.Pending.Render("! "+n))
	}
	return lines
}

// pinEachSignature: the device asks its PIN for each signature, as a
// YubiKey slot attested with PIN policy "always" does.
func (m Model) pinEachSignature() bool {
	c := m.walk.check
	return c != nil && c.Attested != nil && c.Attested.YubiKey != nil && c.Attested.YubiKey.PINPolicy == "always"
}

// attestedLine says what a device attestation attests, shortly.
func attestedLine(a *attestation.Attested) string {
	if y := a.YubiKey; y != nil {
		return fmt.Sprintf("YubiKey %d, firmware %s, slot %s, PIN %s, touch %s", a.Serial, a.Firmware, y.Slot, y.PINPolicy, y.TouchPolicy)
	}
	h := a.YubiHSM
	return fmt.Sprintf("YubiHSM 2 %d, firmware %s, object %#04x %q, %s, not exportable", a.Serial, a.Firmware, h.ObjectID, h.Label, h.OriginText())
}

func (m Model) pinView() []string {
	s := m.styles
	p := m.walk.person
	req := m.walk.pin.req
	title := fmt.Sprintf("%s: type the %s of %s", p.Name, req.Kind, p.Device)
	switch {
	case req.Again:
		title = fmt.Sprintf("%s: type the new PIN of %s again", p.Name, p.Device)
	case req.New:
		title = fmt.Sprintf("%s: choose a new PIN for %s (6 to 8 characters)", p.Name, p.Device)
	}
	lines := []string{s.Title.Render(title)}
	if n := len(m.walk.signRoles); n > 1 && m.walk.pins <= n && req.Kind == keys.PIN && m.pinEachSignature() {
		lines = append(lines, fmt.Sprintf("for signature %d of %d: %s (the device asks its PIN for each signature)", m.walk.pins, n, m.walk.signRoles[m.walk.pins-1]))
	}
	if req.Form != "" {
		for _, l := range wrap("the "+req.Kind.String()+" is "+req.Form, m.width-2) {
			lines = append(lines, s.Dim.Render(l))
		}
	}
	lines = append(lines, "")
	switch {
	case req.TriesLeft == 1:
		lines = append(lines, s.Invalid.Render("LAST TRY: a wrong PIN now locks the device"))
	case req.TriesLeft > 0:
		lines = append(lines, s.Pending.Render(fmt.Sprintf("%d tries left: a wrong %s costs one", req.TriesLeft, req.Kind)))
	}
	label := req.Kind.String()
	if req.New {
		label = "new " + label
	}
	lines = append(lines, "", s.Prompt.Render(label+": ")+m.walk.pin.secret.Masked()+"█", "",
		s.Dim.Render("It goes to the device once: never stored, logged or retried by itself."))
	if pr, ok := m.practice(p.Name); ok {
		lines = append(lines, "", s.Invalid.Render("REHEARSAL")+" "+practiceHint(req, pr, secretWord(p.URI)))
	}
	for _, n := range m.walk.notices {
		lines = append(lines, s.Pending.Render("! "+n))
	}
	return lines
}

// practiceHint is the practice secret the PIN screen asks for: the PUK,
// or the practice PIN again as the new one, so the practice card stays
// true.
func practiceHint(req keys.SecretRequest, pr Practice, word string) string {
	switch {
	case req.Kind == keys.PUK:
		return "practice PUK: " + pr.PUK
	case req.New:
		return "new PIN: the practice PIN again, " + pr.Secret
	}
	return fmt.Sprintf("practice %s: %s", word, pr.Secret)
}

// touchTimeout is how long a YubiKey waits for a touch.
const touchTimeout = 15 * time.Second

func (m Model) touchView() []string {
	s := m.styles
	waited := max(m.walk.touchNow.Sub(m.walk.touchAt), 0).Truncate(time.Second)
	left := max(touchTimeout-waited, 0)
	lines := []string{
		s.Title.Render(m.walk.person.Name + ": touch your YubiKey now"), "",
		s.Prompt.Render(m.walk.touch),
		fmt.Sprintf("waiting %ds · %ds left before the YubiKey gives up", int(waited.Seconds()), int(left.Seconds())),
		"", s.Dim.Render("No touch in time: nothing is signed; then try again from the next screen."),
	}
	if m.practisesTouch() {
		lines = append(lines, "", s.Invalid.Render("REHEARSAL")+" press t: the finger on the virtual YubiKey")
	}
	return lines
}

// groupHex spaces a hex digest in groups of eight, to read and compare.
func groupHex(h string) string {
	var parts []string
	for len(h) > 8 {
		parts = append(parts, h[:8])
		h = h[8:]
	}
	return strings.Join(append(parts, h), " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
