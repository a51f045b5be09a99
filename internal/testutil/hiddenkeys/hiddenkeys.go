// Package hiddenkeys is a narrow stand-in for tests: a pkcs11: backend
// whose device, like a YubiHSM 2, shows no public key before the PIN
// (keys.ErrKeysAfterLogin) and, opened, holds whatever key it holds. Real
// PKCS#11 runs against SoftHSM2 elsewhere; this is for the paths that
// must cope with a key they cannot read first.
package hiddenkeys

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Backend is the device: Holds is the key it opens as.
type Backend struct{ Holds keys.Signer }

// Scheme is pkcs11.
func (Backend) Scheme() string { return "pkcs11" }

// PublicKey says the device shows its keys only after login.
func (Backend) PublicKey(*keys.URI) (*metadata.Key, error) {
	return nil, fmt.Errorf("token \"YubiHSM\" (YubiHSM 2): %w", keys.ErrKeysAfterLogin)
}

// Open gives the key the device holds, named by u.
func (b Backend) Open(u *keys.URI, _ keys.Prompter) (keys.Signer, error) {
	return uriSigner{b.Holds, u.String()}, nil
}

// Generate makes nothing.
func (Backend) Generate(*keys.URI, keys.KeyType, keys.Prompter) (*metadata.Key, error) {
	return nil, keys.ErrNotSupported
}

type uriSigner struct {
	keys.Signer
	uri string
}

func (s uriSigner) URI() string { return s.uri }
