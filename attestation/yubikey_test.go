package attestation_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Yubico's attestation extensions (developers.yubico.com, PIV attestation).
var (
	oidFirmware = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 3}
	oidSerial   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 7}
	oidPolicy   = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 41482, 3, 8}
)

type chain struct {
	root      *x509.Certificate
	rootKey   crypto.Signer
	device    *x509.Certificate
	deviceKey crypto.Signer
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func issue(t *testing.T, tmpl, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) *x509.Certificate {
	if parent == nil {
		parent = tmpl // self-signed
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, signer)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newChain makes a root and a device (F9) certificate for serial, shaped
// like Yubico's: root -> per-device attestation CA -> slot certificates.
func newChain(t *testing.T, serial int64) *chain {
	c := &chain{rootKey: newKey(t), deviceKey: newKey(t)}
	now := time.Now()
	c.root = issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test PIV Root CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, c.rootKey.Public(), c.rootKey)
	serialExt, _ := asn1.Marshal(serial)
	c.device = issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Yubico PIV Attestation"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, ExtraExtensions: []pkix.Extension{{Id: oidSerial, Value: serialExt}}},
		c.root, c.deviceKey.Public(), c.rootKey)
	return c
}

// slotCert attests pub in slot 9c with the given serial and policies
// (Yubico's policy bytes: PIN 1 never 2 once 3 always; touch 1 never 2 always 3 cached).
func (c *chain) slotCert(t *testing.T, pub crypto.PublicKey, serial int64, pin, touch byte) *x509.Certificate {
	serialExt, _ := asn1.Marshal(serial)
	now := time.Now()
	return issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "YubiKey PIV Attestation 9c"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		ExtraExtensions: []pkix.Extension{
			{Id: oidFirmware, Value: []byte{5, 7, 1}},
			{Id: oidSerial, Value: serialExt},
			{Id: oidPolicy, Value: []byte{pin, touch}},
		}}, c.device, pub, c.deviceKey)
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestVerifyAttestation(t *testing.T) {
	c := newChain(t, 19088743)
	key, err := keys.GenerateSoftware("memory:slot", keys.TypeECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	want := attestation.Expectation{Key: key.TUFKey(), Serial: 19088743, PINAlways: true, TouchAlways: true}
	slot := c.slotCert(t, key.Public(), 19088743, 3, 2)

	got, err := attestation.VerifyYubiKey(slot, c.device, pool(c.root), want)
	if err != nil {
		t.Fatalf("a good attestation was refused: %v", err)
	}
	if got.Serial != 19088743 || got.Firmware != "5.7.1" || got.PINPolicy != "always" || got.TouchPolicy != "always" || got.Slot != "9c" {
		t.Errorf("attested %+v, want serial 19088743, firmware 5.7.1, always/always, slot 9c", got)
	}

	other, err := keys.GenerateSoftware("memory:other", keys.TypeECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	otherChain := newChain(t, 19088743)
	cases := []struct {
		name   string
		slot   *x509.Certificate
		device *x509.Certificate
		roots  *x509.CertPool
		want   attestation.Expectation
		err    string
	}{
		{"wrong key: attests another key than the metadata's", c.slotCert(t, other.Public(), 19088743, 3, 2), c.device, pool(c.root), want, "not the key"},
		{"wrong chain: a root we do not trust", slot, c.device, pool(otherChain.root), want, "not chained to the attestation roots given"},
		{"wrong chain: another device's F9 certificate", slot, otherChain.device, pool(c.root, otherChain.root), want, "not signed by the device certificate"},
		{"wrong serial", c.slotCert(t, key.Public(), 11111111, 3, 2), c.device, pool(c.root), want, "for YubiKey 11111111, want 19088743"},
		{"PIN policy once where always is required", c.slotCert(t, key.Public(), 19088743, 2, 2), c.device, pool(c.root), want, "PIN policy is \"once\""},
		{"touch never where always is required", c.slotCert(t, key.Public(), 19088743, 3, 1), c.device, pool(c.root), want, "touch policy is \"never\""},
		{"Yubico's roots do not certify a test chain", slot, c.device, nil, want, "not chained to Yubico's PIV attestation root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := attestation.VerifyYubiKey(tc.slot, tc.device, tc.roots, tc.want)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("got %v, want an error containing %q", err, tc.err)
			}
		})
	}
}

// A slot certificate offered as the device's F9 certificate is refused,
// even under roots that would vouch for it (a rehearsal's, made by hand).
func TestSlotCertificateIsNoDeviceCertificate(t *testing.T) {
	c := newChain(t, 19088743)
	key, err := keys.GenerateSoftware("memory:slot", keys.TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	slot := c.slotCert(t, key.Public(), 19088743, 3, 2)
	_, err = attestation.Examine([]*x509.Certificate{slot, slot}, pool(c.root, slot), time.Time{})
	if err == nil || !strings.Contains(err.Error(), "is a slot attestation, not a device's F9 certificate") {
		t.Errorf("a slot certificate as the device's: %v", err)
	}
}
