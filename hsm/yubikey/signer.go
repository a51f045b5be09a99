package yubikey

import (
	"crypto"
	"errors"
	"fmt"
	"io"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// ErrPINBlocked means the PIN has no tries left.
var ErrPINBlocked = keys.ErrPINBlocked

// ed25519MaxMessage is the longest message a YubiKey signs with Ed25519:
// the device takes the message itself in a command buffer of 3072 bytes,
// less the command's own framing.
const ed25519MaxMessage = 3060

// ErrFactoryPIN means the PIN typed is the factory default (123456): it is
// refused unsent, so no try is spent.
var ErrFactoryPIN = keys.ErrFactoryPIN

// signer signs with the key in one slot of one YubiKey.
type signer struct {
	t        *target
	dev      *Device
	info     piv.KeyInfo
	priv     crypto.Signer
	tufKey   *metadata.Key
	prompter keys.Prompter
	tries    int
	// promptErr is the error of the last PIN prompt: piv-go keeps only its
	// text, so it is kept here to reach the caller whole.
	promptErr error
}

var _ keys.Signer = (*signer)(nil)
var _ keys.Closer = (*signer)(nil)

func (s *signer) Public() crypto.PublicKey { return s.priv.Public() }
func (s *signer) URI() string              { return s.t.uri.String() }
func (s *signer) TUFKey() *metadata.Key    { return s.tufKey }

func (s *signer) Close() error { return s.dev.Close() }

// Sign signs on the card. The PIN is asked (once per signature for PIN
// policy "always") through the prompter with the tries left; a wrong PIN
// ends the signature with the tries left in the error, and is never retried.
func (s *signer) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if s.info.Algorithm == piv.AlgorithmEd25519 && len(digest) > ed25519MaxMessage {
		return nil, fmt.Errorf("YubiKey %d cannot sign %d bytes with Ed25519: the device signs the whole message and takes about %d bytes at most; use an ECDSA key on a YubiKey for metadata this large", s.dev.Serial, len(digest), ed25519MaxMessage)
	}
	cardMu.Lock()
	// The card answers the tries query with "verified" once the PIN is
	// verified in this session (PIN policy once), which piv-go reports as
	// an error: the tries are then unknown, not a failure.
	tries, err := s.dev.yk.Retries()
	if err != nil {
		tries = -1
	}
	s.tries = tries
	cardMu.Unlock()
	if tries == 0 {
		return nil, fmt.Errorf("%w on YubiKey %d: unblock it with the PUK (ykman piv access unblock-pin) before signing", ErrPINBlocked, s.dev.Serial)
	}
	if s.info.TouchPolicy == piv.TouchPolicyAlways || s.info.TouchPolicy == piv.TouchPolicyCached {
		if s.prompter != nil {
			s.prompter.Notify(fmt.Sprintf("touch YubiKey %d now: it blinks until touched", s.dev.Serial))
		}
	}
	cardMu.Lock()
	defer cardMu.Unlock()
	s.promptErr = nil
	sig, err := s.priv.Sign(r, digest, opts)
	if err != nil {
		if s.promptErr != nil {
			return nil, s.promptErr
		}
		return nil, describeCardError(s.dev.Serial, err)
	}
	return sig, nil
}

// pin is piv-go's PIN prompt: it asks once per call and refuses the factory
// PIN without sending it.
func (s *signer) pin() (string, error) {
	b, err := keys.SecretFor(s.t.uri, s.prompter, keys.SecretRequest{Kind: keys.PIN, URI: s.URI(), TriesLeft: s.tries})
	if err != nil {
		s.promptErr = err
		return "", err
	}
	pin := string(b)
	clear(b)
	if pin == piv.DefaultPIN {
		s.promptErr = fmt.Errorf("%w to YubiKey %d: nothing was sent and no try was spent; type its own PIN (a device that still has the factory PIN needs one of its own first: ykman piv access change-pin)", ErrFactoryPIN, s.dev.Serial)
		return "", s.promptErr
	}
	return pin, nil
}

// tries says n PIN tries: "1 try", "2 tries".
func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}

func describeCardError(serial uint32, err error) error {
	var auth piv.AuthErr
	if errors.As(err, &auth) {
		if auth.Retries == 0 {
			return fmt.Errorf("wrong PIN for YubiKey %d: %w; unblock it with the PUK", serial, ErrPINBlocked)
		}
		return fmt.Errorf("wrong PIN for YubiKey %d: %s left before the PIN is blocked", serial, tries(auth.Retries))
	}
	if errors.Is(err, ErrFactoryPIN) {
		return err
	}
	return fmt.Errorf("YubiKey %d failed to sign (device removed or touch not given?): %w", serial, err)
}
