package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/tui/widget"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// walk is the state of a ceremony walk-through: who is in the room, whose
// turn it is, what their device and the change look like, and the outcome
// of each signing. The workspace is the truth; walk only remembers what the
// people in the room decided (present, skipped) and what the screens show.
type walk struct {
	status  *ceremony.Status
	loading bool
	// statusRead is the number of the status read shown last
	// (statusReads): an earlier read that ends later is not shown.
	statusRead int64
	// unblocking: the device's PIN is being unblocked with its PUK (the
	// PIN screen asks for the PUK and the new PIN).
	unblocking bool
	// pukBlocked: the last try to unblock the PIN found the PUK blocked
	// too; u is no longer offered for this outcome.
	pukBlocked bool
	// touchSent: t was pressed for the touch the device asks for now
	// (rehearsal); a second press does nothing.
	touchSent bool
	// recounting: a signing ended and the status is being read again;
	// advance: enter came meanwhile, and the walk moves on once it is read
	// (who is next depends on the new counts).
	recounting bool
	advance    bool
	// stale: the recount failed; the counts shown are from before the
	// signing, and enter reads them again before it moves on.
	stale bool

	// kind is what the workspace's kind adds to the status, once read
	// (a rotation's plan, a claims ceremony's projects); kindErr says why
	// it could not be, kindLoading that it is being read.
	kind        walkKind
	kindErr     error
	kindLoading bool

	// present is the roll call, by person name; called says it was taken.
	present map[string]bool
	called  bool
	cursor  int
	// skipped and done are keys, by key ID, passed over in this session:
	// skipped by the operator, done once they signed (or had nothing left).
	skipped map[string]bool
	done    map[string]bool

	// The key whose turn it is.
	keyID  string
	person ceremony.Person
	// gen numbers the device polls; an answer from an older poll is stale.
	gen      int
	check    *ceremony.DeviceCheck
	checkErr error

	review       []string
	reviewErr    error
	reviewScroll widget.Scroll
	// reviewSeen: the review's last line has been in the window.
	reviewSeen bool

	signing bool
	// signRoles are the roles the signing in progress signs, in order;
	// pins counts the PIN requests it made (one per signature when the
	// device's PIN policy is "always").
	signRoles []string
	pins      int
	// touchWanted: the device announced it will want a touch; if a PIN
	// request comes first, the touch screen comes back after the PIN.
	touchWanted bool
	pin         pinPrompt
	touch       string
	touchAt     time.Time
	touchNow    time.Time
	notices     []string
	outcome     *signOutcome

	trayCursor int

	// seal is the end of the ceremony: the seal, the bundle's words.
	seal sealWalk

	bundling bool
	bundle   *ceremony.BundleResult
}

// signOutcome is how one keyholder's signing ended.
type signOutcome struct {
	person ceremony.Person
	res    *ceremony.SignResult
	err    error
	// seal: the signature was of the seal's statement.
	seal bool
}

func newWalk() walk {
	return walk{present: map[string]bool{}, skipped: map[string]bool{}, done: map[string]bool{}}
}

// names is the roll call: keyholders first, then witnesses, each once.
// In a rotation, a key that leaves because it was stolen or lost is not
// called, and a holder with an old and a new key is called once.
func (w walk) names() []rollEntry {
	var out []rollEntry
	seen := map[string]bool{}
	for _, witnesses := range []bool{false, true} {
		for _, p := range w.statusPeople() {
			name := w.personOf(p)
			if p.Witness != witnesses || seen[name] || w.leaving(p.KeyID) {
				continue
			}
			seen[name] = true
			out = append(out, rollEntry{name: name, contact: p.Contact, witness: p.Witness})
		}
	}
	return out
}

// personOf is who holds p's key: as the kind says (in a rotation, the
// plan's holder: "bob" for the key status calls "bob (previous key)"),
// else as the status says.
func (w walk) personOf(p ceremony.Person) string {
	if w.kind != nil {
		if h := w.kind.holder(p.KeyID); h != "" {
			return h
		}
	}
	return p.Name
}

// leaving reports whether the kind says key id signs nothing here: a
// rotation's stolen or lost key (ceremony.Sign refuses a stolen key in
// any case).
func (w walk) leaving(id string) bool {
	return w.kind != nil && w.kind.signsNothing(id)
}

// rollEntry is one line of the roll call.
type rollEntry struct {
	name, contact string
	witness       bool
}

func (w walk) statusPeople() []ceremony.Person {
	if w.status == nil {
		return nil
	}
	return w.status.People
}

// next is the next key to sign with: in plan order, a present keyholder's
// key that some role still lacks, not skipped or done in this session.
// Once every threshold is met there is none, unless the operator chose to
// call the others (seal.extra).
func (w walk) next() (ceremony.Person, bool) {
	if w.status != nil && w.status.AllMet() && !w.seal.extra {
		return ceremony.Person{}, false
	}
	for _, p := range w.statusPeople() {
		if p.Witness || p.URI == "" || !w.present[w.personOf(p)] || w.skipped[p.KeyID] || w.done[p.KeyID] || w.leaving(p.KeyID) {
			continue
		}
		if len(w.rolesFor(p.KeyID)) > 0 {
			return p, true
		}
	}
	return ceremony.Person{}, false
}

// rolesFor lists the roles that still lack key id's signature.
func (w walk) rolesFor(id string) []string {
	var out []string
	if w.status == nil {
		return nil
	}
	for _, r := range w.status.Roles {
	counts:
		for _, c := range r.Thresholds {
			for _, p := range c.Missing {
				if p.KeyID == id {
					out = append(out, fmt.Sprintf("%s v%d", r.Role, r.Version))
					break counts
				}
			}
		}
	}
	return out
}

// missing describes every unmet threshold, with who could still sign.
func (w walk) missing() []string {
	var out []string
	if w.status == nil {
		return nil
	}
	for _, r := range w.status.Roles {
		for i, c := range r.Thresholds {
			if c.Met {
				continue
			}
			out = append(out, fmt.Sprintf("%s: %d of %d signed, %d more from: %s", roleRuleLabel(r, i, c), len(c.Signed), c.Threshold,
				c.Threshold-len(c.Signed), holders(c.Missing)))
		}
	}
	return out
}

// updateWelcome: the rehearsal's practice card, or the plan a bootstrap
// starts from; enter creates the workspace.
func (m Model) updateWelcome(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Quit.Matches(msg):
		return m, tea.Quit
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
	case m.keys.Submit.Matches(msg) && m.scenario != nil:
		return m.openScenario()
	case m.keys.Submit.Matches(msg) && m.date.confirmed == "":
		return m.openDate(-1)
	case m.keys.Submit.Matches(msg):
		return m.createFromWelcome()
	}
	return m, nil
}

// createFromWelcome creates the workspace the welcome screen names.
func (m Model) createFromWelcome() (tea.Model, tea.Cmd) {
	m.setInfo("creating the workspace %s from %s...", m.ws, m.plan)
	return m, CreateWorkspace(m.engine, m.plan, m.trustedRoot, m.ws, m.date.confirmed)
}

// updatePlan: the plan's table; enter goes to the roll call.
func (m Model) updatePlan(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	if m.keys.Submit.Matches(msg) && m.walk.status != nil {
		if r, ok := m.walk.reading(); ok && m.walk.kind == nil {
			m.setError("%s is not read yet: %s", r.what, r.why)
			return m, nil
		}
		m.clearStatus()
		m.open(screenRollCall)
	}
	return m, nil
}

// updateRollCall: space marks present or absent, a marks everyone, enter
// records the roll call in the transcript and starts the signing.
func (m Model) updateRollCall(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	names := m.walk.names()
	switch {
	case m.keys.Up.Matches(msg):
		m.walk.cursor = max(m.walk.cursor-1, 0)
	case m.keys.Down.Matches(msg):
		m.walk.cursor = min(m.walk.cursor+1, max(len(names)-1, 0))
	case m.keys.Toggle.Matches(msg) && len(names) > 0:
		n := names[m.walk.cursor].name
		m.walk.present = copyMap(m.walk.present)
		m.walk.present[n] = !m.walk.present[n]
	case m.keys.All.Matches(msg):
		m.walk.present = map[string]bool{}
		for _, e := range names {
			m.walk.present[e.name] = true
		}
	case m.keys.Submit.Matches(msg):
		var here, away []string
		keyholders := 0
		for _, e := range names {
			label := e.name
			if e.witness {
				label += " (witness)"
			}
			if m.walk.present[e.name] {
				here = append(here, label)
				if !e.witness {
					keyholders++
				}
			} else {
				away = append(away, label)
			}
		}
		if keyholders == 0 {
			m.setError("no keyholder is marked present: space marks the one under the cursor, a marks everyone")
			return m, nil
		}
		m.walk.called = true
		m.walk.skipped, m.walk.done = map[string]bool{}, map[string]bool{}
		text := "roll call: present: " + strings.Join(here, ", ")
		if len(away) > 0 {
			text += "; absent: " + strings.Join(away, ", ")
		}
		m.setInfo("recording the roll call...")
		return m, RecordRollCall(m.ws, m.who, text)
	}
	return m, nil
}

// nextKeyholder moves to the next key to sign with, or to the end.
func (m Model) nextKeyholder() (tea.Model, tea.Cmd) {
	p, ok := m.walk.next()
	if !ok {
		if m.walk.status != nil && m.walk.status.AllMet() && !m.walk.sealed() {
			return m.openSeal()
		}
		m.open(screenFinish)
		return m, nil
	}
	m.walk.person, m.walk.keyID = p, p.KeyID
	m.walk.check, m.walk.checkErr, m.walk.review, m.walk.reviewErr = nil, nil, nil, nil
	m.walk.outcome, m.walk.notices = nil, nil
	m.walk.gen++
	m.open(screenDevice)
	return m, CheckDevice(m.engine, m.ws, p.KeyID, m.walk.gen)
}

// deviceChecked shows what the device check found and, until the right
// device is here, looks again shortly.
func (m Model) deviceChecked(msg deviceCheckedMsg) (tea.Model, tea.Cmd) {
	if msg.gen != m.walk.gen {
		return m, nil
	}
	m.walk.check, m.walk.checkErr = shownCheck(msg.check), msg.err
	if m.screen != screenDevice || msg.err != nil {
		return m, nil
	}
	return m, pollDevice(m.walk.gen)
}

// updateDevice: waits for the keyholder's device; enter (once it is here)
// shows the change to sign; x skips the keyholder; i (rehearsal) inserts a
// virtual YubiKey.
func (m Model) updateDevice(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	switch {
	case m.keys.Submit.Matches(msg):
		if m.walk.check == nil || !m.walk.check.Present {
			m.setError("%s's device is not ready yet: see above", m.walk.person.Name)
			return m, nil
		}
		m.clearStatus()
		m.walk.gen++ // stop polling
		if m.walk.seal.active() {
			m.walk.review, m.walk.reviewErr, m.walk.reviewScroll, m.walk.reviewSeen = sealReview(m.walk.seal.draft), nil, widget.Scroll{}, false
			m.walk.reviewSeen = m.reviewAtEnd()
			m.open(screenReview)
			return m, nil
		}
		// Read afresh each time: another signature may have landed.
		m.walk.review, m.walk.reviewErr = nil, nil
		m.open(screenReview)
		return m, LoadReview(m.engine, m.ws, m.walk.person.URI, m.walk.keyID)
	case m.keys.Skip.Matches(msg) && m.walk.seal.active():
		return m.skipSealer()
	case m.keys.Skip.Matches(msg):
		return m.skip("at the device step")
	case m.keys.Insert.Matches(msg) && m.rehearsal != nil && m.rehearsal.Tray != nil:
		m.walk.gen++
		m.walk.trayCursor = 0
		m.open(screenTray)
	}
	return m, nil
}

// skip asks why the current keyholder is to be passed over: the note
// prompt, whose enter skips them (skipWithReason) and esc does not.
func (m Model) skip(where string) (tea.Model, tea.Cmd) {
	m.skipAt = where
	m.open(screenNote)
	m.note, m.noteBy = widget.Text{}, 0
	m.clearStatus()
	return m, nil
}

// skipWithReason passes over the current key for this session and records
// why, and who said so, in the transcript.
func (m Model) skipWithReason(by, reason string) (tea.Model, tea.Cmd) {
	p, where := m.walk.person, m.skipAt
	m.skipAt = ""
	m.walk.skipped = copyMap(m.walk.skipped)
	m.walk.skipped[p.KeyID] = true
	m.walk.gen++
	note := fmt.Sprintf("%s's key %s (%s) skipped %s: %s", p.Name, shortID(p.KeyID), p.Device, where, reason)
	m.screen = m.back
	r, cmd := m.nextKeyholder()
	return r, tea.Batch(RecordNote(m.ws, by, note), cmd)
}

// reviewAtEnd reports whether the review's last line is in the window.
// (The review's help reads reviewSeen, never this: the window's room
// depends on the help.)
func (m Model) reviewAtEnd() bool {
	return m.walk.reviewScroll.Top+m.reviewRoom() >= len(m.reviewLines())
}

// updateReview: the change about to be signed; y signs once it was shown
// to its end; esc goes back.
func (m Model) updateReview(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	if next, ok := m.walk.reviewScroll.Update(msg, m.keys.scroll(), len(m.reviewLines()), m.reviewRoom()); ok && m.walk.review != nil {
		m.walk.reviewScroll = next
		m.walk.reviewSeen = m.walk.reviewSeen || m.reviewAtEnd()
		return m, nil
	}
	switch {
	case m.keys.Cancel.Matches(msg):
		return m.backToDevice()
	case m.keys.Skip.Matches(msg) && m.walk.seal.active():
		return m.skipSealer()
	case m.keys.Skip.Matches(msg):
		return m.skip("at the review")
	case m.keys.Sign.Matches(msg) && m.walk.review != nil && !m.walk.reviewSeen && !m.reviewAtEnd():
		m.setError("read it to its end first: pgdn or ↓ shows the rest, then y")
		return m, nil
	case m.keys.Sign.Matches(msg) && m.walk.seal.active():
		p := m.walk.person
		m.walk.signing, m.walk.outcome, m.walk.notices = true, nil, nil
		m.walk.signRoles, m.walk.pins, m.walk.touchWanted = nil, 0, false
		m.setInfo("%s is signing the seal...", p.Name)
		m.open(screenSigning)
		return m, SignSeal(m.engine, m.walk.seal.draft, p.KeyID, p.URI, m.bridge)
	case m.keys.Sign.Matches(msg):
		if m.walk.review == nil {
			m.setError("the change is not shown yet: wait for it, read it, then press y")
			return m, nil
		}
		p := m.walk.person
		m.walk.signing, m.walk.outcome, m.walk.notices = true, nil, nil
		m.walk.signRoles, m.walk.pins, m.walk.touchWanted = m.walk.rolesFor(p.KeyID), 0, false
		m.setInfo("signing as %s...", p.Name)
		m.open(screenSigning)
		return m, Sign(m.engine, m.ws, p.KeyID, p.URI, m.bridge)
	}
	return m, nil
}

func (m Model) backToDevice() (tea.Model, tea.Cmd) {
	m.walk.gen++
	m.walk.check = nil
	m.open(screenDevice)
	return m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen)
}

// updateFinish: b writes the bundle once every threshold is met; r takes
// the roll call again (someone arrived).
func (m Model) updateFinish(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	switch {
	case m.walk.bundling || m.walk.seal.finishing:
		return m, nil
	case m.keys.Bundle.Matches(msg) && m.walk.sealed():
		m.walk.bundling = true
		m.setInfo("writing the bundle %s...", m.bundlePath())
		return m, WriteBundle(m.engine, m.ws, m.bundlePath())
	case m.keys.Bundle.Matches(msg):
		m.setError("the bundle is written after the seal, once every threshold is met ('ceremony bundle --partial' writes one for review)")
		return m, nil
	case m.keys.Submit.Matches(msg) && m.walk.sealed() && m.walk.bundle != nil && !m.wordsConfirmed():
		return m.openWords()
	case m.keys.Submit.Matches(msg) && m.walk.status != nil && m.walk.status.AllMet() && !m.walk.sealed():
		return m.openSeal()
	case m.keys.Refresh.Matches(msg) && !m.walk.sealed():
		m.clearStatus()
		m.open(screenRollCall)
	case m.keys.Verify.Matches(msg) && m.walk.bundle != nil:
		m.setInfo("verifying and replaying %s...", m.walk.bundle.Out)
		return m, VerifyBundle(m.engine, m.walk.bundle.Out, m.ceremonyTrustedRoot())
	}
	return m, nil
}

// ceremonyTrustedRoot is the root the ceremony started from (a next root,
// a rotation, a claims ceremony keep it in trusted/root.json), which the
// bundle is verified from; "" for a bootstrap, whose root v1 is its own.
func (m Model) ceremonyTrustedRoot() string {
	if m.walk.status == nil || m.walk.status.Kind == workspace.Bootstrap {
		return ""
	}
	return filepath.Join(m.ws, workspace.TrustedRoot)
}

// bundlePath is where the bundle goes: as set, or WORKSPACE.bundle.tar.
func (m Model) bundlePath() string {
	if m.bundleOut != "" {
		return m.bundleOut
	}
	return filepath.Clean(m.ws) + ".bundle.tar"
}

func copyMap(in map[string]bool) map[string]bool {
	out := make(map[string]bool, len(in)+1)
	for k, v := range in {
		out[k] = v
	}
	return out
}

func shortID(id string) string { return id[:min(12, len(id))] }
