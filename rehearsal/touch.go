package rehearsal

import (
	"errors"
	"time"
)

// touchWait is how long a virtual YubiKey waits for a touch, as a
// YubiKey does, before it refuses the signature.
const touchWait = 15 * time.Second

// touchGrace is how long Touch waits for a card to ask for one: the app
// shows "touch your YubiKey" a moment before the card starts waiting.
const touchGrace = 2 * time.Second

// PracticeTouch makes the virtual YubiKeys wait for Touch whenever a key's
// touch policy asks for a touch (on), or take each touch at once (off, as
// after Setup and Open: what runs without a person, such as a scenario's
// bootstrap, needs no hand).
func (l *Lab) PracticeTouch(on bool) { l.practiceTouch.Store(on) }

// Touch is the keyholder's finger on the virtual YubiKey that waits for a
// touch. It fails when no card asks for one within a moment.
func (l *Lab) Touch() error {
	select {
	case l.touch <- struct{}{}:
		return nil
	case <-time.After(touchGrace):
		return errors.New("no virtual YubiKey is waiting for a touch")
	}
}

// waitTouch is every virtual card's Touch: at once, or when Touch is
// called while touches are practised; false when the card is pulled out
// or the touch does not come in time.
func (l *Lab) waitTouch(stop <-chan struct{}) bool {
	if !l.practiceTouch.Load() {
		return true
	}
	t := time.NewTimer(touchWait)
	defer t.Stop()
	select {
	case <-l.touch:
		return true
	case <-stop:
		return false
	case <-t.C:
		return false
	}
}
