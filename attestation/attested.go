package attestation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Device kinds an attestation comes from.
const (
	DeviceYubiKey = "YubiKey"
	DeviceYubiHSM = "YubiHSM 2"
)

// Attested is what an attestation of either kind says of a key, read
// from certificates whose first link (the device certificate issued the
// key's) verified. Whether the device certificate chains to the roots is
// Chained; whether the key is what a plan wants is Problems.
type Attested struct {
	// Device is DeviceYubiKey or DeviceYubiHSM.
	Device   string
	Serial   uint32
	Firmware string
	// Key is the attested public key.
	Key crypto.PublicKey
	// Chained: the device certificate chains to the roots. When false,
	// Unchained says why, and the attestation attests nothing.
	Chained   bool
	Unchained string
	// YubiKey is a PIV slot's attestation, YubiHSM a key object's: one of
	// them is set.
	YubiKey *YubiKey
	YubiHSM *YubiHSM
}

// Summary says in one line what the attestation says of the key.
func (a *Attested) Summary() string {
	if h := a.YubiHSM; h != nil {
		return fmt.Sprintf("object %#04x %q, %s, capabilities %#x, exportable under wrap: %v",
			h.ObjectID, h.Label, h.OriginText(), h.Capabilities, h.Capabilities&HSMCapExportableUnderWrap != 0)
	}
	return fmt.Sprintf("slot %s, PIN policy %s, touch policy %s", a.YubiKey.Slot, a.YubiKey.PINPolicy, a.YubiKey.TouchPolicy)
}

// Examine reads an attestation: certs are the key's certificate, then the
// device's, then (YubiHSM 2 only) intermediates between the device's and
// the root. It fails when the device certificate did not issue the key's
// or the key's is not an attestation; a chain that does not reach roots
// (nil: Yubico's published roots for the kind) is said in Unchained.
func Examine(certs []*x509.Certificate, roots *x509.CertPool, at time.Time) (*Attested, error) {
	if len(certs) < 2 {
		return nil, fmt.Errorf("want the key's attestation certificate and then the device's, found %d certificate(s)", len(certs))
	}
	keyCert, device := certs[0], certs[1]
	if hasExtension(keyCert, oidHSMSerial) {
		return examineYubiHSM(keyCert, device, certs[2:], roots, at)
	}
	if len(certs) != 2 {
		return nil, fmt.Errorf("a YubiKey attestation is 2 certificates (the slot's, then the device's F9), found %d", len(certs))
	}
	// A slot certificate is no device certificate, even where the roots
	// given would vouch for it (a rehearsal's made by hand).
	if strings.HasPrefix(device.Subject.CommonName, slotSubjectPrefix) || hasExtension(device, oidKeyPolicy) {
		return nil, fmt.Errorf("certificate %q is a slot attestation, not a device's F9 certificate", device.Subject.CommonName)
	}
	if err := device.CheckSignature(keyCert.SignatureAlgorithm, keyCert.RawTBSCertificate, keyCert.Signature); err != nil {
		return nil, fmt.Errorf("the slot attestation is not signed by the device certificate %q: %w", device.Subject.CommonName, err)
	}
	y, err := readSlotCertificate(keyCert)
	if err != nil {
		return nil, err
	}
	if y.Serial == 0 {
		return nil, fmt.Errorf("certificate %q is not a YubiKey slot attestation: it names no device serial", keyCert.Subject.CommonName)
	}
	a := &Attested{Device: DeviceYubiKey, Serial: y.Serial, Firmware: y.Firmware, Key: keyCert.PublicKey, YubiKey: y, Chained: true}
	if err := verifyChain(keyCert, device, roots, at); err != nil {
		a.Chained, a.Unchained = false, fmt.Sprintf("device certificate not chained to %s: %v", rootsName(roots, "Yubico's PIV attestation root"), err)
	}
	return a, nil
}

func examineYubiHSM(keyCert, device *x509.Certificate, extra []*x509.Certificate, roots *x509.CertPool, at time.Time) (*Attested, error) {
	h, err := readYubiHSM(keyCert, device)
	if err != nil {
		return nil, err
	}
	a := &Attested{Device: DeviceYubiHSM, Serial: h.Serial, Firmware: h.Firmware, Key: keyCert.PublicKey, YubiHSM: h, Chained: true}
	name, inters := rootsName(roots, "Yubico's root"), x509.NewCertPool()
	if roots == nil {
		yr, yi, err := yubiHSMPools()
		if err != nil {
			return nil, err
		}
		roots, inters = yr, yi.Clone()
	}
	// The whole chain from the key attestation, with the device
	// certificate as its only issuer: its path length is enforced too.
	for _, c := range append(extra, device) {
		inters.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inters, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	if _, err := keyCert.Verify(opts); err != nil {
		a.Chained, a.Unchained = false, fmt.Sprintf("device certificate not chained to %s, or the key attestation not valid under it (the device certificate is issued by %q): %v", name, device.Issuer.CommonName, err)
	}
	return a, nil
}

// hasExtension: c carries the extension id.
func hasExtension(c *x509.Certificate, id asn1.ObjectIdentifier) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(id) {
			return true
		}
	}
	return false
}

// rootsName names the roots a chain was checked against.
func rootsName(roots *x509.CertPool, yubico string) string {
	if roots == nil {
		return yubico
	}
	return "the attestation roots given"
}

// Problems lists what keeps the attestation from attesting the key want
// names: the chain, the key, the serial, and what the device kind says
// of how the key is kept (a YubiKey slot's PIN and touch policies; a
// YubiHSM 2 object made on the device, for signing, never exportable).
// None means attested.
func (a *Attested) Problems(want Expectation) []string {
	var out []string
	if !a.Chained {
		out = append(out, a.Unchained)
	}
	if want.Key != nil {
		if got, err := keys.FromPublicKey(a.Key); err != nil {
			out = append(out, fmt.Sprintf("the attested key: %v", err))
		} else if !keys.SameKey(got, want.Key) {
			id, _ := keys.ID(want.Key)
			out = append(out, fmt.Sprintf("the attested key is not the key %s that goes into the metadata", id[:min(12, len(id))]))
		}
	}
	if want.Device != "" && a.Device != want.Device {
		out = append(out, fmt.Sprintf("a %s attestation, but the key is on a %s", a.Device, want.Device))
	}
	if want.Serial != 0 && a.Serial != want.Serial {
		out = append(out, fmt.Sprintf("attestation is for %s %d, want %d", a.Device, a.Serial, want.Serial))
	}
	if y := a.YubiKey; y != nil {
		if want.PINAlways && y.PINPolicy != "always" {
			out = append(out, fmt.Sprintf("attested PIN policy is %q, want always", y.PINPolicy))
		}
		if want.TouchAlways && y.TouchPolicy != "always" {
			out = append(out, fmt.Sprintf("attested touch policy is %q, want always", y.TouchPolicy))
		}
	}
	if h := a.YubiHSM; h != nil {
		if h.Origin != HSMOriginGenerated {
			out = append(out, "the key was not generated on the device: "+h.OriginText())
		}
		if h.Capabilities&HSMCapExportableUnderWrap != 0 {
			out = append(out, "the key may be exported under wrap (capability exportable-under-wrap)")
		}
		if h.Capabilities&(HSMCapSignECDSA|HSMCapSignEdDSA) == 0 {
			out = append(out, fmt.Sprintf("the key may not sign (capabilities %#x have neither sign-ecdsa nor sign-eddsa)", h.Capabilities))
		}
	}
	return out
}

// Read reads an attestation kept as PEM (the key's certificate, the
// device's, then any intermediates), as Examine does.
func Read(data []byte, roots *x509.CertPool) (*Attested, error) {
	certs, err := ParseCertificatesPEM(data)
	if err != nil {
		return nil, err
	}
	return Examine(certs, roots, time.Time{})
}

// Verify reads an attestation kept as PEM and checks that it attests
// exactly want.Key as want asks. roots nil means Yubico's published roots.
func Verify(data []byte, roots *x509.CertPool, want Expectation) (*Attested, error) {
	if want.Key == nil {
		return nil, errors.New("no expected key to bind the attestation to")
	}
	a, err := Read(data, roots)
	if err != nil {
		return nil, err
	}
	if p := a.Problems(want); len(p) > 0 {
		return nil, errors.New(strings.Join(p, "; "))
	}
	return a, nil
}

// ParseCertificatesPEM reads every PEM certificate in data, in order;
// other PEM blocks are skipped.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return certs, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("failed to parse attestation certificate %d: %w", len(certs)+1, err)
		}
		certs = append(certs, c)
	}
}

// ParseCertificates reads certificates: every certificate of PEM data,
// or one DER certificate; none is an error.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN")) {
		c, err := ParseCertificate(data)
		if err != nil {
			return nil, err
		}
		return []*x509.Certificate{c}, nil
	}
	certs, err := ParseCertificatesPEM(data)
	if err == nil && len(certs) == 0 {
		err = errors.New("no PEM certificate in it")
	}
	return certs, err
}

// EncodePEM writes certificates as the PEM an attestation is kept in.
func EncodePEM(certs ...*x509.Certificate) []byte {
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return b
}
