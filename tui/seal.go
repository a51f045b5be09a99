package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
)

// sealWalk is the end of a ceremony in the app: who seals, the statement
// each sealer signs in turn at their own device, then the bundle and the
// record that its words were copied onto the script. Nothing of a seal is
// written until every chosen sealer has signed (ceremony.FinishSeal).
type sealWalk struct {
	// pick is who seals, by key ID, chosen on the seal screen.
	pick   map[string]bool
	cursor int
	// extra: every threshold is met, and the operator chose to call the
	// present keyholders who have not signed before the seal.
	extra bool

	beginning bool
	// draft is the seal under way; queue its sealers in order, sigs the
	// signatures made so far (sigs[i] is queue[i]'s).
	draft     *ceremony.SealDraft
	queue     []ceremony.Person
	sigs      []ceremony.SealSignature
	finishing bool

	// words: who confirmed that the bundle's words were copied onto the
	// script, by name; wordsAt is that record, once made.
	words          map[string]bool
	wordsCursor    int
	recordingWords bool
	wordsAt        int64
}

// active reports whether a seal is under way: the device, review, PIN and
// signed screens serve its sealer.
func (s sealWalk) active() bool { return s.draft != nil }

// ready: every sealer left has signed, after one was left out; the seal
// screen asks before it is written.
func (s sealWalk) ready() bool {
	return s.draft != nil && len(s.sigs) > 0 && len(s.sigs) == len(s.queue)
}

// sealers are those who may seal and are here: the witnesses with a key,
// then the keyholders, present at the roll call, in the plan's order.
func (w walk) sealers() []ceremony.Person {
	var out []ceremony.Person
	for _, witnesses := range []bool{true, false} {
		for _, p := range w.statusPeople() {
			if p.Witness == witnesses && p.URI != "" && w.present[w.personOf(p)] && !w.leaving(p.KeyID) {
				out = append(out, p)
			}
		}
	}
	return out
}

// defaultSealers are the present witnesses with a key, and the first
// present keyholder: the room's eyes and one of the keys it signed with.
func (w walk) defaultSealers() map[string]bool {
	pick := map[string]bool{}
	for _, p := range w.sealers() {
		if p.Witness {
			pick[p.KeyID] = true
			continue
		}
		pick[p.KeyID] = true
		break
	}
	return pick
}

// sealed reports whether the workspace's transcript is sealed.
func (w walk) sealed() bool { return w.status != nil && w.status.Seal != nil }

// openSeal shows the seal screen: every threshold is met.
func (m Model) openSeal() (tea.Model, tea.Cmd) {
	m.walk.seal.pick, m.walk.seal.cursor = m.walk.defaultSealers(), 0
	m.walk.seal.draft, m.walk.seal.queue, m.walk.seal.sigs = nil, nil, nil
	m.open(screenSeal)
	return m, nil
}

// updateSeal: space marks who seals, enter begins the seal, c calls the
// present keyholders who have not signed first.
func (m Model) updateSeal(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	list := m.walk.sealers()
	sw := &m.walk.seal
	switch {
	case sw.beginning || sw.finishing:
		return m, nil
	case sw.ready() && m.keys.Submit.Matches(msg):
		// The last sealer left was left out: the seal is written with
		// the signatures made, once the operator says so.
		sw.finishing = true
		m.setInfo("writing the seal...")
		return m, FinishSeal(m.engine, sw.draft, sw.sigs)
	case sw.ready() && m.keys.Cancel.Matches(msg):
		sw.draft, sw.sigs, sw.queue = nil, nil, nil
		m.setInfo("the signatures made for the seal are dropped: mark who seals and begin again")
		return m, nil
	case sw.ready():
		return m, nil
	case m.keys.Cancel.Matches(msg):
		m.clearStatus()
		m.open(screenRollCall)
		return m, nil
	case m.keys.Up.Matches(msg):
		sw.cursor = max(sw.cursor-1, 0)
	case m.keys.Down.Matches(msg):
		sw.cursor = min(sw.cursor+1, max(len(list)-1, 0))
	case m.keys.Toggle.Matches(msg) && len(list) > 0:
		id := list[sw.cursor].KeyID
		sw.pick = copyMap(sw.pick)
		sw.pick[id] = !sw.pick[id]
	case m.keys.Call.Matches(msg) && len(m.walk.unsigned()) > 0:
		sw.extra = true
		m.clearStatus()
		return m.nextKeyholder()
	case m.keys.Submit.Matches(msg):
		sw.queue = nil
		for _, p := range list {
			if sw.pick[p.KeyID] {
				sw.queue = append(sw.queue, p)
			}
		}
		if len(sw.queue) == 0 {
			m.setError("no one is marked to seal: space marks the one under the cursor")
			return m, nil
		}
		sw.beginning = true
		m.setInfo("checking the workspace before the seal...")
		return m, BeginSeal(m.engine, m.ws)
	}
	return m, nil
}

// unsigned are the present keyholders some role still lacks, though every
// threshold is met: more signatures than the threshold are spares.
func (w walk) unsigned() []ceremony.Person {
	w.seal.extra = true
	var out []ceremony.Person
	for {
		p, ok := w.next()
		if !ok {
			return out
		}
		out = append(out, p)
		w.done = copyMap(w.done)
		w.done[p.KeyID] = true
	}
}

// sealBegunMsg is the seal's statement, or why there is none.
type sealBegunMsg struct {
	draft *ceremony.SealDraft
	err   error
}

// BeginSeal runs the checks of 'ceremony seal' and makes the statement
// the sealers sign.
func BeginSeal(eng *ceremony.Engine, ws string) tea.Cmd {
	return func() tea.Msg {
		d, err := eng.BeginSeal(ws)
		return sealBegunMsg{d, err}
	}
}

func (m Model) sealBegun(msg sealBegunMsg) (tea.Model, tea.Cmd) {
	m.walk.seal.beginning = false
	if msg.err != nil {
		m.setError("the seal was not begun: %v", msg.err)
		return m, nil
	}
	m.walk.seal.draft, m.walk.seal.sigs = msg.draft, nil
	m.clearStatus()
	return m.nextSealer()
}

// nextSealer calls the next sealer to their device, or, once every one
// has signed, writes the seal.
func (m Model) nextSealer() (tea.Model, tea.Cmd) {
	sw := &m.walk.seal
	if len(sw.sigs) == len(sw.queue) {
		sw.finishing = true
		m.setInfo("writing the seal...")
		return m, FinishSeal(m.engine, sw.draft, sw.sigs)
	}
	p := sw.queue[len(sw.sigs)]
	m.walk.person, m.walk.keyID = p, p.KeyID
	m.walk.check, m.walk.checkErr, m.walk.review, m.walk.reviewErr = nil, nil, nil, nil
	m.walk.outcome, m.walk.notices = nil, nil
	m.walk.gen++
	m.open(screenDevice)
	return m, CheckDevice(m.engine, m.ws, p.KeyID, m.walk.gen)
}

// skipSealer drops the current sealer from this seal.
func (m Model) skipSealer() (tea.Model, tea.Cmd) {
	sw := &m.walk.seal
	i := len(sw.sigs)
	name := sw.queue[i].Name
	sw.queue = append(sw.queue[:i:i], sw.queue[i+1:]...)
	m.walk.gen++
	if len(sw.queue) == 0 {
		sw.draft = nil
		m.setInfo("%s does not seal; no one is left to seal: choose again", name)
		m.open(screenSeal)
		return m, nil
	}
	if len(sw.sigs) == len(sw.queue) {
		m.setInfo("%s does not seal", name)
		m.open(screenSeal)
		return m, nil
	}
	m.setInfo("%s does not seal", name)
	return m.nextSealer()
}

// sealReview is what a sealer reads before the PIN: what the statement
// binds, file by file, and the transcript head.
func sealReview(d *ceremony.SealDraft) []string {
	lines := []string{
		"The seal is a signed statement that these are the ceremony's final",
		"metadata files and that its transcript is complete at this head:",
		"",
		fmt.Sprintf("the transcript's head after its %d records:", d.Records),
		"  " + groupHex(d.Head),
	}
	for _, sub := range d.Statement.Subject {
		lines = append(lines, sub.Name+", SHA-256:", "  "+groupHex(sub.Digest["sha256"]))
	}
	return append(lines, "",
		"After the seal the workspace takes no more signatures or notes; the",
		"bundle carries the seal, and 'ceremony replay' checks it.")
}

// sealSignedMsg is one sealer's signature, or why it was not made.
type sealSignedMsg struct {
	keyID string
	sig   ceremony.SealSignature
	err   error
}

// SignSeal has the key uri names sign the seal's statement, asking for
// its PIN through p.
func SignSeal(eng *ceremony.Engine, d *ceremony.SealDraft, keyID, uri string, p keys.Prompter) tea.Cmd {
	return func() tea.Msg {
		sig, err := eng.SignSeal(d, uri, p)
		return sealSignedMsg{keyID: keyID, sig: sig, err: err}
	}
}

func (m Model) sealSigned(msg sealSignedMsg) (tea.Model, tea.Cmd) {
	m.walk.signing, m.walk.touchWanted = false, false
	if m.quitting {
		return m, tea.Quit
	}
	m.walk.outcome = &signOutcome{person: m.walk.person, err: msg.err, seal: true}
	if msg.err == nil {
		m.walk.seal.sigs = append(append([]ceremony.SealSignature(nil), m.walk.seal.sigs...), msg.sig)
		m.clearStatus()
	} else {
		m.setError("%s did not sign the seal: see above", m.walk.person.Name)
	}
	m.open(screenSigned)
	return m, nil
}

// sealFinishedMsg is the seal written, or why it was not.
type sealFinishedMsg struct {
	res *ceremony.SealResult
	err error
}

// FinishSeal writes the seal envelope and its record.
func FinishSeal(eng *ceremony.Engine, d *ceremony.SealDraft, sigs []ceremony.SealSignature) tea.Cmd {
	return func() tea.Msg {
		res, err := eng.FinishSeal(d, sigs)
		return sealFinishedMsg{res, err}
	}
}

// sealFinished goes on to the bundle once the seal is written; a seal
// refused (the workspace moved meanwhile) goes back to the seal screen.
func (m Model) sealFinished(msg sealFinishedMsg) (tea.Model, tea.Cmd) {
	sw := &m.walk.seal
	sw.finishing = false
	if msg.err != nil {
		sw.draft, sw.sigs = nil, nil
		if m.quitting {
			return m, tea.Quit
		}
		m.setError("the seal was not written: %v", msg.err)
		m.open(screenSeal)
		// A workspace sealed meanwhile opens at its end once read.
		return m, LoadStatus(m.ws)
	}
	sw.draft = nil
	if m.quitting {
		return m, tea.Quit
	}
	// The workspace is sealed from here on, before its status is read
	// again: nothing offers the seal or a note any more.
	if st := m.walk.status; st != nil {
		sealed := *st
		sealed.Seal = &ceremony.SealStatus{Record: msg.res.Record.Seq, By: strings.Join(msg.res.Holders, ", ")}
		m.walk.status = &sealed
	}
	m.walk.bundling = true
	m.setInfo("sealed at record %d; writing the bundle %s...", msg.res.Record.Seq, m.bundlePath())
	m.open(screenFinish)
	return m, tea.Batch(LoadStatus(m.ws), WriteBundle(m.engine, m.ws, m.bundlePath()))
}
