package attestation

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func psfCert(t *testing.T, dev, name string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "psf-2020-ceremony", dev, dev+"_"+name+".der"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func psfKey(t *testing.T, dev, role string) any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "psf-2020-ceremony", dev, dev+"_"+role+"_pubkey.pem"))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(b)
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The YubiHSM 2 attestations PyPI's 2020 ceremony published: each key
// attestation verifies under its device certificate and attests the
// published key, generated on the device, signing only, not exportable,
// labelled for its role. Yubico's YubiHSM Sub-CA is not among the roots
// this package holds, so the chain is said to be incomplete, never
// "attested".
func TestVerifyYubiHSMPSF2020(t *testing.T) {
	for dev, serial := range map[string]uint32{"0013200460": 13200460, "0013200461": 13200461} {
		device := psfCert(t, dev, "cert")
		roots, inters, err := yubicoPools()
		if err != nil {
			t.Fatal(err)
		}
		for _, role := range []string{"root", "targets"} {
			h, err := VerifyYubiHSM(psfCert(t, dev, role+"_attestation"), device, roots, inters, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatalf("%s %s: %v", dev, role, err)
			}
			want := psfKey(t, dev, role).(interface{ Equal(crypto.PublicKey) bool })
			if !want.Equal(h.Key) {
				t.Errorf("%s %s: the attested key is not the published one", dev, role)
			}
			if h.Serial != serial || h.Origin != HSMOriginGenerated || h.OriginText() != "generated on the device" || h.Label != "tuf-"+role {
				t.Errorf("%s %s: serial %d, origin %#x, label %q", dev, role, h.Serial, h.Origin, h.Label)
			}
			if h.Capabilities&HSMCapSignECDSA == 0 || h.Capabilities&HSMCapExportableUnderWrap != 0 {
				t.Errorf("%s %s: capabilities %#x, want sign-ecdsa and not exportable-under-wrap", dev, role, h.Capabilities)
			}
			if h.Firmware == "" || h.ObjectID == 0 {
				t.Errorf("%s %s: firmware %q, object %d", dev, role, h.Firmware, h.ObjectID)
			}
			if h.Chained || !strings.Contains(h.Unchained, "device certificate not chained to Yubico's root") || !strings.Contains(h.Unchained, "YubiHSM") {
				t.Errorf("%s %s: chained %v, %q", dev, role, h.Chained, h.Unchained)
			}
		}
	}
	// Another device's attestation is refused: its certificate did not
	// issue it.
	if _, err := VerifyYubiHSM(psfCert(t, "0013200461", "root_attestation"), psfCert(t, "0013200460", "cert"), nil, nil, time.Time{}); err == nil || !strings.Contains(err.Error(), "not signed by the device certificate") {
		t.Errorf("another device's attestation: %v", err)
	}
	// A device certificate is no key attestation.
	if _, err := VerifyYubiHSM(psfCert(t, "0013200460", "cert"), psfCert(t, "0013200460", "cert"), nil, nil, time.Time{}); err == nil {
		t.Error("a device certificate passed as a key attestation")
	}
}
