package main

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// TestClaimOnAYubiKey runs a maintainer's commands on a (virtual) YubiKey
// behind a real pcscd: keygen, then 'ceremony claim' with the key's URI,
// which reads the attestation from the device and signs the request on
// it; the administrators' 'claims review --require-attestation' accepts it
// against the attestation roots, and refuses it against other roots. The
// PIN never reaches the request.
func TestClaimOnAYubiKey(t *testing.T) {
	env := pcsctest.Start(t)
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	card, err := vyubikey.New(vyubikey.Options{Attestation: ca})
	if err != nil {
		t.Fatal(err)
	}
	env.Insert(t, card, 0)
	dir := t.TempDir()
	secret := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const pin = "246813"
	base := fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial())
	keygenURI := base + "?management-key-source=" + secret("mk", hex.EncodeToString(piv.DefaultManagementKey)) +
		"&new-management-key-source=" + secret("nmk", strings.Repeat("7e", 24)) +
		"&pin-source=" + secret("factorypin", piv.DefaultPIN) + "&new-pin-source=" + secret("pin", pin) +
		"&puk-source=" + secret("factorypuk", piv.DefaultPUK) + "&new-puk-source=" + secret("newpuk", "13572468")
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(args, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	if code, _, errOut := cmd("keygen", "--uri", keygenURI, "--type", "ecdsa-p256", "--out", filepath.Join(dir, "maint.pub")); code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, errOut)
	}

	requests := filepath.Join(dir, "requests")
	if err := os.Mkdir(requests, 0o755); err != nil {
		t.Fatal(err)
	}
	request := filepath.Join(requests, "yubi-demo.json")
	touches := card.Touches()
	code, out, errOut := cmd("claim", "yubi-demo", "--key", base+"?pin-source="+filepath.Join(dir, "pin"), "--attestation-roots", roots, "--out", request)
	if code != 0 {
		t.Fatalf("claim: exit %d: %s", code, errOut)
	}
	if card.Touches() != touches+1 {
		t.Errorf("the YubiKey was touched %d times for the request, want 1: the key signs on the device", card.Touches()-touches)
	}
	if !strings.Contains(out, "project yubi-demo") || !strings.Contains(out, "ecdsa-sha2-nistp256") {
		t.Errorf("claim printed:\n%s", out)
	}
	data, err := os.ReadFile(request)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(`"attestations"`)) || bytes.Contains(data, []byte(pin)) {
		t.Fatalf("the request must carry the device's attestation and never the PIN:\n%s", data)
	}

	code, out, errOut = cmd("claims", "review", requests, "--attestation-roots", roots, "--require-attestation")
	if code != 0 || !strings.Contains(out, "yubi-demo") || !strings.Contains(out, "add") {
		t.Fatalf("review with the attestation roots: exit %d\n%s%s", code, out, errOut)
	}
	// Against Yubico's roots (the default), a virtual YubiKey's
	// attestation does not chain: refused, exit 1.
	code, out, errOut = cmd("claims", "review", requests, "--require-attestation")
	if code != 1 || !strings.Contains(out, "refused") {
		t.Errorf("review against Yubico's roots: exit %d, want 1 with the request refused\n%s%s", code, out, errOut)
	}
}
