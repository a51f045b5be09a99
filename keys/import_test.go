package keys

import (
	"crypto/ed25519"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// The public keys PyPI's 2020 key generation ceremony published
// (testdata/psf-2020-ceremony): each YubiHSM 2 and Nitrokey HSM 2 key,
// as PEM and as exported (a YubiHSM 2's raw point, a Nitrokey's DER),
// imports as one TUF key, with the scheme its curve needs.
func TestImportPSF2020Keys(t *testing.T) {
	devices := map[string]struct{ curve, scheme string }{
		"0013200460":  {CurveP384, SchemeECDSAP384}, // YubiHSM 2, raw points
		"0013200461":  {CurveP256, SchemeECDSAP256},
		"DENK0102947": {"", SchemeECDSAP256}, // Nitrokey HSM 2, DER
		"DENK0200473": {"", SchemeECDSAP384},
	}
	ids := map[string]string{}
	for dev, d := range devices {
		for _, role := range []string{"root", "targets"} {
			base := filepath.Join("..", "testdata", "psf-2020-ceremony", dev, dev+"_"+role+"_pubkey")
			pemKey := importFile(t, base+".pem", "")
			exported := importFile(t, base+".pub", d.curve)
			if pemKey.Scheme != d.scheme || exported.Scheme != d.scheme {
				t.Errorf("%s %s: schemes %s and %s, want %s", dev, role, pemKey.Scheme, exported.Scheme, d.scheme)
			}
			a, err := ID(pemKey)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ID(exported)
			if err != nil {
				t.Fatal(err)
			}
			if a != b {
				t.Errorf("%s %s: the PEM gives key %s, the exported file %s", dev, role, a, b)
			}
			if other, dup := ids[a]; dup {
				t.Errorf("%s %s and %s are one key", dev, role, other)
			}
			ids[a] = dev + " " + role
		}
	}
}

func importFile(t *testing.T, path, curve string) *metadata.Key {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ImportPublicKey(data, curve)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return key
}

// What is no public key, or a raw key without its curve or of another
// length, is refused saying why.
func TestImportRefusals(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "psf-2020-ceremony", "0013200461", "0013200461_root_pubkey.pub"))
	if err != nil {
		t.Fatal(err)
	}
	offCurve := append([]byte(nil), raw...)
	offCurve[40] ^= 1
	for name, c := range map[string]struct {
		data  []byte
		curve string
		want  string
	}{
		"raw, no curve":    {raw, "", "give --curve p256"},
		"raw, other curve": {raw, CurveP384, "not an uncompressed p384 point"},
		"off the curve":    {offCurve, CurveP256, "not an uncompressed p256 point"},
		"private key PEM":  {[]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), "", `"PRIVATE KEY" block`},
		"ed25519 short":    {make([]byte, 31), CurveEd25519, "a raw Ed25519 key has 32"},
		"unknown curve":    {raw, "p521", `curve "p521"`},
		"text":             {[]byte("hello"), "", "neither a PEM public key nor DER"},
		"identity ed25519": {mustHex(t, "0100000000000000000000000000000000000000000000000000000000000000"), CurveEd25519, "small order"},
		"y past the prime": {mustHex(t, "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"), CurveEd25519, "not below the field's prime"},
	} {
		if _, err := ImportPublicKey(c.data, c.curve); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	pub, _, _ := ed25519.GenerateKey(nil)
	k, err := ImportPublicKey(pub, CurveEd25519)
	if err != nil || k.Scheme != SchemeEd25519 {
		t.Fatalf("a raw Ed25519 key: %+v, %v", k, err)
	}
}
