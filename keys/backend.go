package keys

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Backend opens and makes keys for one URI scheme. The file backend lives in
// this package; the hardware backends (hsm/yubikey, hsm/p11) are handed to
// NewBackends by the program that uses them.
type Backend interface {
	// Scheme is the URI scheme of the keys it opens ("yubikey").
	Scheme() string
	// PublicKey returns the TUF key named by u without asking for a secret
	// where the backend can.
	PublicKey(u *URI) (*metadata.Key, error)
	// Open returns a Signer for u, asking p for a secret if needed.
	Open(u *URI, p Prompter) (Signer, error)
	// Generate makes a new key at u and returns its TUF public key. It
	// refuses if a key already exists at u.
	Generate(u *URI, t KeyType, p Prompter) (*metadata.Key, error)
}

// PINUnblocker is a backend whose devices can unblock their own PIN: a
// YubiKey with its PUK. It asks p for the PUK, then for a new PIN twice.
type PINUnblocker interface {
	UnblockPIN(u *URI, p Prompter) error
}

// ErrNoUnblock means a key's device cannot unblock its PIN here: a PKCS#11
// token's PIN is unblocked by its security officer, with the token's own
// tools; a key file has no PIN to block.
var ErrNoUnblock = errors.New("its PIN cannot be unblocked here")

// UnblockPIN unblocks the PIN of the device uri names, if its backend can
// (PINUnblocker); ErrNoUnblock otherwise.
func (b *Backends) UnblockPIN(uri string, p Prompter) error {
	u, be, err := b.resolve(uri)
	if err != nil {
		return err
	}
	ub, ok := be.(PINUnblocker)
	switch {
	case !ok && u.Scheme == "file":
		return fmt.Errorf("key %q: %w: a key file has a passphrase, which never blocks", u.String(), ErrNoUnblock)
	case !ok:
		return fmt.Errorf("key %q: %w: a %s key's PIN is unblocked by the device's security officer with its own tools", u.String(), ErrNoUnblock, u.Scheme)
	}
	return ub.UnblockPIN(u, p)
}

// Backends opens keys by their URI's scheme: encrypted key files always,
// and the hardware backends a program was built with. A program makes one
// in main and hands it to what opens keys; there is no registry to fill.
type Backends struct {
	byScheme map[string]Backend
}

// NewBackends returns the file backend and the given ones.
func NewBackends(hardware ...Backend) *Backends {
	b := &Backends{byScheme: map[string]Backend{"file": fileBackend{}}}
	for _, h := range hardware {
		b.byScheme[h.Scheme()] = h
	}
	return b
}

// ErrNotSupported means this build has no backend for a key's scheme.
var ErrNotSupported = errors.New("not supported by this build")

// files opens file keys only: what the package-level functions use.
var files = NewBackends()

// resolve parses uri and finds the backend of its scheme.
func (b *Backends) resolve(uri string) (*URI, Backend, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, nil, err
	}
	be, ok := b.byScheme[u.Scheme]
	if !ok {
		return nil, nil, fmt.Errorf("key URI %q: %s keys are %w", u.String(), u.Scheme, ErrNotSupported)
	}
	return u, be, nil
}

// Open parses uri and opens the key it names.
func (b *Backends) Open(uri string, p Prompter) (Signer, error) {
	u, be, err := b.resolve(uri)
	if err != nil {
		return nil, err
	}
	return be.Open(u, p)
}

// PublicKey parses uri and returns the TUF public key it names.
func (b *Backends) PublicKey(uri string) (*metadata.Key, error) {
	u, be, err := b.resolve(uri)
	if err != nil {
		return nil, err
	}
	return be.PublicKey(u)
}

// Generate makes a new key of type t at uri.
func (b *Backends) Generate(uri string, t KeyType, p Prompter) (*metadata.Key, error) {
	u, be, err := b.resolve(uri)
	if err != nil {
		return nil, err
	}
	return be.Generate(u, t, p)
}

// Devices lists the devices present of the backend for scheme.
func (b *Backends) Devices(scheme string) ([]Device, error) {
	be, ok := b.byScheme[scheme]
	if !ok {
		return nil, fmt.Errorf("%s keys are %w", scheme, ErrNotSupported)
	}
	inv, ok := be.(Inventory)
	if !ok {
		return nil, fmt.Errorf("%s keys have no devices to list", scheme)
	}
	return inv.Devices()
}

// Attestation reads the attestation of the key uri names from its device;
// nil certificates and no error when the backend attests nothing (file
// keys, PKCS#11 tokens).
func (b *Backends) Attestation(uri string) (key, device *x509.Certificate, err error) {
	u, be, err := b.resolve(uri)
	if err != nil {
		return nil, nil, err
	}
	a, ok := be.(Attester)
	if !ok {
		return nil, nil, nil
	}
	return a.Attestation(u)
}

// Open opens a file key (file: URI); other keys open through Backends.
func Open(uri string, p Prompter) (Signer, error) { return files.Open(uri, p) }

// PublicKey reads a file key's public key (file: URI); other keys through
// Backends.
func PublicKey(uri string) (*metadata.Key, error) { return files.PublicKey(uri) }

// Generate makes a file key (file: URI); other keys are made through
// Backends.
func Generate(uri string, t KeyType, p Prompter) (*metadata.Key, error) {
	return files.Generate(uri, t, p)
}
