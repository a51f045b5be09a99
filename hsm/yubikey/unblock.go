package yubikey

import (
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/keys"
)

// ErrWrongPUK means the PUK typed was not the YubiKey's: a PUK try was
// spent, and nothing changed.
var ErrWrongPUK = errors.New("wrong PUK")

// UnblockPIN unblocks the PIN of the YubiKey u names with its PUK, and
// sets a new PIN: p is asked for the PUK, then for the new PIN twice. The
// factory PUK is never sent, and the factory PIN is refused as the new one.
// A wrong PUK spends one of the PUK's tries (3 from the factory); when they
// are gone the PIV application can only be reset, which destroys its keys.
func (Backend) UnblockPIN(u *keys.URI, p keys.Prompter) error {
	t, err := parseTarget(u)
	if err != nil {
		return err
	}
	if p == nil {
		return fmt.Errorf("key URI %q: unblocking the PIN needs the PUK typed at a terminal", u.String())
	}
	dev, err := open(t.serial)
	if err != nil {
		return err
	}
	defer dev.Close()
	puk, err := p.Secret(keys.SecretRequest{Kind: keys.PUK, URI: u.String(), TriesLeft: -1})
	if err != nil {
		return err
	}
	defer clear(puk)
	if string(puk) == piv.DefaultPUK {
		return fmt.Errorf("the PUK typed is YubiKey %d's factory PUK, which is never sent: nothing was sent and no try was spent", dev.Serial)
	}
	if len(puk) < 6 || len(puk) > 8 {
		return fmt.Errorf("a YubiKey's PUK has 6 to 8 characters, and %d were typed: nothing was sent to YubiKey %d and no try was spent", len(puk), dev.Serial)
	}
	pin, err := newPIN(u, p, dev.Serial)
	if err != nil {
		return err
	}
	defer clear(pin)
	cardMu.Lock()
	err = dev.yk.Unblock(string(puk), string(pin))
	cardMu.Unlock()
	var auth piv.AuthErr
	switch {
	case errors.As(err, &auth) && auth.Retries == 0:
		return fmt.Errorf("%w for YubiKey %d: %w too; only a reset of its PIV application is left, which destroys its keys", ErrWrongPUK, dev.Serial, keys.ErrPUKBlocked)
	case errors.As(err, &auth):
		return fmt.Errorf("%w for YubiKey %d: %s left before the PUK is blocked too; the PIN stays blocked", ErrWrongPUK, dev.Serial, tries(auth.Retries))
	case err != nil:
		return fmt.Errorf("failed to unblock the PIN of YubiKey %d: %w", dev.Serial, err)
	}
	return nil
}

// newPIN asks for the new PIN twice and checks it: 6 to 8 characters, not
// the factory PIN, the same both times.
func newPIN(u *keys.URI, p keys.Prompter, serial uint32) ([]byte, error) {
	pin, err := p.Secret(keys.SecretRequest{Kind: keys.PIN, URI: u.String(), TriesLeft: -1, New: true})
	if err != nil {
		return nil, err
	}
	if len(pin) < 6 || len(pin) > 8 || string(pin) == piv.DefaultPIN {
		clear(pin)
		return nil, fmt.Errorf("YubiKey %d's new PIN must have 6 to 8 characters and not be the factory PIN; nothing was sent", serial)
	}
	again, err := p.Secret(keys.SecretRequest{Kind: keys.PIN, URI: u.String(), TriesLeft: -1, New: true, Again: true})
	if err != nil {
		clear(pin)
		return nil, err
	}
	defer clear(again)
	if subtle.ConstantTimeCompare(pin, again) != 1 {
		clear(pin)
		return nil, fmt.Errorf("the new PIN for YubiKey %d was not typed the same twice; nothing was sent", serial)
	}
	return pin, nil
}
