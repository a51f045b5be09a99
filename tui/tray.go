package tui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// Rehearsal is what 'ceremony rehearse' gives the app: the practice
// secrets to show and the simulated devices.
type Rehearsal struct {
	// Dir is where the simulated devices, keys and plan live.
	Dir      string
	Practice []Practice
	// Tray inserts and removes virtual YubiKeys; nil when there are none.
	Tray Tray
	// Touch is the finger on the virtual YubiKey waiting for a touch (t
	// on the touch screen); nil when the virtual cards take touches
	// themselves.
	Touch func() error
}

// Practice is one keyholder's simulated device and practice secret.
type Practice struct {
	Holder string
	// Device is said aloud: "YubiKey serial 19088743".
	Device string
	// Serial is the virtual YubiKey's, 0 for other devices.
	Serial uint32
	// Secret is the practice PIN or passphrase: shown on screen, because
	// it guards nothing.
	Secret string
	// PUK is a virtual YubiKey's practice PUK, which unblocks its PIN.
	PUK string
}

// Tray is the hand that inserts virtual YubiKeys into the simulated
// reader (one reader, like one USB port).
type Tray interface {
	// Insert puts the YubiKey with this serial in the reader, taking out
	// the one there, and returns once it can be used.
	Insert(serial uint32) error
	// Remove takes the YubiKey out.
	Remove() error
}

// trayDoneMsg says what the tray did.
type trayDoneMsg struct {
	what string
	err  error
}

// insertCard runs Tray.Insert.
func insertCard(t Tray, p Practice) tea.Cmd {
	return func() tea.Msg {
		if err := t.Insert(p.Serial); err != nil {
			return trayDoneMsg{err: fmt.Errorf("failed to insert virtual %s: %w", p.Device, err)}
		}
		return trayDoneMsg{what: fmt.Sprintf("inserted virtual %s (%s's)", p.Device, p.Holder)}
	}
}

// touchedMsg says whether the touch reached the virtual YubiKey.
type touchedMsg struct{ err error }

// touchCard runs Rehearsal.Touch.
func touchCard(touch func() error) tea.Cmd {
	return func() tea.Msg { return touchedMsg{err: touch()} }
}

// touched says how the touch went, on the touch screen.
func (m Model) touched(msg touchedMsg) Model {
	switch {
	case m.screen != screenTouch:
		// The signing ended meanwhile: its outcome says it.
	case msg.err != nil:
		m.walk.touchSent = false // the touch went nowhere: t again
		m.setError("%v", msg.err)
	default:
		m.setInfo("touched: the virtual YubiKey signs")
	}
	return m
}

// practisesTouch says whether t on the touch screen stands for the touch.
func (m Model) practisesTouch() bool { return m.rehearsal != nil && m.rehearsal.Touch != nil }

// removeCard runs Tray.Remove.
func removeCard(t Tray) tea.Cmd {
	return func() tea.Msg {
		if err := t.Remove(); err != nil {
			return trayDoneMsg{err: fmt.Errorf("failed to remove the virtual YubiKey: %w", err)}
		}
		return trayDoneMsg{what: "the reader is empty"}
	}
}

// cards are the practice entries that are virtual YubiKeys.
func (r *Rehearsal) cards() []Practice {
	var out []Practice
	for _, p := range r.Practice {
		if p.Serial != 0 {
			out = append(out, p)
		}
	}
	return out
}

// updateTray: choose a virtual YubiKey to insert, or empty the reader.
func (m Model) updateTray(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	cards := m.rehearsal.cards()
	switch {
	case isKey(msg, "q") || m.keys.Cancel.Matches(msg):
		return m.backToDevice()
	case m.keys.Up.Matches(msg):
		m.walk.trayCursor = max(m.walk.trayCursor-1, 0)
	case m.keys.Down.Matches(msg):
		m.walk.trayCursor = min(m.walk.trayCursor+1, len(cards))
	case m.keys.Submit.Matches(msg):
		m.setInfo("moving the virtual YubiKey...")
		if m.walk.trayCursor == len(cards) {
			return m, removeCard(m.rehearsal.Tray)
		}
		return m, insertCard(m.rehearsal.Tray, cards[m.walk.trayCursor])
	}
	return m, nil
}

func isKey(msg tea.KeyPressMsg, s string) bool { return msg.String() == s }
