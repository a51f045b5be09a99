package claims

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

// ReadAttestation reads, from the YubiKey that uri names, the attestation
// of the key in its slot, and returns it with that key's ID. For a key
// that is not on a YubiKey (file:, pkcs11:) it returns "", nil, nil. No
// PIN is needed. The attestation is not verified here: Verify does that,
// against the roots the administrators trust.
func ReadAttestation(uri string) (string, *Attestation, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return "", nil, err
	}
	if u.Scheme != "yubikey" {
		return "", nil, nil
	}
	slot, device, err := yubikey.Attestation(uri)
	if err != nil {
		return "", nil, err
	}
	k, err := keys.FromPublicKey(slot.PublicKey)
	if err != nil {
		return "", nil, fmt.Errorf("the attested key of %q: %w", uri, err)
	}
	id, err := keys.ID(k)
	if err != nil {
		return "", nil, err
	}
	serial, err := attestedSerial(slot)
	if err != nil {
		return "", nil, fmt.Errorf("the attestation of %q: %w", uri, err)
	}
	a := NewAttestation(serial, slot, device)
	return id, &a, nil
}

// yubicoSerialExtension is the extension of a YubiKey's slot attestation
// certificate that holds the device serial (an ASN.1 INTEGER).
var yubicoSerialExtension = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}

// attestedSerial is the device serial a slot certificate names (not
// verified: VerifyAttestation checks it against the chain).
func attestedSerial(slot *x509.Certificate) (uint32, error) {
	for _, e := range slot.Extensions {
		if !e.Id.Equal(yubicoSerialExtension) {
			continue
		}
		var n int64
		if _, err := asn1.Unmarshal(e.Value, &n); err != nil || n <= 0 || n > 1<<32-1 {
			return 0, fmt.Errorf("the slot certificate's serial number extension is not a serial number")
		}
		return uint32(n), nil
	}
	return 0, fmt.Errorf("the slot certificate names no device serial")
}
