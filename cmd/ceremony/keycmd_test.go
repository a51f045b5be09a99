package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// 'ceremony key import' writes the TUF key of a YubiHSM 2's exported raw
// point and of its PEM alike, prints its key ID, and never replaces a file.
func TestKeyImport(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "psf-2020-ceremony", "0013200461", "0013200461_targets_pubkey")
	importKey := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"key", "import"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := importKey("--curve", "p256", "--out", filepath.Join(dir, "raw.pub"), src+".pub")
	if code != 0 || !strings.HasPrefix(out, "key ") || !strings.Contains(out, "ecdsa-sha2-nistp256 (begins ") {
		t.Fatalf("import of the raw point: exit %d\n%s%s", code, out, errs)
	}
	code, out2, errs := importKey("--out", filepath.Join(dir, "pem.pub"), src+".pem")
	if code != 0 || out2 != out {
		t.Fatalf("import of the PEM: exit %d, %q; the raw point gave %q\n%s", code, out2, out, errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "raw.pub"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParseKeyJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := keys.ID(k); !strings.Contains(out, id) {
		t.Errorf("the key file holds key %s, the output says %q", id, out)
	}
	// A file there is never replaced; a raw point without its curve is
	// refused in one line that says which.
	if code, _, errs := importKey("--out", filepath.Join(dir, "raw.pub"), src+".pem"); code == 0 || !strings.Contains(errs, "never replaced") {
		t.Errorf("import over an existing file: exit %d\n%s", code, errs)
	}
	if code, _, errs := importKey("--out", filepath.Join(dir, "x.pub"), src+".pub"); code == 0 || !strings.Contains(errs, "give --curve p256") || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
		t.Errorf("a raw point without --curve: exit %d\n%s", code, errs)
	}
}

// 'ceremony attestation verify' on a YubiHSM 2 attestation of PyPI's 2020
// ceremony: what it attests is printed, the key given is matched, the
// device certificate chains to Yubico's YubiHSM root: attested, exit 0.
func TestAttestationVerifyYubiHSM(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "psf-2020-ceremony", "0013200461", "0013200461_")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"key", "import", "--out", filepath.Join(dir, "root.pub"), src + "root_pubkey.pem"}, &stdout, &stderr); code != 0 {
		t.Fatalf("key import: %s", stderr.String())
	}
	verify := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"attestation", "verify"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := verify("--key", filepath.Join(dir, "root.pub"), "--serial", "0013200461", src+"root_attestation.der", src+"cert.der")
	for _, want := range []string{"YubiHSM 2 key attestation", "device: serial 13200461", "matches the key given: true", "origin: generated on the device", `label "tuf-root"`, "exportable under wrap: false", "chains to Yubico's root", "\nattested\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, errs)
	}
	// Another device's serial: not attested.
	if code, _, errs := verify("--key", filepath.Join(dir, "root.pub"), "--serial", "13200460", src+"root_attestation.der", src+"cert.der"); code != 1 || !strings.Contains(errs, "attestation is for YubiHSM 2 13200461, want 13200460") {
		t.Errorf("the wrong serial: exit %d\n%s", code, errs)
	}
	// The targets attestation does not certify the root key.
	code, out, errs = verify("--json", "--key", filepath.Join(dir, "root.pub"), src+"targets_attestation.der", src+"cert.der")
	if code != 1 || !strings.Contains(out, `"schema": "ceremony/attestation/v1"`) || !strings.Contains(out, `"key_matches": false`) || !strings.Contains(errs, "the attested key is not the key of") {
		t.Errorf("targets attestation against the root key: exit %d\n%s%s", code, out, errs)
	}
	if err := fitsSchemaFile("attestation", []byte(out)); err != nil {
		t.Error(err)
	}
}
