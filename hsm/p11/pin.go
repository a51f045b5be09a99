package p11

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/keys"
)

// ErrPINBlocked means the token's user PIN is locked: no PIN is asked or
// sent until the security officer unblocks it.
var ErrPINBlocked = fmt.Errorf("%w: the security officer must unblock it", keys.ErrPINBlocked)

// ErrWrongPIN means the token refused the PIN. It was not retried.
var ErrWrongPIN = errors.New("wrong PIN")

// triesLeft is what a token's flags say about its PIN tries: 0 when
// locked, 1 on the final try, -1 (unknown) otherwise. PKCS#11 has no count.
func triesLeft(flags uint) int {
	switch {
	case flags&pkcs11.CKF_USER_PIN_LOCKED != 0:
		return 0
	case flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0:
		return 1
	}
	return -1
}

// pinRequest asks for the PIN of tok, once: from pin-source or through p.
// A token whose PIN is blocked is refused without asking.
func pinRequest(t *target, tok tokenInfo, p keys.Prompter) ([]byte, error) {
	tries := triesLeft(tok.flags)
	if tries == 0 {
		return nil, fmt.Errorf("%s: %w (the user PIN is locked; nothing was sent to the token)", tok, ErrPINBlocked)
	}
	if tok.flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0 && tries < 0 && p != nil && t.uri.Query["pin-source"] == "" {
		p.Notify(fmt.Sprintf("%s: a wrong PIN has been entered since the last good one; tokens lock after a few wrong PINs", tok))
	}
	c := conventionOf(tok)
	pin, err := keys.SecretFor(t.uri, p, keys.SecretRequest{Kind: keys.PIN, URI: t.uri.String(), TriesLeft: tries, Form: c.PINForm})
	if err != nil || c.checkPIN == nil {
		return pin, err
	}
	if err := c.checkPIN(pin); err != nil {
		clear(pin)
		return nil, fmt.Errorf("%s: the PIN was not sent (it cannot be right, and a wrong PIN costs a try): %w", tok, err)
	}
	return pin, nil
}

// login logs session s in as the token's user, asking for the PIN once.
// Nothing is asked when the session is logged in already (another session
// of this process on the same token) or the token needs no login. The
// caller holds m.mu; login lets it go while the PIN is being typed.
func (m *module) login(t *target, tok tokenInfo, s pkcs11.SessionHandle, p keys.Prompter) error {
	info, err := m.ctx.GetSessionInfo(s)
	if err != nil {
		return deviceError(tok, "read the session state", err)
	}
	if info.State == pkcs11.CKS_RO_USER_FUNCTIONS || info.State == pkcs11.CKS_RW_USER_FUNCTIONS {
		return nil
	}
	ti, err := m.ctx.GetTokenInfo(tok.slot)
	if err != nil {
		return deviceError(tok, "read the token's flags", err)
	}
	tok.flags = ti.Flags
	if tok.flags&pkcs11.CKF_LOGIN_REQUIRED == 0 {
		return nil
	}
	m.mu.Unlock()
	pin, err := pinRequest(t, tok, p)
	m.mu.Lock()
	if err != nil {
		return err
	}
	err = m.ctx.Login(s, pkcs11.CKU_USER, string(pin))
	clear(pin)
	return m.loginError(tok, err)
}

// contextLogin gives the PIN for the one operation just started on a key
// with CKA_ALWAYS_AUTHENTICATE. The caller holds m.mu and has asked pin.
func (m *module) contextLogin(tok tokenInfo, s pkcs11.SessionHandle, pin []byte) error {
	err := m.ctx.Login(s, pkcs11.CKU_CONTEXT_SPECIFIC, string(pin))
	return m.loginError(tok, err)
}

// loginError explains what C_Login returned. It never quotes the PIN:
// PKCS#11 errors are bare return codes.
func (m *module) loginError(tok tokenInfo, err error) error {
	var code pkcs11.Error
	if err == nil || !errors.As(err, &code) {
		if err != nil {
			return fmt.Errorf("failed to log in to %s: %w", tok, err)
		}
		return nil
	}
	switch code {
	case pkcs11.CKR_USER_ALREADY_LOGGED_IN:
		return nil
	case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE:
		flags := tok.flags
		if ti, err := m.ctx.GetTokenInfo(tok.slot); err == nil {
			flags = ti.Flags
		}
		return wrongPIN(tok, flags)
	case pkcs11.CKR_PIN_LOCKED:
		return fmt.Errorf("%s: %w", tok, ErrPINBlocked)
	case pkcs11.CKR_PIN_EXPIRED:
		return fmt.Errorf("%s: the PIN has expired: change it with the token's tools before signing", tok)
	}
	return deviceError(tok, "log in", err)
}

// wrongPIN is the error for a PIN the token refused, saying what its flags
// say about the tries left. The caller does not retry.
func wrongPIN(tok tokenInfo, flags uint) error {
	switch triesLeft(flags) {
	case 0:
		return fmt.Errorf("%w for %s, and now the %w", ErrWrongPIN, tok, ErrPINBlocked)
	case 1:
		return fmt.Errorf("%w for %s: one try is left; the next wrong PIN blocks it", ErrWrongPIN, tok)
	}
	return fmt.Errorf("%w for %s (not retried: every wrong PIN counts toward the token's lockout)", ErrWrongPIN, tok)
}
