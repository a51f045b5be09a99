package yubikey

import (
	"crypto/x509"
	"strconv"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

var (
	_ keys.Inventory = Backend{}
	_ keys.Attester  = Backend{}
)

// Devices lists the YubiKeys present, by serial, each with its firmware,
// PIN tries left and the keys in its signing slots (no PIN needed).
func (Backend) Devices() ([]keys.Device, error) {
	devs, err := List()
	if err != nil {
		return nil, err
	}
	out := make([]keys.Device, 0, len(devs))
	for _, d := range devs {
		kd := keys.Device{Serial: strconv.FormatUint(uint64(d.Serial), 10), Firmware: d.Firmware(), PINTries: -1}
		info, err := Describe(d)
		d.Close()
		if err != nil {
			kd.Err = err
			out = append(out, kd)
			continue
		}
		kd.PINTries = info.PINTries
		kd.Slots = map[string]*metadata.Key{}
		for _, s := range info.Slots {
			kd.Slots[s.Slot.String()] = s.Key
		}
		out = append(out, kd)
	}
	return out, nil
}

// Attestation reads the slot's attestation certificate and the device's
// F9 certificate that issued it.
func (Backend) Attestation(u *keys.URI) (slot, device *x509.Certificate, err error) {
	return Attestation(u.String())
}
