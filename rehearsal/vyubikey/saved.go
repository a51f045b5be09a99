package vyubikey

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
)

// savedFormat names the layout of a saved card; Restore refuses others.
const savedFormat = "vyubikey/1"

// saved is a card's memory as Save writes it: what survives pulling the
// card out (keys, PIN, PUK, management key, tries left, data objects), in
// the clear, as the chip of a card holds it. Byte slices are base64 in
// JSON.
type saved struct {
	Format        string        `json:"format"`
	Serial        uint32        `json:"serial"`
	Version       [3]byte       `json:"firmware"`
	FormFactor    byte          `json:"form_factor"`
	PIN           []byte        `json:"pin"`
	PUK           []byte        `json:"puk"`
	PINMax        int           `json:"pin_max"`
	PINLeft       int           `json:"pin_left"`
	PUKMax        int           `json:"puk_max"`
	PUKLeft       int           `json:"puk_left"`
	MgmAlg        byte          `json:"management_algorithm"`
	MgmKey        []byte        `json:"management_key"`
	MgmTouch      bool          `json:"management_touch"`
	AttestationCA []byte        `json:"attestation_certificate"`
	Keys          []savedKey    `json:"keys"`
	Objects       []savedObject `json:"objects"`
}

type savedKey struct {
	Slot        byte   `json:"slot"`
	Alg         byte   `json:"algorithm"`
	PINPolicy   byte   `json:"pin_policy"`
	TouchPolicy byte   `json:"touch_policy"`
	Origin      byte   `json:"origin"`
	PKCS8       []byte `json:"pkcs8"`
}

type savedObject struct {
	Tag  uint32 `json:"tag"`
	Data []byte `json:"data"`
}

// Save returns the card's memory (keys in the clear, PIN and PUK, tries
// left), which Restore turns back into the same card. Whoever holds it
// holds the card: keep it as private as the card.
func (c *Card) Save() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.saveLocked()
}

func (c *Card) saveLocked() ([]byte, error) {
	s := saved{
		Format: savedFormat, Serial: c.serial, Version: c.version, FormFactor: c.formFactor,
		PIN: c.st.pin, PUK: c.st.puk,
		PINMax: c.st.pinMax, PINLeft: c.st.pinLeft, PUKMax: c.st.pukMax, PUKLeft: c.st.pukLeft,
		MgmAlg: c.st.mgmAlg, MgmKey: c.st.mgmKey, MgmTouch: c.st.mgmTouch,
		AttestationCA: c.attCert.Raw,
	}
	for _, slot := range slices.Sorted(maps.Keys(c.st.keys)) {
		k := c.st.keys[slot]
		der, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			return nil, fmt.Errorf("failed to save the key in slot %02x: %w", slot, err)
		}
		s.Keys = append(s.Keys, savedKey{Slot: slot, Alg: k.alg, PINPolicy: k.pinPolicy, TouchPolicy: k.touchPolicy, Origin: k.origin, PKCS8: der})
	}
	for _, tag := range slices.Sorted(maps.Keys(c.st.objects)) {
		s.Objects = append(s.Objects, savedObject{Tag: tag, Data: c.st.objects[tag]})
	}
	return json.MarshalIndent(s, "", "  ")
}

// Restore makes the card that Save saved, out of any reader. Of opts it
// takes TouchDelay, Touch and Saved; the rest comes from the saved card.
func Restore(b []byte, opts Options) (*Card, error) {
	var s saved
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("not a saved virtual YubiKey: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not a saved virtual YubiKey: more follows its JSON object")
	}
	if s.Format != savedFormat {
		return nil, fmt.Errorf("format %q: want %q", s.Format, savedFormat)
	}
	c := &Card{serial: s.Serial, version: s.Version, formFactor: s.FormFactor,
		touchDelay: opts.TouchDelay, touchWait: opts.Touch, onSave: opts.Saved}
	if err := s.check(c); err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(s.AttestationCA)
	if err != nil {
		return nil, fmt.Errorf("attestation_certificate: %w", err)
	}
	c.attCert = cert
	c.st = state{
		pin: s.PIN, puk: s.PUK,
		pinMax: s.PINMax, pinLeft: s.PINLeft, pukMax: s.PUKMax, pukLeft: s.PUKLeft,
		mgmAlg: s.MgmAlg, mgmKey: s.MgmKey, mgmTouch: s.MgmTouch,
		keys: map[byte]*slotKey{}, objects: map[uint32][]byte{},
	}
	for _, k := range s.Keys {
		priv, err := x509.ParsePKCS8PrivateKey(k.PKCS8)
		if err != nil {
			return nil, fmt.Errorf("key in slot %02x: %w", k.Slot, err)
		}
		signer, err := k.check(priv)
		if err != nil {
			return nil, fmt.Errorf("key in slot %02x: %w", k.Slot, err)
		}
		c.st.keys[k.Slot] = &slotKey{alg: k.Alg, pinPolicy: k.PINPolicy, touchPolicy: k.TouchPolicy, origin: k.Origin, priv: signer}
	}
	for _, o := range s.Objects {
		c.st.objects[o.Tag] = o.Data
	}
	att, ok := c.st.keys[slotAttestation].priv.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("no ECDSA attestation key in slot f9")
	}
	if !att.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("attestation_certificate: not the certificate of the key in slot f9")
	}
	c.attKey = att
	return c, nil
}

// check refuses a saved key the card could not hold: its slot, its
// algorithm byte against the key itself, its policies.
func (k savedKey) check(priv any) (crypto.Signer, error) {
	if k.Slot != slotAttestation && !keySlot(k.Slot) {
		return nil, errors.New("not a PIV key slot")
	}
	var alg byte
	switch p := priv.(type) {
	case *ecdsa.PrivateKey:
		switch p.Curve.Params().BitSize {
		case 256:
			alg = algP256
		case 384:
			alg = algP384
		}
	case ed25519.PrivateKey:
		alg = algEd25519
	}
	if alg == 0 || alg != k.Alg || (k.Slot == slotAttestation && alg != algP256) {
		return nil, fmt.Errorf("algorithm %02x: a %T of another kind, or not one a YubiKey holds there", k.Alg, priv)
	}
	if k.PINPolicy < pinNever || k.PINPolicy > pinAlways || k.TouchPolicy < touchNever || k.TouchPolicy > touchCached {
		return nil, fmt.Errorf("pin_policy %d or touch_policy %d: not a policy", k.PINPolicy, k.TouchPolicy)
	}
	return priv.(crypto.Signer), nil
}

// check refuses a saved card the applet could not serve.
func (s *saved) check(c *Card) error {
	switch {
	case s.Serial == 0:
		return errors.New("serial: missing")
	case len(s.PIN) != 8 || len(s.PUK) != 8:
		return errors.New("pin, puk: want 8 bytes each")
	case s.PINMax < 1 || s.PINMax > 255 || s.PINLeft < 0 || s.PINLeft > s.PINMax:
		return fmt.Errorf("pin_left %d of pin_max %d: out of range", s.PINLeft, s.PINMax)
	case s.PUKMax < 1 || s.PUKMax > 255 || s.PUKLeft < 0 || s.PUKLeft > s.PUKMax:
		return fmt.Errorf("puk_left %d of puk_max %d: out of range", s.PUKLeft, s.PUKMax)
	case !slices.ContainsFunc(s.Keys, func(k savedKey) bool { return k.Slot == slotAttestation }):
		return errors.New("keys: no attestation key in slot f9")
	}
	if !c.managementKeyFits(s.MgmAlg, s.MgmKey) {
		return fmt.Errorf("management_key: %d bytes are not a key of algorithm %02x on this firmware", len(s.MgmKey), s.MgmAlg)
	}
	return nil
}
