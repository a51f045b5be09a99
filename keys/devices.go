package keys

import (
	"crypto/x509"

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
