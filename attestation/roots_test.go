package attestation

import (
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
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
