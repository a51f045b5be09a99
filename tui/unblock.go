package tui

import (
	"errors"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
)

// A YubiKey whose PIN is blocked is unblocked in the app with its PUK: u
// on the outcome screen asks the keyholder for the PUK, then for a new PIN
// twice (the PIN screen, through the bridge, as a signing does), and
// records in the transcript that it was done. Tokens are unblocked by
// their security officer, away from the app.

// unblockDoneMsg is the outcome of unblocking a PIN.
type unblockDoneMsg struct {
	notices []string
	err     error
}

// UnblockPIN runs the engine's UnblockPIN for a keyholder's YubiKey.
func UnblockPIN(eng *ceremony.Engine, ws, holder, uri string, p keys.Prompter) tea.Cmd {
	return func() tea.Msg {
		notices, err := eng.UnblockPIN(ceremony.UnblockOptions{Dir: ws, KeyURI: uri, Holder: holder, Prompter: p})
		return unblockDoneMsg{notices: notices, err: err}
	}
}

// canUnblock says whether the outcome is a blocked PIN the app can
// unblock: a YubiKey's whose PUK is not blocked too, while no seal is
// under way (the record of the unblock would change the transcript the
// seal binds).
func (m Model) canUnblock() bool {
	o := m.walk.outcome
	return o != nil && errors.Is(o.err, keys.ErrPINBlocked) && strings.HasPrefix(m.walk.person.URI, "yubikey:") &&
		!m.walk.pukBlocked && m.noteRefused() == ""
}

// startUnblock asks for the PUK and a new PIN, on the PIN screen.
func (m Model) startUnblock() (tea.Model, tea.Cmd) {
	p := m.walk.person
	m.walk.signing, m.walk.unblocking, m.walk.pins, m.walk.notices, m.walk.signRoles = true, true, 0, nil, nil
	m.setInfo("unblocking %s's PIN with the PUK...", p.Name)
	m.open(screenSigning)
	return m, UnblockPIN(m.engine, m.ws, p.Name, p.URI, m.bridge)
}

// unblocked: back to the device with a new PIN, or the reason it failed.
func (m Model) unblocked(msg unblockDoneMsg) (tea.Model, tea.Cmd) {
	m.walk.signing, m.walk.unblocking = false, false
	if m.quitting {
		return m, tea.Quit
	}
	if msg.err != nil {
		m.walk.pukBlocked = errors.Is(msg.err, keys.ErrPUKBlocked)
		m.open(screenSigned)
		m.setError("%v%s", msg.err, noticeText(msg.notices))
		return m, nil
	}
	m.walk.outcome = nil
	r, cmd := m.backToDevice()
	next := r.(Model)
	next.setInfo("%s's PIN is unblocked and a new one set (recorded in the transcript): sign again with the new PIN%s", m.walk.person.Name, noticeText(msg.notices))
	return next, cmd
}

// noticeText adds what was completed first to a status line.
func noticeText(notices []string) string {
	if len(notices) == 0 {
		return ""
	}
	return "; " + strings.Join(notices, "; ")
}
