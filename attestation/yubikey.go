package attestation

import (
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// YubiKey is what a verified YubiKey PIV attestation says about a key.
type YubiKey struct {
	Serial   uint32
	Firmware string
	// Slot is the slot in hex as the PIV standard names it ("9c"), from
	// the certificate's subject; "unknown" when the subject names none.
	Slot        string
	PINPolicy   string
	TouchPolicy string
}

// Expectation is what the plan requires of an attested key.
type Expectation struct {
	// Key is the TUF key that goes into the metadata: the attested public
	// key must be exactly this key.
	Key *metadata.Key
	// Serial, if not 0, is the device the key must be on.
	Serial uint32
	// Device, if not "", is the kind of device the key must be on
	// (DeviceYubiKey, DeviceYubiHSM).
	Device string
	// PINAlways and TouchAlways require those policies.
	PINAlways, TouchAlways bool
}

// Yubico's extensions of a slot attestation certificate.
var (
	oidFirmware  = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}
	oidSerial    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}
	oidKeyPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}
)

// slotSubjectPrefix starts the common name of a slot attestation
// certificate; the slot follows in hex.
const slotSubjectPrefix = "YubiKey PIV Attestation "

// VerifyYubiKey checks that slotCert was made by the device whose F9
// certificate is deviceCert, that deviceCert chains to roots (nil:
// Yubico's attestation roots), and that the attested key, serial and
// policies are what want says.
func VerifyYubiKey(slotCert, deviceCert *x509.Certificate, roots *x509.CertPool, want Expectation) (*YubiKey, error) {
	if want.Key == nil {
		return nil, errors.New("no expected key to bind the attestation to")
	}
	a, err := Examine([]*x509.Certificate{slotCert, deviceCert}, roots, time.Time{})
	if err != nil {
		return nil, err
	}
	if a.YubiKey == nil {
		return nil, fmt.Errorf("a %s attestation, not a YubiKey's", a.Device)
	}
	if p := a.Problems(want); len(p) > 0 {
		return nil, errors.New(strings.Join(p, "; "))
	}
	return a.YubiKey, nil
}

// verifyChain checks slot <- device <- (Yubico's intermediates) <- root,
// with this device certificate only.
// The device certificate is a CA by construction; some YubiKey 4 devices
// omit its basic constraints, so it is taken as a CA here (on a copy).
func verifyChain(slotCert, deviceCert *x509.Certificate, roots *x509.CertPool, at time.Time) error {
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if roots == nil {
		yr, yi, err := yubicoPools()
		if err != nil {
			return err
		}
		// The device certificate goes into a copy of Yubico's
		// intermediates, made for this call: added to the shared pool, it
		// would vouch for every later slot certificate it signed, whatever
		// device certificate that call was given, and calls at once would
		// race on the pool.
		opts.Roots, opts.Intermediates = yr, yi.Clone()
	}
	device := *deviceCert
	if !device.BasicConstraintsValid {
		device.BasicConstraintsValid, device.IsCA = true, true
	}
	opts.Intermediates.AddCert(&device)
	_, err := slotCert.Verify(opts)
	return err
}

var (
	pinPolicies   = map[byte]string{0x01: "never", 0x02: "once", 0x03: "always", 0x04: "match-once", 0x05: "match-always"}
	touchPolicies = map[byte]string{0x01: "never", 0x02: "always", 0x03: "cached"}
)

// readSlotCertificate reads Yubico's extensions and the slot from a slot
// attestation certificate.
func readSlotCertificate(c *x509.Certificate) (a *YubiKey, err error) {
	a = &YubiKey{Slot: slotOf(c.Subject.CommonName)}
	for _, e := range c.Extensions {
		switch {
		case e.Id.Equal(oidFirmware):
			if len(e.Value) != 3 {
				return nil, fmt.Errorf("attestation: firmware version extension holds %d bytes, want 3", len(e.Value))
			}
			a.Firmware = fmt.Sprintf("%d.%d.%d", e.Value[0], e.Value[1], e.Value[2])
		case e.Id.Equal(oidSerial):
			if a.Serial, err = serialOf(e.Value); err != nil {
				return nil, err
			}
		case e.Id.Equal(oidKeyPolicy):
			if len(e.Value) != 2 {
				return nil, fmt.Errorf("attestation: key policy extension holds %d bytes, want 2", len(e.Value))
			}
			pin, touch := e.Value[0], e.Value[1]
			var ok bool
			if a.PINPolicy, ok = pinPolicies[pin]; !ok {
				return nil, fmt.Errorf("attestation: unknown PIN policy 0x%02x", pin)
			}
			if a.TouchPolicy, ok = touchPolicies[touch]; !ok {
				return nil, fmt.Errorf("attestation: unknown touch policy 0x%02x", touch)
			}
		}
	}
	return a, nil
}

func serialOf(der []byte) (uint32, error) {
	var n int64
	if rest, err := asn1.Unmarshal(der, &n); err != nil || len(rest) != 0 || n <= 0 || n > 1<<32-1 {
		return 0, errors.New("the slot certificate's serial number extension is not a serial number")
	}
	return uint32(n), nil
}

// slotOf reads the slot from a slot certificate's common name.
func slotOf(cn string) string {
	hex, ok := strings.CutPrefix(cn, slotSubjectPrefix)
	if !ok {
		return "unknown"
	}
	n, err := strconv.ParseUint(hex, 16, 8)
	if err != nil {
		return "unknown"
	}
	return strconv.FormatUint(n, 16)
}

// YubiKeySerial is the device serial a slot certificate names, not
// verified: VerifyYubiKey checks it against the chain.
func YubiKeySerial(slot *x509.Certificate) (uint32, error) {
	for _, e := range slot.Extensions {
		if e.Id.Equal(oidSerial) {
			return serialOf(e.Value)
		}
	}
	return 0, errors.New("the slot certificate names no device serial")
}
