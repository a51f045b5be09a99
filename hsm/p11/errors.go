package p11

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"
)

// ErrTokenAbsent means the token is not there: never inserted, removed
// (also in the middle of an operation), or no longer answering.
var ErrTokenAbsent = errors.New("token not present")

// deviceError explains a failed call into a token. Return codes that mean
// the token went away become ErrTokenAbsent, so that callers can ask for
// the device to be reconnected; nothing was done on the token then.
func deviceError(tok tokenInfo, what string, err error) error {
	var code pkcs11.Error
	if errors.As(err, &code) {
		switch code {
		case pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_TOKEN_NOT_RECOGNIZED,
			pkcs11.CKR_SLOT_ID_INVALID, pkcs11.CKR_SESSION_HANDLE_INVALID, pkcs11.CKR_SESSION_CLOSED,
			pkcs11.CKR_DEVICE_ERROR, pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED:
			return fmt.Errorf("failed to %s on %s: %w (removed or not answering: %v); reconnect it and run the command again", what, tok, ErrTokenAbsent, err)
		}
	}
	return fmt.Errorf("failed to %s on %s: %w", what, tok, err)
}
