package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pysslib"
)

// examples/pypi-2020 is a PEP 458 plan from the keys and YubiHSM 2
// attestations PyPI's 2020 ceremony published: its public key files are
// what 'key import' makes of the published keys, whose key IDs are the ones
// Python (cryptography and securesystemslib) computes, its script names every
// key ID and device serial, and init takes it with each YubiHSM 2
// attestation checked against Yubico's root and shown.
func TestPyPI2020Plan(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "pypi-2020"))
	if err != nil {
		t.Fatal(err)
	}
	products, err := filepath.Abs(filepath.Join("..", "..", "testdata", "psf-2020-ceremony"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	dir := t.TempDir()
	var ids, pems []string
	for _, dev := range []string{"0013200460", "0013200461", "DENK0102947", "DENK0200473"} {
		for _, role := range []string{"root", "targets"} {
			pems = append(pems, filepath.Join(products, dev, dev+"_"+role+"_pubkey.pem"))
		}
	}
	python := pysslib.KeyIDs(t, pems...)
	for _, pem := range pems {
		name := strings.TrimSuffix(filepath.Base(pem), "_pubkey.pem")
		out := filepath.Join(dir, name+".pub")
		code, stdout, stderr := cmd("key", "import", "--out", out, pem)
		if code != 0 {
			t.Fatalf("key import %s: %s", name, stderr)
		}
		id := strings.Fields(stdout)[1]
		if id != python[pem] {
			t.Errorf("%s: key ID %s, Python computes %s", name, id, python[pem])
		}
		ids = append(ids, id)
		made, _ := os.ReadFile(out)
		kept, err := os.ReadFile(filepath.Join(example, "keys", name+".pub"))
		if err != nil || !bytes.Equal(made, kept) {
			t.Errorf("examples/pypi-2020/keys/%s.pub is not what key import makes of the published key (%v)", name, err)
		}
	}

	planPath := filepath.Join(example, "plan.yaml")
	code, script, stderr := cmd("script", planPath)
	if code != 0 {
		t.Fatalf("script: exit %d\n%s", code, stderr)
	}
	for _, want := range append(ids, "serial 13200460", "serial 13200461", "serial DENK0102947", "serial DENK0200473", "device serial 13200461 (init checks it against Yubico's roots)", "tuf-js clients") {
		if !strings.Contains(script, want) {
			t.Errorf("the script lacks %q", want)
		}
	}

	code, out, stderr := cmd("init", "--plan", planPath, "--date", today(), filepath.Join(dir, "ws"))
	if code != 0 {
		t.Fatalf("init: exit %d\n%s%s", code, out, stderr)
	}
	for _, want := range []string{
		`yubihsm-13200460-root's key: YubiHSM 2 serial 13200460, firmware 2.1.2: attestation holds: object 0x0003 "tuf-root", generated on the device`,
		`yubihsm-13200461-targets's key: YubiHSM 2 serial 13200461, firmware 2.1.2: attestation holds: object 0x0004 "tuf-targets", generated on the device`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("init does not say %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "attestation holds") != 4 || !strings.Contains(stderr, "will not count P-384 signatures") {
		t.Errorf("init: want 4 attestations and the P-384 warning:\n%s%s", out, stderr)
	}

	// The serial as Yubico's tools print it, zero-padded, is the same.
	text0, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	padded := filepath.Join(dir, "padded.yaml")
	abs := strings.NewReplacer("../../testdata/psf-2020-ceremony", products, "keys/", filepath.Join(example, "keys")+"/", "serial: 13200460\n", "serial: 0013200460\n").Replace(string(text0))
	if err := os.WriteFile(padded, []byte(abs), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, stderr := cmd("init", "--plan", padded, "--date", today(), filepath.Join(dir, "padded-ws")); code != 0 {
		t.Errorf("a zero-padded serial: exit %d\n%s%s", code, out, stderr)
	}

	// The same plan, changed: each refused, naming the keyholder and why.
	text, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.NewReplacer("../../testdata/psf-2020-ceremony", products, "keys/", filepath.Join(example, "keys")+"/").Replace(string(text))
	for i, tc := range []struct{ old, new, err string }{
		{"0013200460_root_attestation.der", "0013200460_targets_attestation.der", "keyholders[0].attestation (yubihsm-13200460-root): the attested key is not the key fc72dbdd4be3"},
		{"0013200461/0013200461_root_attestation.der", "0013200460/0013200460_root_attestation.der", "keyholders[2].attestation (yubihsm-13200461-root): the key attestation is not signed by the device certificate"},
		{"      serial: 13200461\n    require_attestation: true\n  - name: yubihsm-13200461-targets", "      serial: 13200460\n    require_attestation: true\n  - name: yubihsm-13200461-targets", "keyholders[2].attestation (yubihsm-13200461-root): the key URI names device serial 13200461, the attestation's serial is 13200460"},
		{"      device_certificate: " + products + "/0013200460/0013200460_cert.der\n      serial: 13200460\n    require_attestation: true\n  - name: yubihsm-13200460-targets", "      serial: 13200460\n    require_attestation: true\n  - name: yubihsm-13200460-targets", "keyholders[0].attestation.device_certificate: missing"},
		{"serial=13200460;object=tuf-root", "serial=55555555;object=tuf-root", "keyholders[0].attestation (yubihsm-13200460-root): the key URI names device serial 55555555, the attestation's serial is 13200460"},
		{`key: "pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"`, `key: "yubikey:serial=13200460;slot-id=9c"`, "a YubiKey's attestation is one PEM file"},
		{"      serial: 13200460\n    require_attestation: true\n  - name: yubihsm-13200460-targets", "      serial: 13200460x\n    require_attestation: true\n  - name: yubihsm-13200460-targets", `keyholders[0].attestation.serial: "13200460x" is not a device serial`},
	} {
		if !strings.Contains(base, tc.old) {
			t.Fatalf("case %d: the plan has no %q", i, tc.old)
		}
		changed := filepath.Join(dir, "changed.yaml")
		if err := os.WriteFile(changed, []byte(strings.Replace(base, tc.old, tc.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		ws := filepath.Join(dir, "changed-ws")
		code, out, stderr := cmd("init", "--plan", changed, "--date", today(), ws)
		if code == 0 || !strings.Contains(stderr, tc.err) {
			t.Errorf("case %d: exit %d, want a refusal saying %q\n%s%s", i, code, tc.err, out, stderr)
		}
		if _, err := os.Stat(ws); err == nil {
			t.Errorf("case %d: a refused init left %s", i, ws)
		}
	}
}
