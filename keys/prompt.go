package keys

import (
	"errors"
	"fmt"
)

// ErrPINBlocked means a device's PIN has no tries left: no PIN is asked or
// sent until it is unblocked (a YubiKey's with its PUK, a PKCS#11 token's
// by its security officer). Each backend's own error wraps it.
var ErrPINBlocked = errors.New("PIN is blocked")

// ErrKeysAfterLogin means a device shows its keys only once logged in (a
// YubiHSM 2): a public key cannot be read without its PIN, so a plan names
// the key by public_key and signing checks it after login.
var ErrKeysAfterLogin = errors.New("the device shows its keys only after login")

// ErrPUKBlocked means a YubiKey's PUK has no tries left either: its PIN
// can no longer be unblocked, only its PIV application reset, which
// destroys its keys.
var ErrPUKBlocked = errors.New("PUK is blocked")

// ErrFactoryPIN means the PIN typed is a device's factory default, which
// is known to all: it is never sent, and no try is spent.
var ErrFactoryPIN = errors.New("the PIN typed is the factory default PIN, which is never sent")

// SecretKind says what is asked for.
type SecretKind int

const (
	Passphrase SecretKind = iota
	PIN
	// PUK unblocks a YubiKey's PIN.
	PUK
	// ManagementKey is a YubiKey's PIV management key, in hex.
	ManagementKey
)

func (k SecretKind) String() string {
	switch k {
	case PIN:
		return "PIN"
	case PUK:
		return "PUK"
	case ManagementKey:
		return "management key"
	}
	return "passphrase"
}

// SecretRequest describes one secret the user must type.
type SecretRequest struct {
	Kind SecretKind
	// URI of the key the secret unlocks.
	URI string
	// Confirm asks the user to type a new secret twice (the prompter
	// compares them).
	Confirm bool
	// New asks for a new secret, to set on the device; Again asks for the
	// same new secret a second time, which the backend compares.
	New, Again bool
	// TriesLeft is the device's remaining PIN tries, or -1 when unknown.
	TriesLeft int
	// Form says what the device takes as its PIN, when it has a
	// convention of its own (a YubiHSM 2: key ID and password); "" if not.
	Form string
}

// Prompter is how a backend talks to the person at the keyboard. The CLI,
// the TUI and the tests each supply one. Implementations must not log or
// store the secrets they return.
type Prompter interface {
	// Secret asks for a passphrase or PIN.
	Secret(req SecretRequest) ([]byte, error)
	// Notify tells the user something they must act on, such as touching
	// the device.
	Notify(message string)
}

// SecretFor returns the secret for u: from the file named by the URI's
// pin-source if it has one, otherwise from p. Backends call it so that
// pin-source works the same for every kind of key.
func SecretFor(u *URI, p Prompter, req SecretRequest) ([]byte, error) {
	return secretFor(u, p, req)
}

// secretFor returns the secret for u: from the file named by pin-source if
// the URI has one, otherwise from p.
func secretFor(u *URI, p Prompter, req SecretRequest) ([]byte, error) {
	if src, ok := u.Query["pin-source"]; ok {
		return ReadPINSource(src)
	}
	if p == nil {
		return nil, fmt.Errorf("%q needs a %s and there is no terminal to ask on: add ?pin-source=FILE to the URI", u.String(), req.Kind)
	}
	return p.Secret(req)
}
