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
// touch now. It reaches that one wait only: a second Touch does not carry
// over to the card's next signature. It fails when no card asks for a
// touch within a moment.
func (l *Lab) Touch() error {
	deadline := time.Now().Add(touchGrace)
	for {
		l.touchMu.Lock()
		w := l.touchWaiter
		l.touchWaiter = nil
		l.touchMu.Unlock()
		if w != nil {
			close(w)
			return nil
		}
		if time.Now().After(deadline) {
			return errors.New("no virtual YubiKey is waiting for a touch")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitTouch is every virtual card's Touch: at once, or when Touch is
// called while touches are practised; false when the card is pulled out
// or the touch does not come in time.
func (l *Lab) waitTouch(stop <-chan struct{}) bool {
	if !l.practiceTouch.Load() {
		return true
	}
	touched := make(chan struct{})
	l.touchMu.Lock()
	l.touchWaiter = touched
	l.touchMu.Unlock()
	defer func() {
		l.touchMu.Lock()
		if l.touchWaiter == touched {
			l.touchWaiter = nil
		}
		l.touchMu.Unlock()
	}()
	t := time.NewTimer(touchWait)
	defer t.Stop()
	select {
	case <-touched:
		return true
	case <-stop:
		return false
	case <-t.C:
		return false
	}
}
