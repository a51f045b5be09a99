package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// TestKeygenAndDevicesOnAYubiKey runs the commands a keyholder runs to
// prepare a YubiKey (a virtual one, behind a real pcscd): keygen with new
// credentials writes the public key and the attestation; devices lists
// the key with its URI.
func TestKeygenAndDevicesOnAYubiKey(t *testing.T) {
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
	base := fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial())
	uri := base + "?management-key-source=" + secret("mk", hex.EncodeToString(piv.DefaultManagementKey)) +
		"&new-management-key-source=" + secret("nmk", strings.Repeat("c3", 24)) +
		"&pin-source=" + secret("pin", piv.DefaultPIN) + "&new-pin-source=" + secret("newpin", "135792") +
		"&puk-source=" + secret("puk", piv.DefaultPUK) + "&new-puk-source=" + secret("newpuk", "86420864")
	out := filepath.Join(dir, "alice.pub")

	var stdout, stderr bytes.Buffer
	if code := run([]string{"devices"}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "WARNING: factory PIN, PUK, management key") {
		t.Fatalf("devices on a factory-fresh YubiKey: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"keygen", "--uri", uri, "--type", "ecdsa-p384", "--out", out}, &stdout, &stderr); code != 0 {
		t.Fatalf("keygen: exit %d: %s", code, stderr.String())
	}
	pubJSON, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := keys.ParseKeyJSON(pubJSON)
	if err != nil || pub.Scheme != keys.SchemeECDSAP384 {
		t.Fatalf("public key file: %v %+v", err, pub)
	}
	id, _ := keys.ID(pub)
	if !strings.HasPrefix(stdout.String(), id+" ecdsa-sha2-nistp384 ") {
		t.Errorf("keygen printed %q, want the key ID and scheme", stdout.String())
	}
	att, err := os.ReadFile(out + ".attestation.pem")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(att, []byte("BEGIN CERTIFICATE")); n != 2 {
		t.Errorf("attestation holds %d certificates, want the slot's and the device's", n)
	}
	block, _ := pem.Decode(att)
	if block == nil {
		t.Fatal("attestation is not PEM")
	}
	// 'attestation verify' reads the file keygen wrote: attested against
	// the virtual YubiKey's root; against Yubico's, not chained.
	roots := filepath.Join(dir, "roots.pem")
	if err := os.WriteFile(roots, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	serial := fmt.Sprint(card.Serial())
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"attestation", "verify", "--key", out, "--serial", serial, "--touch-always", "--attestation-roots", roots, out + ".attestation.pem"}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "YubiKey key attestation\ndevice: serial "+serial) || !strings.Contains(stdout.String(), "slot: 9c; PIN policy always, touch policy always") || !strings.HasSuffix(stdout.String(), "\nattested\n") {
		t.Errorf("attestation verify of keygen's attestation: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"attestation", "verify", "--key", out, out + ".attestation.pem"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "device certificate not chained to Yubico's PIV attestation root") || strings.Contains(stdout.String(), "\nattested") {
		t.Errorf("attestation verify against Yubico's roots: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}

	// Never overwrite: a second keygen with the same --out is refused and
	// the slot (now holding a key) is not touched either.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"keygen", "--uri", uri, "--out", out}, &stdout, &stderr); code == 0 {
		t.Fatal("a second keygen into the same slot succeeded")
	}

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"devices"}, &stdout, &stderr); code != 0 {
		t.Fatalf("devices: exit %d: %s", code, stderr.String())
	}
	want := []string{fmt.Sprintf("YubiKey %d  firmware 5.7.1  PIN tries left 3", card.Serial()), "slot 9c", id[:12], "pin always touch always", base}
	for _, w := range want {
		if !strings.Contains(stdout.String(), w) {
			t.Errorf("devices output lacks %q:\n%s", w, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "WARNING: factory") {
		t.Errorf("devices still warns of factory credentials after keygen changed them:\n%s", stdout.String())
	}

	// The same for tools: the form schemas/devices.v1.json documents.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"devices", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("devices --json: exit %d: %s", code, stderr.String())
	}
	var got devicesJSON
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.YubiKeys) != 1 || got.YubiKeys[0].Serial != card.Serial() || len(got.YubiKeys[0].Factory) != 0 ||
		len(got.YubiKeys[0].Slots) != 1 || got.YubiKeys[0].Slots[0].KeyID != id || got.YubiKeys[0].Slots[0].URI != base {
		t.Errorf("devices --json: %+v", got.YubiKeys)
	}
	if err := fitsSchemaFile("devices", stdout.Bytes()); err != nil {
		t.Error(err)
	}
}
