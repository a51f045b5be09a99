package attestation

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"
)

// Yubico's published certificates load: the three roots (PIV 2018, U2F
// with one level allowed below it, the attestation root of 2024) and the
// intermediates, among them the PIV ones.
func TestYubicoPools(t *testing.T) {
	roots, inters, err := yubicoPools()
	if err != nil {
		t.Fatal(err)
	}
	var rootNames, interNames []string
	for _, c := range mustCerts(t, yubicoPIVRoot, yubicoU2FRoot, yubicoRoot2024) {
		rootNames = append(rootNames, c.Subject.CommonName)
	}
	for _, c := range mustCerts(t, yubicoIntermediates) {
		interNames = append(interNames, c.Subject.CommonName)
	}
	if got := len(roots.Subjects()); got != 3 {
		t.Errorf("roots: %d, want 3 (%s)", got, strings.Join(rootNames, "; "))
	}
	if got := len(inters.Subjects()); got != len(interNames) || got < 2 {
		t.Errorf("intermediates: %d in the pool, %d in the file", got, len(interNames))
	}
	if !strings.Contains(strings.Join(interNames, ";"), "Yubico PIV Attestation") {
		t.Errorf("intermediates hold no PIV attestation CA: %s", strings.Join(interNames, "; "))
	}
}

func mustCerts(t *testing.T, pems ...[]byte) (out []*x509.Certificate) {
	t.Helper()
	for _, p := range pems {
		for rest := p; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
	}
	return out
}

// TestChainKeepsYubicoPools: checking a chain against Yubico's roots
// leaves their pools as they were. A device certificate added to the
// shared intermediates would vouch for its slot certificates in every later
// check, whatever device certificate that check was given.
func TestChainKeepsYubicoPools(t *testing.T) {
	_, inters, err := yubicoPools()
	if err != nil {
		t.Fatal(err)
	}
	before := len(inters.Subjects()) //nolint:staticcheck // counting is what is tested
	root, rootKey := selfSigned(t, "device attestation CA")
	slot := issued(t, "YubiKey PIV Attestation 9c", root, rootKey)
	if err := verifyChain(slot, root, nil, time.Time{}); err == nil {
		t.Fatal("a chain to no Yubico root verified")
	}
	if after := len(inters.Subjects()); after != before { //nolint:staticcheck
		t.Fatalf("Yubico's intermediates went from %d to %d certificates", before, after)
	}
}

func selfSigned(t *testing.T, cn string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newTestKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	return create(t, tmpl, nil, &key.PublicKey, key), key
}

func issued(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	key := newTestKey(t)
	return create(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: cn}}, parent, &key.PublicKey, parentKey)
}

func newTestKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// create makes the certificate tmpl, valid for an hour either side of
// now, issued by parent (nil: self-signed) with signer.
func create(t *testing.T, tmpl, parent *x509.Certificate, pub any, signer any) *x509.Certificate {
	t.Helper()
	if parent == nil {
		parent = tmpl
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
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
