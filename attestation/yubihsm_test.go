package attestation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tuf-ceremony/ceremony/keys"
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
// attestation verifies under its device certificate, the device
// certificate chains to Yubico's YubiHSM root through the Sub-CA kept in
// yubico/, and it attests the published key, generated on the device,
// signing only, not exportable, labelled for its role.
func TestVerifyYubiHSMPSF2020(t *testing.T) {
	for dev, serial := range map[string]uint32{"0013200460": 13200460, "0013200461": 13200461} {
		for _, role := range []string{"root", "targets"} {
			a, err := Examine([]*x509.Certificate{psfCert(t, dev, role+"_attestation"), psfCert(t, dev, "cert")}, nil, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatalf("%s %s: %v", dev, role, err)
			}
			h := a.YubiHSM
			if h == nil || a.YubiKey != nil || a.Device != DeviceYubiHSM {
				t.Fatalf("%s %s: read as %q", dev, role, a.Device)
			}
			want := psfKey(t, dev, role).(interface{ Equal(crypto.PublicKey) bool })
			if !want.Equal(a.Key) {
				t.Errorf("%s %s: the attested key is not the published one", dev, role)
			}
			if a.Serial != serial || h.Origin != HSMOriginGenerated || h.OriginText() != "generated on the device" || h.Label != "tuf-"+role {
				t.Errorf("%s %s: serial %d, origin %#x, label %q", dev, role, a.Serial, h.Origin, h.Label)
			}
			if h.Capabilities&HSMCapSignECDSA == 0 || h.Capabilities&HSMCapExportableUnderWrap != 0 {
				t.Errorf("%s %s: capabilities %#x, want sign-ecdsa and not exportable-under-wrap", dev, role, h.Capabilities)
			}
			if a.Firmware == "" || h.ObjectID == 0 {
				t.Errorf("%s %s: firmware %q, object %d", dev, role, a.Firmware, h.ObjectID)
			}
			if !a.Chained || a.Unchained != "" {
				t.Errorf("%s %s: not chained to Yubico's YubiHSM root: %s", dev, role, a.Unchained)
			}
			if p := a.Problems(Expectation{Key: psfTUFKey(t, dev, role), Serial: serial}); len(p) > 0 {
				t.Errorf("%s %s: %v", dev, role, p)
			}
		}
	}
}

// What must not pass, each refused with its reason: another device's key
// attestation, the other key of the same device, a certificate with one
// byte changed, a device certificate offered as a key attestation, the
// wrong serial, and a chain to roots that are not Yubico's.
func TestVerifyYubiHSMRefusals(t *testing.T) {
	keyAtt, device := psfCert(t, "0013200460", "root_attestation"), psfCert(t, "0013200460", "cert")
	rootKey := psfTUFKey(t, "0013200460", "root")
	good := EncodePEM(keyAtt, device)
	if _, err := Verify(good, nil, Expectation{Key: rootKey, Serial: 13200460}); err != nil {
		t.Fatalf("the good attestation: %v", err)
	}
	flip := func(c *x509.Certificate, at int) []byte {
		der := bytes.Clone(c.Raw)
		der[len(der)-at] ^= 1
		return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	cases := []struct {
		name string
		pem  []byte
		want Expectation
		err  string
	}{
		{"another device's attestation", EncodePEM(psfCert(t, "0013200461", "root_attestation"), device), Expectation{Key: rootKey}, "not signed by the device certificate"},
		{"the other key of the same device", good, Expectation{Key: psfTUFKey(t, "0013200460", "targets")}, "the attested key is not the key"},
		{"a byte of the key attestation's signature", append(flip(keyAtt, 3), EncodePEM(device)...), Expectation{Key: rootKey}, "not signed by the device certificate"},
		{"a byte of the device certificate's signature", append(EncodePEM(keyAtt), flip(device, 3)...), Expectation{Key: rootKey}, "device certificate not chained to Yubico's root"},
		{"a device certificate as the key attestation", EncodePEM(device, device), Expectation{Key: rootKey}, "not signed by the device certificate"},
		{"the wrong serial", good, Expectation{Key: rootKey, Serial: 13200461}, "attestation is for YubiHSM 2 13200460, want 13200461"},
		{"one certificate", EncodePEM(keyAtt), Expectation{Key: rootKey}, "found 1 certificate"},
	}
	for _, tc := range cases {
		if _, err := Verify(tc.pem, nil, tc.want); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, err, tc.err)
		}
	}
	// Roots that are not Yubico's (a rehearsal's): the chain is said not
	// to reach them, and nothing is attested.
	other, _ := selfSigned(t, "not Yubico")
	pool := x509.NewCertPool()
	pool.AddCert(other)
	a, err := Examine([]*x509.Certificate{keyAtt, device}, pool, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Chained || !strings.Contains(a.Unchained, "device certificate not chained to Yubico's root") || len(a.Problems(Expectation{Key: rootKey})) != 1 {
		t.Errorf("chained %v, %q, problems %v", a.Chained, a.Unchained, a.Problems(Expectation{Key: rootKey}))
	}
}

// psfTUFKey is a published key of PyPI's 2020 ceremony as a TUF key.
func psfTUFKey(t *testing.T, dev, role string) *metadata.Key {
	t.Helper()
	k, err := keys.FromPublicKey(psfKey(t, dev, role))
	if err != nil {
		t.Fatal(err)
	}
	return k
}
