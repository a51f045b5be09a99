package claims

import (
	"fmt"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/keys"
)

// ReadAttestation reads, from the YubiKey that uri names (through b), the attestation
// of the key in its slot, and returns it with that key's ID. For a key
// that is not on a YubiKey (file:, pkcs11:) it returns "", nil, nil. No
// PIN is needed. The attestation is not verified here: Verify does that,
// against the roots the administrators trust.
func ReadAttestation(b *keys.Backends, uri string) (string, *Attestation, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return "", nil, err
	}
	if u.Scheme != "yubikey" {
		return "", nil, nil
	}
	slot, device, err := b.Attestation(uri)
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
	serial, err := attestation.YubiKeySerial(slot)
	if err != nil {
		return "", nil, fmt.Errorf("the attestation of %q: %w", uri, err)
	}
	a := NewAttestation(serial, slot, device)
	return id, &a, nil
}
