package attestation

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
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
	if a.Chained || !strings.Contains(a.Unchained, "device certificate not chained to the attestation roots given") || len(a.Problems(Expectation{Key: rootKey})) != 1 {
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

// hsmExtensions are Yubico's extensions of a key attestation for serial,
// with origin and capabilities.
func hsmExtensions(t *testing.T, serial int, origin byte, caps uint64) []pkix.Extension {
	t.Helper()
	mustMarshal := func(v any) []byte {
		b, err := asn1.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	capBytes := make([]byte, 8)
	for i := range capBytes {
		capBytes[7-i] = byte(caps >> (8 * i))
	}
	return []pkix.Extension{
		{Id: oidHSMFirmware, Value: mustMarshal([]byte{2, 4, 0})},
		{Id: oidHSMSerial, Value: mustMarshal(serial)},
		{Id: oidHSMOrigin, Value: mustMarshal(asn1.BitString{Bytes: []byte{origin}, BitLength: 8})},
		{Id: oidHSMCapabilities, Value: mustMarshal(asn1.BitString{Bytes: capBytes, BitLength: 64})},
		{Id: oidHSMObjectID, Value: mustMarshal(7)},
	}
}

// A key attestation is no device certificate: whoever holds a key their
// YubiHSM 2 attests (imported, say) cannot sign with it an "attestation"
// of another key, generated and not exportable, that chains to the root
// through the real device certificate.
func TestKeyAttestationIsNoDeviceCertificate(t *testing.T) {
	root, rootKey := selfSigned(t, "Test YubiHSM Root CA")
	subKey, devKey, a1Key, forged := newTestKey(t), newTestKey(t), newTestKey(t), newTestKey(t)
	sub := create(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Test YubiHSM Sub-CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, root, &subKey.PublicKey, rootKey)
	serialExt := hsmExtensions(t, 4242, 0, 0)[1]
	device := create(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "YubiHSM Attestation (4242)"}, IsCA: true, BasicConstraintsValid: true,
		MaxPathLen: 0, MaxPathLenZero: true, KeyUsage: x509.KeyUsageCertSign, ExtraExtensions: []pkix.Extension{serialExt}}, sub, &devKey.PublicKey, subKey)
	a1 := create(t, &x509.Certificate{SerialNumber: big.NewInt(4), Subject: pkix.Name{CommonName: "YubiHSM Attestation id:0x0007"},
		ExtraExtensions: hsmExtensions(t, 4242, HSMOriginImported, HSMCapSignECDSA)}, device, &a1Key.PublicKey, devKey)
	a2 := create(t, &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "YubiHSM Attestation id:0x0008"},
		ExtraExtensions: hsmExtensions(t, 4242, HSMOriginGenerated, HSMCapSignECDSA)}, a1, &forged.PublicKey, a1Key)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	// The honest chain reads, and is refused for its imported key.
	a, err := Examine([]*x509.Certificate{a1, device, sub}, roots, time.Time{})
	if err != nil || !a.Chained || len(a.Problems(Expectation{})) != 1 {
		t.Fatalf("the honest attestation: %+v, %v", a, err)
	}
	// The forged one, with the real chain above it, is refused.
	for _, certs := range [][]*x509.Certificate{{a2, a1, device, sub}, {a2, a1, sub, device}} {
		if a, err := Examine(certs, roots, time.Time{}); err == nil {
			t.Errorf("a key attestation passed as a device certificate: chained %v, problems %v", a.Chained, a.Problems(Expectation{}))
		} else if !strings.Contains(err.Error(), "is no device attestation certificate") {
			t.Errorf("refused for the wrong reason: %v", err)
		}
	}
}
