package keys

import (
	"crypto/x509"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Device is a hardware device present on this machine, as read without a
// PIN: what the ceremony checks while it waits for a keyholder.
type Device struct {
	// Serial is the device's serial number, in decimal.
	Serial   string
	Firmware string
	// PINTries is the PIN tries left; -1 when the device does not say.
	PINTries int
	// Slots maps a slot, as key URIs name it ("9c"), to its public key.
	Slots map[string]*metadata.Key
	// Err says why a device that is present could not be read; the other
	// fields but Serial are then unset.
	Err error
}

// Inventory is a Backend whose devices can be listed.
type Inventory interface {
	// Devices lists the devices present, in a stable order.
	Devices() ([]Device, error)
}

// Attester is a Backend whose devices attest their keys.
type Attester interface {
	// Attestation returns the certificate the device makes for the key u
	// names, and the device's own certificate that issued it.
	Attestation(u *URI) (key, device *x509.Certificate, err error)
}

// Devices lists the devices present of the backend for scheme.
func Devices(scheme string) ([]Device, error) {
	b, err := backendFor(&URI{Scheme: scheme, raw: scheme + ":"})
	if err != nil {
		return nil, err
	}
	inv, ok := b.(Inventory)
	if !ok {
		return nil, fmt.Errorf("%s keys have no devices to list", scheme)
	}
	return inv.Devices()
}

// Attestation reads the attestation of the key uri names from its device;
// nil certificates and no error when the backend attests nothing (file
// keys, PKCS#11 tokens).
func Attestation(uri string) (key, device *x509.Certificate, err error) {
	u, b, err := resolve(uri)
	if err != nil {
		return nil, nil, err
	}
	a, ok := b.(Attester)
	if !ok {
		return nil, nil, nil
	}
	return a.Attestation(u)
}
