package tui

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

// outcomeGoldenCases are the ways a signing ends badly, for the golden
// test: part signed, the PIN blocked, the factory PIN typed.
func outcomeGoldenCases() map[string]func() Model {
	failed := func(res *ceremony.SignResult, err error) Model {
		m := walkModel()
		m.open(screenSigning)
		m.walk.signing = true
		r, _ := m.signDone(signDoneMsg{keyID: m.walk.keyID, res: res, err: err})
		return r.(Model)
	}
	return map[string]func() Model{
		"signed-partial": func() Model {
			return failed(&ceremony.SignResult{Signed: []ceremony.Signature{{Role: "root"}}},
				fmt.Errorf("wrong PIN for YubiKey 19088743: 1 try left before the PIN is blocked"))
		},
		"signed-blocked": func() Model {
			return failed(nil, fmt.Errorf("wrong PIN for YubiKey 19088743: %w; unblock it with the PUK", yubikey.ErrPINBlocked))
		},
		"signed-factory-pin": func() Model {
			return failed(nil, fmt.Errorf("%w to YubiKey 19088743: nothing was sent and no try was spent", yubikey.ErrFactoryPIN))
		},
	}
}

// TestSignOutcomesSayWhatHappened: a partial signing names what was
// signed and counted; a blocked PIN says to unblock it and offers no new
// PIN try, whichever device; the factory PIN says nothing was sent.
func TestSignOutcomesSayWhatHappened(t *testing.T) {
	cases := outcomeGoldenCases()
	m := cases["signed-partial"]()
	mustShow(t, m, "✓ alice signed root: recorded and counted", "✗ then alice's signing stopped", "1 try left")
	if v := view(m); strings.Contains(v, "as it was") || strings.Contains(v, "did not sign") {
		t.Fatalf("a partial signing reads as none:\n%s", v)
	}
	for _, err := range []error{yubikey.ErrPINBlocked, fmt.Errorf("carol: %w", p11.ErrPINBlocked)} {
		m := cases["signed-blocked"]()
		m.walk.outcome.err = err
		if !strings.Contains(strings.Join(strings.Fields(view(m)), " "), "The PIN is blocked: no PIN is asked again") || strings.Contains(view(m), "a new PIN try") {
			t.Fatalf("%v:\n%s", err, view(m))
		}
	}
	m = cases["signed-factory-pin"]()
	mustShow(t, m, "Nothing was sent to the device", "the PIN typed is the factory default PIN")
	if strings.Contains(view(m), "still has its factory PIN") {
		t.Fatalf("the factory PIN typed reads as the device's:\n%s", view(m))
	}
	if !errors.Is(yubikey.ErrFactoryPIN, keys.ErrFactoryPIN) || !errors.Is(p11.ErrPINBlocked, keys.ErrPINBlocked) {
		t.Fatal("the YubiKey's factory-PIN error is not the keys one the app checks")
	}
}

// TestEnterBeforeTheRecountWaits: enter pressed after a signing, before
// the counts are read again, moves on only once they are: who is next
// (or whether every threshold is met) depends on them.
func TestEnterBeforeTheRecountWaits(t *testing.T) {
	m, recount := aliceSigned(t)
	m, cmd := update(t, m, key("enter"))
	if m.screen != screenSigned || cmd != nil || !strings.Contains(m.statusLine, "counting the signatures") {
		t.Fatalf("enter before the recount: screen %s, %q", m.screen, m.statusLine)
	}
	m = run[statusLoadedMsg](t, m, recount)
	if m.screen != screenDevice || m.walk.person.Name != "bob" {
		t.Fatalf("after the recount: screen %s, %q", m.screen, m.walk.person.Name)
	}
}

// TestFailedRecountIsReadAgain: a recount that failed leaves the counts
// from before the signing; enter reads them again before it moves on.
func TestFailedRecountIsReadAgain(t *testing.T) {
	m, _ := aliceSigned(t)
	m, _ = update(t, m, statusFailedMsg{err: errorString("the disk went away")})
	m, cmd := update(t, m, key("enter"))
	if m.screen != screenSigned || cmd == nil {
		t.Fatalf("enter after a failed recount moved on the old counts: screen %s", m.screen)
	}
	m = run[statusLoadedMsg](t, m, cmd)
	if m.screen != screenDevice || m.walk.person.Name != "bob" {
		t.Fatalf("after the recount read again: screen %s, %q", m.screen, m.walk.person.Name)
	}
}

// aliceSigned signs as alice in a fresh workspace and returns at the
// signed screen with the recount not yet run, and its command.
func aliceSigned(t *testing.T) (Model, tea.Cmd) {
	t.Helper()
	m, msgs := signing(t, toDevice(t, fileWorkspace(t)))
	m, _ = update(t, m, next(t, msgs).(secretRequestMsg))
	m = typeText(t, m, passphrase)
	m, cmd := update(t, m, key("enter"))
	cmd()
	return update(t, m, next(t, msgs).(signDoneMsg))
}
