package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// A keyholder's signing, from the PIN request to its outcome: the PIN and
// touch screens, and the signed screen with what comes next.

// secretRequested opens the PIN screen for a signing's request.
func (m Model) secretRequested(msg secretRequestMsg) (tea.Model, tea.Cmd) {
	if m.quitting {
		return m, answer(msg.reply, nil, errCancelled)
	}
	m.walk.pin.drop() // nothing typed for an earlier prompt survives
	m.walk.pin = pinPrompt{req: msg.req, reply: msg.reply}
	m.walk.pins++
	m.clearStatus()
	m.open(screenPIN)
	return m, nil
}

// notified shows a backend's message: a touch request gets the touch
// screen and its clock; anything else is noted on the signing screen.
func (m Model) notified(msg notifyMsg) (tea.Model, tea.Cmd) {
	if strings.Contains(strings.ToLower(msg.text), "touch") {
		m.walk.touch, m.walk.touchWanted, m.walk.touchSent = safetext.Escape(msg.text), true, false
		return m.touchFrom(msg.at)
	}
	m.walk.notices = append(append([]string(nil), m.walk.notices...), msg.text)
	return m, nil
}

// touchFrom shows the touch screen, its clock started at t.
func (m Model) touchFrom(t time.Time) (tea.Model, tea.Cmd) {
	m.walk.touchAt, m.walk.touchNow = t, t
	m.open(screenTouch)
	return m, touchTick()
}

// touchStartMsg starts the touch screen's clock.
type touchStartMsg struct{ at time.Time }

func startTouch() tea.Msg { return touchStartMsg{at: time.Now()} }

// updatePIN: typing is masked; enter sends the PIN once, esc cancels.
func (m Model) updatePIN(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Cancel.Matches(msg):
		reply := m.walk.pin.reply
		m.walk.pin.drop()
		m.open(screenSigning)
		return m, answer(reply, nil, errCancelled)
	case m.keys.Submit.Matches(msg):
		if m.walk.pin.secret.Len() == 0 {
			m.setError("type the %s first (esc cancels)", m.walk.pin.req.Kind)
			return m, nil
		}
		reply, secret := m.walk.pin.reply, m.walk.pin.secret.Take()
		m.walk.pin = pinPrompt{}
		m.clearStatus()
		m.open(screenSigning)
		if m.walk.touchWanted {
			// The device verifies the PIN, then waits for the touch.
			return m, tea.Batch(answer(reply, secret, nil), startTouch)
		}
		return m, answer(reply, secret, nil)
	case m.keys.Erase.Matches(msg):
		m.walk.pin.secret = m.walk.pin.secret.Erase()
		return m, nil
	}
	if s := widget.Typed(msg); s != "" {
		m.walk.pin.secret = m.walk.pin.secret.Insert(s)
	}
	return m, nil
}

// updateWaiting: while the device works only quitting, the note and help
// are possible.
func (m Model) updateWaiting(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	if m.screen == screenTouch && m.practisesTouch() && isKey(msg, "t") {
		if m.walk.touchSent {
			// One touch per request, as one finger: a second press must
			// not reach the device's next signature.
			return m, nil
		}
		m.walk.touchSent = true
		m.setInfo("touching the virtual YubiKey...")
		return m, touchCard(m.rehearsal.Touch)
	}
	return m, nil
}

// signDone shows the outcome of a signing and reads the status again.
func (m Model) signDone(msg signDoneMsg) (tea.Model, tea.Cmd) {
	m.walk.signing, m.walk.touchWanted = false, false
	if m.quitting {
		return m, tea.Quit
	}
	m.walk.outcome = &signOutcome{person: m.walk.person, res: shownSignResult(msg.res), err: msg.err}
	m.walk.pukBlocked = false
	if msg.err == nil {
		m.walk.done = copyMap(m.walk.done)
		m.walk.done[msg.keyID] = true
		m.clearStatus()
	} else if o := m.walk.outcome; o.res != nil && len(o.res.Signed) > 0 {
		m.setError("%s signed part, then stopped: see above", m.walk.person.Name)
	} else {
		m.setError("%s did not sign: see above", m.walk.person.Name)
	}
	m.open(screenSigned)
	m.walk.recounting, m.walk.advance = true, false
	return m, LoadStatus(m.ws)
}

// updateSigned: after a signature, enter goes on to the next keyholder;
// after a failure, enter goes back to the device to try again (nothing is
// retried by itself: a PIN try is never spent without the keyholder).
func (m Model) updateSigned(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if r, cmd, ok := m.common(msg); ok {
		return r, cmd
	}
	o := m.walk.outcome
	switch {
	case m.walk.seal.finishing:
		return m, nil
	case isKey(msg, "u") && m.canUnblock():
		return m.startUnblock()
	case o != nil && o.seal && m.keys.Submit.Matches(msg) && o.err == nil:
		m.clearStatus()
		return m.nextSealer()
	case o != nil && o.seal && m.keys.Submit.Matches(msg):
		m.clearStatus()
		return m.backToDevice()
	case o != nil && o.seal && m.keys.Skip.Matches(msg) && o.err != nil:
		return m.skipSealer()
	case o != nil && o.seal:
		return m, nil
	case m.keys.Submit.Matches(msg) && o != nil && o.err == nil && m.walk.recounting:
		m.walk.advance = true
		m.setInfo("counting the signatures...")
		return m, nil
	case m.keys.Submit.Matches(msg) && o != nil && o.err == nil && m.walk.stale:
		// The counts shown are from before the signing: read them again.
		m.walk.recounting, m.walk.advance, m.walk.stale = true, true, false
		m.setInfo("counting the signatures again...")
		return m, LoadStatus(m.ws)
	case m.keys.Submit.Matches(msg) && o != nil && o.err == nil:
		m.clearStatus()
		return m.nextKeyholder()
	case m.keys.Submit.Matches(msg) && o != nil:
		m.clearStatus()
		return m.backToDevice()
	case m.keys.Skip.Matches(msg) && o != nil && o.err != nil:
		return m.skip("after a failed signing")
	}
	return m, nil
}
