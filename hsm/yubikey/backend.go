package yubikey

import (
	"crypto"
	"errors"
	"fmt"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Backend is the keys.Backend for yubikey: URIs.
type Backend struct{}

var _ keys.Backend = Backend{}

// Scheme: keys named by yubikey: URIs.
func (Backend) Scheme() string { return "yubikey" }

// PublicKey reads the slot's public key from the device (no PIN needed).
func (Backend) PublicKey(u *keys.URI) (*metadata.Key, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	dev, err := open(t.serial)
	if err != nil {
		return nil, err
	}
	defer dev.Close()
	info, err := slotInfo(dev, t)
	if err != nil {
		return nil, err
	}
	return keys.FromPublicKey(info.PublicKey)
}

func slotInfo(dev *Device, t *target) (piv.KeyInfo, error) {
	cardMu.Lock()
	defer cardMu.Unlock()
	info, err := dev.yk.KeyInfo(t.slot)
	if err != nil {
		if errors.Is(err, piv.ErrNotFound) {
			return info, hint.With(fmt.Errorf("YubiKey %d has no key in slot %x: generate one on the device", dev.Serial, t.slot.Key), "keygen --uri "+URI(dev.Serial, t.slot)+" --out FILE")
		}
		return info, fmt.Errorf("failed to read slot %x of YubiKey %d (firmware 5.3 or later is needed): %w", t.slot.Key, dev.Serial, err)
	}
	if info.PublicKey == nil {
		return info, fmt.Errorf("YubiKey %d has no key in slot %x", dev.Serial, t.slot.Key)
	}
	return info, nil
}

// Open opens the slot for signing. The device stays open until Close.
func (Backend) Open(u *keys.URI, p keys.Prompter) (keys.Signer, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	dev, err := open(t.serial)
	if err != nil {
		return nil, err
	}
	if err := refuseFactory(dev); err != nil {
		dev.Close()
		return nil, err
	}
	info, err := slotInfo(dev, t)
	if err != nil {
		dev.Close()
		return nil, err
	}
	tk, err := keys.FromPublicKey(info.PublicKey)
	if err != nil {
		dev.Close()
		return nil, fmt.Errorf("YubiKey %d slot %x: %w", dev.Serial, t.slot.Key, err)
	}
	s := &signer{t: t, dev: dev, info: info, tufKey: tk, prompter: p, tries: -1}
	cardMu.Lock()
	priv, err := dev.yk.PrivateKey(t.slot, info.PublicKey, piv.KeyAuth{PINPrompt: s.pin, PINPolicy: info.PINPolicy})
	cardMu.Unlock()
	if err != nil {
		dev.Close()
		return nil, fmt.Errorf("YubiKey %d slot %x: %w", dev.Serial, t.slot.Key, err)
	}
	signerKey, ok := priv.(crypto.Signer)
	if !ok {
		dev.Close()
		return nil, fmt.Errorf("YubiKey %d slot %x holds a key that cannot sign", dev.Serial, t.slot.Key)
	}
	s.priv = signerKey
	return s, nil
}
