package yubikey

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// ErrFactoryManagementKey means the device still has its factory
// management key and no new one was given.
var ErrFactoryManagementKey = errors.New("YubiKey still has its factory management key")

// Generate makes a key in the slot the URI names, on the device. It refuses
// a slot that holds a key, Ed25519 on firmware before 5.7, and a device on
// its factory management key unless new-management-key-source gives a new
// one; new-pin-source and new-puk-source set a new PIN and PUK first.
// Defaults: PIN policy always, touch policy always.
func (Backend) Generate(u *keys.URI, kt keys.KeyType, p keys.Prompter) (*metadata.Key, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	policy, err := keyPolicy(u, kt)
	if err != nil {
		return nil, err
	}
	dev, err := open(t.serial)
	if err != nil {
		return nil, err
	}
	defer dev.Close()
	if kt == keys.TypeEd25519 && !atLeast(dev.Version, 5, 7, 0) {
		return nil, fmt.Errorf("YubiKey %d has firmware %s: Ed25519 needs 5.7 or later; use --type ecdsa-p256 or ecdsa-p384", dev.Serial, dev.Firmware())
	}
	cardMu.Lock()
	_, err = dev.yk.KeyInfo(t.slot)
	cardMu.Unlock()
	if err == nil {
		return nil, fmt.Errorf("YubiKey %d slot %x already holds a key: refusing to replace it (a key on a device is never overwritten)", dev.Serial, t.slot.Key)
	}
	if !errors.Is(err, piv.ErrNotFound) {
		return nil, fmt.Errorf("failed to read slot %x of YubiKey %d: %w", t.slot.Key, dev.Serial, err)
	}
	mgmt, err := managementKey(dev, u, p)
	if err != nil {
		return nil, err
	}
	defer clear(mgmt)
	if err := changeCredentials(dev, u, p); err != nil {
		return nil, err
	}
	cardMu.Lock()
	pub, err := dev.yk.GenerateKey(mgmt, t.slot, policy)
	cardMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("YubiKey %d failed to generate a key in slot %x: %w", dev.Serial, t.slot.Key, err)
	}
	return keys.FromPublicKey(pub)
}

func keyPolicy(u *keys.URI, kt keys.KeyType) (piv.Key, error) {
	k := piv.Key{PINPolicy: piv.PINPolicyAlways, TouchPolicy: piv.TouchPolicyAlways}
	switch kt {
	case keys.TypeEd25519:
		k.Algorithm = piv.AlgorithmEd25519
	case keys.TypeECDSAP256:
		k.Algorithm = piv.AlgorithmEC256
	case keys.TypeECDSAP384:
		k.Algorithm = piv.AlgorithmEC384
	default:
		return k, fmt.Errorf("unknown key type %q", kt)
	}
	switch v := u.Query["pin-policy"]; v {
	case "", "always":
	case "once":
		k.PINPolicy = piv.PINPolicyOnce
	default:
		return k, fmt.Errorf("key URI %q: pin-policy %q (want always or once; a TUF key always needs a PIN)", u.String(), v)
	}
	switch v := u.Query["touch-policy"]; v {
	case "", "always":
	case "cached":
		k.TouchPolicy = piv.TouchPolicyCached
	case "never":
		k.TouchPolicy = piv.TouchPolicyNever
	default:
		return k, fmt.Errorf("key URI %q: touch-policy %q (want always, cached or never)", u.String(), v)
	}
	return k, nil
}

// managementKey returns the management key to use: the current one
// (management-key-source or prompt), replaced by a new one if the URI gives
// new-management-key-source. The factory key is refused unless replaced.
func managementKey(dev *Device, u *keys.URI, p keys.Prompter) ([]byte, error) {
	current, err := hexSecret(u, "management-key-source", p, keys.SecretRequest{Kind: keys.ManagementKey, URI: u.String(), TriesLeft: -1})
	if err != nil {
		return nil, err
	}
	newSrc, ok := u.Query["new-management-key-source"]
	if !ok {
		if bytes.Equal(current, piv.DefaultManagementKey) {
			clear(current)
			return nil, fmt.Errorf("%w (YubiKey %d): give a new one with new-management-key-source=FILE in the key URI", ErrFactoryManagementKey, dev.Serial)
		}
		return current, nil
	}
	next, err := readHexFile(newSrc)
	if err != nil {
		clear(current)
		return nil, fmt.Errorf("new-management-key-source of %q: %w", u.String(), err)
	}
	if bytes.Equal(next, piv.DefaultManagementKey) {
		return nil, fmt.Errorf("new-management-key-source of %q holds the factory management key", u.String())
	}
	cardMu.Lock()
	err = dev.yk.SetManagementKey(current, next)
	cardMu.Unlock()
	clear(current)
	if err != nil {
		return nil, fmt.Errorf("failed to set the management key of YubiKey %d (is the current one right?): %w", dev.Serial, err)
	}
	return next, nil
}

// changeCredentials sets a new PIN and PUK when the URI asks for it.
func changeCredentials(dev *Device, u *keys.URI, p keys.Prompter) error {
	if src, ok := u.Query["new-pin-source"]; ok {
		newPIN, err := readSecretFile(src)
		if err != nil {
			return fmt.Errorf("new-pin-source of %q: %w", u.String(), err)
		}
		if newPIN == piv.DefaultPIN || len(newPIN) < 6 || len(newPIN) > 8 {
			return fmt.Errorf("new-pin-source of %q: a PIN of your own has 6 to 8 characters and is not 123456", u.String())
		}
		old, err := keys.SecretFor(u, p, keys.SecretRequest{Kind: keys.PIN, URI: u.String(), TriesLeft: -1})
		if err != nil {
			return err
		}
		cardMu.Lock()
		err = dev.yk.SetPIN(string(old), newPIN)
		cardMu.Unlock()
		clear(old)
		if err != nil {
			return describeCardError(dev.Serial, err)
		}
	}
	if src, ok := u.Query["new-puk-source"]; ok {
		newPUK, err := readSecretFile(src)
		if err != nil {
			return fmt.Errorf("new-puk-source of %q: %w", u.String(), err)
		}
		if newPUK == piv.DefaultPUK || len(newPUK) < 6 || len(newPUK) > 8 {
			return fmt.Errorf("new-puk-source of %q: a PUK of your own has 6 to 8 characters and is not 12345678", u.String())
		}
		oldSrc, ok := u.Query["puk-source"]
		if !ok {
			return fmt.Errorf("key URI %q: new-puk-source needs puk-source=FILE with the current PUK", u.String())
		}
		old, err := readSecretFile(oldSrc)
		if err != nil {
			return fmt.Errorf("puk-source of %q: %w", u.String(), err)
		}
		cardMu.Lock()
		err = dev.yk.SetPUK(old, newPUK)
		cardMu.Unlock()
		if err != nil {
			return fmt.Errorf("failed to set the PUK of YubiKey %d: %w", dev.Serial, err)
		}
	}
	return nil
}

func hexSecret(u *keys.URI, attr string, p keys.Prompter, req keys.SecretRequest) ([]byte, error) {
	if src, ok := u.Query[attr]; ok {
		b, err := readHexFile(src)
		if err != nil {
			return nil, fmt.Errorf("%s of %q: %w", attr, u.String(), err)
		}
		return b, nil
	}
	if p == nil {
		return nil, fmt.Errorf("%q needs the management key and there is no terminal: add ?%s=FILE", u.String(), attr)
	}
	s, err := p.Secret(req)
	if err != nil {
		return nil, err
	}
	defer clear(s)
	return decodeHexKey(string(s))
}

func readHexFile(path string) ([]byte, error) {
	s, err := readSecretFile(path)
	if err != nil {
		return nil, err
	}
	return decodeHexKey(s)
}

func decodeHexKey(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || (len(b) != 16 && len(b) != 24 && len(b) != 32) {
		return nil, fmt.Errorf("a management key is 32, 48 or 64 hex digits")
	}
	return b, nil
}

func readSecretFile(path string) (string, error) {
	u := &keys.URI{Query: map[string]string{"pin-source": path}}
	b, err := keys.SecretFor(u, nil, keys.SecretRequest{})
	if err != nil {
		return "", err
	}
	s := string(b)
	clear(b)
	return s, nil
}

func atLeast(v piv.Version, major, minor, patch int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Patch >= patch
}

// Attestation returns the slot's attestation certificate and the device's
// F9 attestation certificate, as the device makes them.
func Attestation(uri string) (slot, device *x509.Certificate, err error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return nil, nil, err
	}
	t, err := parseTarget(u)
	if err != nil {
		return nil, nil, err
	}
	dev, err := open(t.serial)
	if err != nil {
		return nil, nil, err
	}
	defer dev.Close()
	cardMu.Lock()
	defer cardMu.Unlock()
	device, err = dev.yk.AttestationCertificate()
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read the attestation certificate of YubiKey %d: %w", dev.Serial, err)
	}
	slot, err = dev.yk.Attest(t.slot)
	if err != nil {
		return nil, nil, fmt.Errorf("YubiKey %d failed to attest slot %x: %w", dev.Serial, t.slot.Key, err)
	}
	return slot, device, nil
}
