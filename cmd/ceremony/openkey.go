package main

import (
	"errors"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tuf-ceremony/ceremony/keys"
)

// openKey opens the key uri names, its secret read once from its
// pin-source or asked on the terminal; close releases the device (a no-op
// for file keys) and clears a secret read from a pin-source.
func openKey(env *runEnv, uri string) (s keys.Signer, close func(), err error) {
	openURI, p, _, done, err := keys.OpenPINSource(uri, env.prompter())
	if err != nil {
		return nil, nil, err
	}
	s, err = env.keys.Open(openURI, p)
	if err != nil {
		done()
		return nil, nil, err
	}
	if c, ok := s.(keys.Closer); ok {
		return s, func() { c.Close(); done() }, nil
	}
	return s, done, nil
}

// payloadKey is the public key of the key uri names, read without a PIN,
// to check who may sign before anything is asked. A device that shows its
// keys only after the PIN (a YubiHSM 2) needs it given in pubFile; given
// for any other, it must be the key the device holds.
func payloadKey(env *runEnv, uri, pubFile string) (*metadata.Key, error) {
	pub, err := env.keys.PublicKey(uri)
	if pubFile == "" {
		if errors.Is(err, keys.ErrKeysAfterLogin) {
			return nil, fmt.Errorf("%w: give the key's TUF public key file with --public-key, and the key the device holds is checked against it once the PIN is given", err)
		}
		return pub, err
	}
	given, ferr := readTUFKey(pubFile)
	switch {
	case ferr != nil:
		return nil, ferr
	case errors.Is(err, keys.ErrKeysAfterLogin):
		return given, nil
	case err != nil:
		return nil, err
	case !keys.SameKey(pub, given):
		return nil, fmt.Errorf("the key %q names is not the key of --public-key %s", uri, pubFile)
	}
	return pub, nil
}

// openSameKey opens the key uri names, as openKey does, and refuses it
// when it is not pub, the key checked before the PIN was asked.
func openSameKey(env *runEnv, uri string, pub *metadata.Key) (keys.Signer, func(), error) {
	s, closeKey, err := openKey(env, uri)
	if err != nil {
		return nil, nil, err
	}
	if !keys.SameKey(s.TUFKey(), pub) {
		closeKey()
		return nil, nil, fmt.Errorf("the key opened from %q is not the key it named before opening (wrong device inserted?)", uri)
	}
	return s, closeKey, nil
}
