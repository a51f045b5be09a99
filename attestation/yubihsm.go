package attestation

import (
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"unicode/utf8"
)

// A YubiHSM 2 key attestation is one certificate: it certifies a key
// object of the device and is issued by the device's own attestation
// certificate ("YubiHSM Attestation (SERIAL)"), which a Yubico YubiHSM
// Sub-CA issued. Yubico's extensions 1.3.6.1.4.1.41482.4.x in it say what
// the device knows of the object: firmware, serial, origin, domains,
// capabilities, object ID and label.

// Yubico's YubiHSM attestation extensions.
var (
	oidHSMFirmware     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 1} // OCTET STRING: major, minor, patch
	oidHSMSerial       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 2} // INTEGER
	oidHSMOrigin       = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 3} // BIT STRING
	oidHSMDomains      = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 4} // BIT STRING
	oidHSMCapabilities = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 5} // BIT STRING
	oidHSMObjectID     = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 6} // INTEGER
	oidHSMLabel        = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 4, 9} // UTF8String
)

// YubiHSM 2 object origins (the origin extension's byte, a bit field):
// made on a device, or imported in the clear; the wrapped bit says it came
// in under wrap (exported from a YubiHSM and imported here).
const (
	HSMOriginGenerated = 0x01
	HSMOriginImported  = 0x02
	HSMOriginWrapped   = 0x10
)

// Capabilities of a YubiHSM 2 object this package reads.
const (
	HSMCapSignECDSA           = 0x80
	HSMCapSignEdDSA           = 0x100
	HSMCapExportableUnderWrap = 0x10000
)

// YubiHSM is what a YubiHSM 2 key attestation says of its key object
// (Attested holds the key, and whether the chain holds).
type YubiHSM struct {
	Serial       uint32
	Firmware     string
	Origin       byte
	Domains      uint16
	Capabilities uint64
	ObjectID     uint16
	Label        string
}

// OriginText says the origin for people.
func (h *YubiHSM) OriginText() string {
	switch h.Origin {
	case HSMOriginGenerated:
		return "generated on the device"
	case HSMOriginImported:
		return "imported in the clear"
	case HSMOriginGenerated | HSMOriginWrapped:
		return "generated on a YubiHSM, exported and imported here under wrap"
	case HSMOriginImported | HSMOriginWrapped:
		return "imported in the clear on a YubiHSM, exported and imported here under wrap"
	}
	return fmt.Sprintf("unknown origin %#x", h.Origin)
}

// readYubiHSM checks the first link of a YubiHSM 2 key attestation, that
// the device certificate issued it, and reads what it attests. It refuses
// an attestation whose serial is not the device certificate's. The chain
// above the device certificate is Examine's.
func readYubiHSM(keyCert, deviceCert *x509.Certificate) (*YubiHSM, error) {
	// The device certificate must be a CA that carries no key object's
	// extensions: a key attestation (not a CA) offered as a device
	// certificate would let whoever holds an attested key sign any
	// "attestation" under it.
	if !deviceCert.BasicConstraintsValid || !deviceCert.IsCA {
		return nil, fmt.Errorf("certificate %q is no device attestation certificate: it is not a CA", deviceCert.Subject.CommonName)
	}
	if hasExtension(deviceCert, oidHSMOrigin) || hasExtension(deviceCert, oidHSMCapabilities) || hasExtension(deviceCert, oidHSMObjectID) {
		return nil, fmt.Errorf("certificate %q is a key attestation, not a device attestation certificate", deviceCert.Subject.CommonName)
	}
	if err := keyCert.CheckSignatureFrom(deviceCert); err != nil {
		return nil, fmt.Errorf("the key attestation is not signed by the device certificate %q: %w", deviceCert.Subject.CommonName, err)
	}
	h := &YubiHSM{}
	if err := readHSMExtensions(keyCert, h); err != nil {
		return nil, fmt.Errorf("key attestation %q: %w", keyCert.Subject.CommonName, err)
	}
	dev, err := hsmSerial(deviceCert)
	if err != nil {
		return nil, fmt.Errorf("device certificate %q: %w", deviceCert.Subject.CommonName, err)
	}
	if dev != h.Serial {
		return nil, fmt.Errorf("the key attestation names YubiHSM %d, its device certificate %d", h.Serial, dev)
	}
	return h, nil
}

// readHSMExtensions reads Yubico's extensions; each must be there once.
func readHSMExtensions(c *x509.Certificate, h *YubiHSM) error {
	seen := map[string]bool{}
	for _, e := range c.Extensions {
		var err error
		switch {
		case e.Id.Equal(oidHSMFirmware):
			var v []byte
			if err = unmarshalAll(e.Value, &v, ""); err == nil && len(v) != 3 {
				err = errors.New("not 3 bytes")
			}
			if err == nil {
				h.Firmware = fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2])
			}
		case e.Id.Equal(oidHSMSerial):
			h.Serial, err = asn1Uint[uint32](e.Value)
		case e.Id.Equal(oidHSMOrigin):
			var b asn1.BitString
			if err = unmarshalAll(e.Value, &b, ""); err == nil && len(b.Bytes) != 1 {
				err = errors.New("not 1 byte")
			}
			if err == nil {
				h.Origin = b.Bytes[0]
			}
		case e.Id.Equal(oidHSMDomains):
			var v uint64
			v, err = bitsUint(e.Value, 2)
			h.Domains = uint16(v)
		case e.Id.Equal(oidHSMCapabilities):
			h.Capabilities, err = bitsUint(e.Value, 8)
		case e.Id.Equal(oidHSMObjectID):
			h.ObjectID, err = asn1Uint[uint16](e.Value)
		case e.Id.Equal(oidHSMLabel):
			// A label is up to 40 bytes of anything: shown as text when
			// it is UTF-8, else as hex.
			var raw asn1.RawValue
			if err = unmarshalAll(e.Value, &raw, ""); err == nil {
				h.Label = string(raw.Bytes)
				if !utf8.Valid(raw.Bytes) {
					h.Label = "hex:" + hex.EncodeToString(raw.Bytes)
				}
			}
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("extension %s: %w", e.Id, err)
		}
		if seen[e.Id.String()] {
			return fmt.Errorf("extension %s twice", e.Id)
		}
		seen[e.Id.String()] = true
	}
	var missing []string
	for _, id := range []asn1.ObjectIdentifier{oidHSMSerial, oidHSMOrigin, oidHSMCapabilities, oidHSMObjectID} {
		if !seen[id.String()] {
			missing = append(missing, id.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("no Yubico extension %s: not a YubiHSM 2 key attestation", strings.Join(missing, ", "))
	}
	return nil
}

// hsmSerial is the serial a device certificate names in its extension,
// 0 when it names none.
func hsmSerial(c *x509.Certificate) (uint32, error) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidHSMSerial) {
			v, err := asn1Uint[uint32](e.Value)
			if err != nil {
				return 0, fmt.Errorf("extension %s: %w", e.Id, err)
			}
			return v, nil
		}
	}
	return 0, nil
}

// unmarshalAll reads der into v, with nothing after it.
func unmarshalAll(der []byte, v any, params string) error {
	rest, err := asn1.UnmarshalWithParams(der, v, params)
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("%d bytes after the value", len(rest))
	}
	return err
}

// asn1Uint reads a DER INTEGER that fits T.
func asn1Uint[T uint16 | uint32](der []byte) (T, error) {
	var n *big.Int
	if rest, err := asn1.Unmarshal(der, &n); err != nil || len(rest) > 0 {
		return 0, fmt.Errorf("not one INTEGER: %v", err)
	}
	var max T
	max--
	if n.Sign() < 0 || n.Cmp(new(big.Int).SetUint64(uint64(max))) > 0 {
		return 0, fmt.Errorf("%s out of range", n)
	}
	return T(n.Uint64()), nil
}

// bitsUint reads a DER BIT STRING of size bytes as a big-endian number.
func bitsUint(der []byte, size int) (uint64, error) {
	var b asn1.BitString
	if rest, err := asn1.Unmarshal(der, &b); err != nil || len(rest) > 0 {
		return 0, fmt.Errorf("not one BIT STRING: %v", err)
	}
	if len(b.Bytes) != size {
		return 0, fmt.Errorf("%d bytes, want %d", len(b.Bytes), size)
	}
	var v uint64
	for _, x := range b.Bytes {
		v = v<<8 | uint64(x)
	}
	return v, nil
}
