package yubikey

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Attested is what a verified attestation says about a key.
type Attested struct {
	Serial      uint32
	Firmware    string
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
	// PINAlways and TouchAlways require those policies.
	PINAlways, TouchAlways bool
}

// VerifyAttestation checks that slotCert was made by the device whose F9
// certificate is deviceCert, that deviceCert chains to roots (nil: Yubico's
// PIV attestation roots, which piv-go embeds), and that the attested key,
// serial and policies are what want says.
func VerifyAttestation(slotCert, deviceCert *x509.Certificate, roots *x509.CertPool, want Expectation) (*Attested, error) {
	v := piv.Verifier{Roots: roots}
	a, err := v.Verify(deviceCert, slotCert)
	if err != nil {
		return nil, fmt.Errorf("attestation does not chain to the PIV attestation root: %w", err)
	}
	got := &Attested{
		Serial:      a.Serial,
		Firmware:    fmt.Sprintf("%d.%d.%d", a.Version.Major, a.Version.Minor, a.Version.Patch),
		Slot:        a.Slot.String(),
		PINPolicy:   pinPolicyName(a.PINPolicy),
		TouchPolicy: touchPolicyName(a.TouchPolicy),
	}
	if want.Key == nil {
		return nil, fmt.Errorf("no expected key to bind the attestation to")
	}
	attestedKey, err := keys.FromPublicKey(slotCert.PublicKey)
	if err != nil {
		return nil, fmt.Errorf("attested key: %w", err)
	}
	if !keys.SameKey(attestedKey, want.Key) {
		id, _ := keys.ID(want.Key)
		return nil, fmt.Errorf("the attested key is not the key %s that goes into the metadata", id[:12])
	}
	if want.Serial != 0 && a.Serial != want.Serial {
		return nil, fmt.Errorf("attestation is for YubiKey %d, want %d", a.Serial, want.Serial)
	}
	if want.PINAlways && a.PINPolicy != piv.PINPolicyAlways {
		return nil, fmt.Errorf("attested PIN policy is %q, want always", got.PINPolicy)
	}
	if want.TouchAlways && a.TouchPolicy != piv.TouchPolicyAlways {
		return nil, fmt.Errorf("attested touch policy is %q, want always", got.TouchPolicy)
	}
	return got, nil
}

// ParseCertificatePEM reads one PEM certificate.
func ParseCertificatePEM(data []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func pinPolicyName(p piv.PINPolicy) string {
	switch p {
	case piv.PINPolicyNever:
		return "never"
	case piv.PINPolicyOnce:
		return "once"
	case piv.PINPolicyAlways:
		return "always"
	}
	return fmt.Sprintf("unknown(%d)", p)
}

func touchPolicyName(p piv.TouchPolicy) string {
	switch p {
	case piv.TouchPolicyNever:
		return "never"
	case piv.TouchPolicyAlways:
		return "always"
	case piv.TouchPolicyCached:
		return "cached"
	}
	return fmt.Sprintf("unknown(%d)", p)
}
