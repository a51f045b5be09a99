package ceremony_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// What a workspace keeps of a YubiHSM 2 attestation of PyPI's 2020
// ceremony verifies again as an auditor verifies it: for the key it
// attests, under Yubico's roots; not for another key, nor under roots
// that are not Yubico's.
func TestVerifyKept(t *testing.T) {
	dir := filepath.Join("..", "testdata", "psf-2020-ceremony", "0013200460")
	var certs []*x509.Certificate
	for _, name := range []string{"0013200460_root_attestation.der", "0013200460_cert.der"} {
		der, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	keyID := func(role string) string {
		data, err := os.ReadFile(filepath.Join(dir, "0013200460_"+role+"_pubkey.pem"))
		if err != nil {
			t.Fatal(err)
		}
		k, err := keys.ImportPublicKey(data, "")
		if err != nil {
			t.Fatal(err)
		}
		id, err := keys.ID(k)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	kept := string(attestation.EncodePEM(certs...))
	st := &workspace.State{}
	a, err := ceremony.VerifyKept(st, workspace.KeyEntry{Holder: "hsm", KeyID: keyID("root"), Attestation: kept}, nil)
	if err != nil || a.YubiHSM == nil || a.YubiHSM.Label != "tuf-root" {
		t.Fatalf("the root key's attestation: %+v, %v", a, err)
	}
	if _, err := ceremony.VerifyKept(st, workspace.KeyEntry{Holder: "hsm", KeyID: keyID("targets"), Attestation: kept}, nil); err == nil || !strings.Contains(err.Error(), "the attested key is not hsm's key") {
		t.Errorf("for the targets key: %v", err)
	}
	// Another device's certificate as the only root.
	otherDevice, err := os.ReadFile(filepath.Join(dir, "..", "0013200461", "0013200461_cert.der"))
	if err != nil {
		t.Fatal(err)
	}
	other := &workspace.State{AttestationRoots: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: otherDevice}))}
	if _, err := ceremony.VerifyKept(other, workspace.KeyEntry{Holder: "hsm", KeyID: keyID("root"), Attestation: kept}, nil); err == nil || !strings.Contains(err.Error(), "not chained") {
		t.Errorf("under other roots: %v", err)
	}
}
