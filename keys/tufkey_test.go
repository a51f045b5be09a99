package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RFC 8032, section 7.1, TEST 1.
const (
	rfc8032Seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	rfc8032Pub  = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
)

// equaler is what the standard library's public keys implement.
type equaler interface{ Equal(crypto.PublicKey) bool }

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func newECDSA(t *testing.T, c elliptic.Curve) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemSPKI(t *testing.T, pub any) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func uncompressedPoint(t *testing.T, pub *ecdsa.PublicKey) string {
	t.Helper()
	b, err := pub.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 1+2*((pub.Curve.Params().BitSize+7)/8) || b[0] != 4 {
		t.Fatalf("not an uncompressed point: %x", b)
	}
	return hex.EncodeToString(b)
}

func TestFromPublicKeyEd25519(t *testing.T) {
	raw := mustHex(t, rfc8032Pub)
	k, err := FromPublicKey(ed25519.PublicKey(raw))
	if err != nil {
		t.Fatal(err)
	}
	if k.Type != "ed25519" || k.Scheme != "ed25519" {
		t.Errorf("keytype/scheme = %q/%q, want ed25519/ed25519", k.Type, k.Scheme)
	}
	if k.Value.PublicKey != rfc8032Pub {
		t.Errorf("public = %q, want lowercase hex %q", k.Value.PublicKey, rfc8032Pub)
	}
	if len(k.UnrecognizedFields) != 0 {
		t.Errorf("unexpected extra fields %v", k.UnrecognizedFields)
	}
}

func TestFromPublicKeyECDSA(t *testing.T) {
	for _, tt := range []struct {
		curve  elliptic.Curve
		scheme string
	}{
		{elliptic.P256(), "ecdsa-sha2-nistp256"},
		{elliptic.P384(), "ecdsa-sha2-nistp384"},
	} {
		priv := newECDSA(t, tt.curve)
		k, err := FromPublicKey(&priv.PublicKey)
		if err != nil {
			t.Fatalf("%s: %v", tt.curve.Params().Name, err)
		}
		// TUF 1.0.31 keytype "ecdsa"; the scheme follows the curve (go-tuf
		// labels every ECDSA key nistp256, which is wrong for P-384).
		if k.Type != "ecdsa" {
			t.Errorf("%s: keytype = %q, want ecdsa", tt.curve.Params().Name, k.Type)
		}
		if k.Scheme != tt.scheme {
			t.Errorf("%s: scheme = %q, want %q", tt.curve.Params().Name, k.Scheme, tt.scheme)
		}
		block, rest := pem.Decode([]byte(k.Value.PublicKey))
		if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
			t.Fatalf("%s: public is not exactly one PEM PUBLIC KEY block: %q", tt.curve.Params().Name, k.Value.PublicKey)
		}
		want, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
		if !bytes.Equal(block.Bytes, want) {
			t.Errorf("%s: PEM holds a different SubjectPublicKeyInfo", tt.curve.Params().Name)
		}
	}
}

func TestFromPublicKeyRefuses(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, pub := range map[string]any{
		"P-521":       &newECDSA(t, elliptic.P521()).PublicKey,
		"P-224":       &newECDSA(t, elliptic.P224()).PublicKey,
		"RSA":         &rsaKey.PublicKey,
		"ed25519 ptr": &[]byte{1},
		"nil":         nil,
	} {
		if k, err := FromPublicKey(pub); err == nil {
			t.Errorf("FromPublicKey(%s) = %+v, want an error", name, k)
		}
	}
	_, err = FromPublicKey(&newECDSA(t, elliptic.P521()).PublicKey)
	if err == nil || !strings.Contains(err.Error(), "P-521") {
		t.Errorf("P-521 error %v does not name the curve", err)
	}
}

func TestPublicKeyOfRoundTrip(t *testing.T) {
	ed := newEd25519(t)
	p256 := newECDSA(t, elliptic.P256())
	p384 := newECDSA(t, elliptic.P384())
	for name, pub := range map[string]equaler{
		"ed25519": ed.Public().(ed25519.PublicKey),
		"P-256":   &p256.PublicKey,
		"P-384":   &p384.PublicKey,
	} {
		k, err := FromPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PublicKeyOf(k)
		if err != nil {
			t.Fatalf("%s: PublicKeyOf: %v", name, err)
		}
		if !pub.Equal(got) {
			t.Errorf("%s: PublicKeyOf returned a different key", name)
		}
	}
}

func TestPublicKeyOfOtherToolsForms(t *testing.T) {
	p256 := newECDSA(t, elliptic.P256())
	p384 := newECDSA(t, elliptic.P384())
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  metadata.Key
		want equaler
	}{
		{"legacy keytype, PEM", metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p256.PublicKey)}}, &p256.PublicKey},
		{"legacy keytype, hex point (sigstore roots 1-4)", metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: uncompressedPoint(t, &p256.PublicKey)}}, &p256.PublicKey},
		{"ecdsa keytype, hex point", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: uncompressedPoint(t, &p256.PublicKey)}}, &p256.PublicKey},
		{"P-384 hex point", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp384",
			Value: metadata.KeyVal{PublicKey: uncompressedPoint(t, &p384.PublicKey)}}, &p384.PublicKey},
		{"RSA PSS", metadata.Key{Type: "rsa", Scheme: "rsassa-pss-sha256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &rsaKey.PublicKey)}}, &rsaKey.PublicKey},
	}
	for _, tt := range tests {
		got, err := PublicKeyOf(&tt.key)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !tt.want.Equal(got) {
			t.Errorf("%s: decoded a different key (%T)", tt.name, got)
		}
	}
}

func TestPublicKeyOfRefuses(t *testing.T) {
	p256 := newECDSA(t, elliptic.P256())
	p384 := newECDSA(t, elliptic.P384())
	ed := newEd25519(t)
	edHex := hex.EncodeToString(ed.Public().(ed25519.PublicKey))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cert := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0}}))
	tests := []struct {
		name    string
		key     metadata.Key
		mention string
	}{
		{"P-384 PEM under nistp256 scheme", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p384.PublicKey)}}, "P-384"},
		{"P-256 PEM under nistp384 scheme", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp384",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p256.PublicKey)}}, "P-256"},
		{"P-256 hex point under nistp384 scheme", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp384",
			Value: metadata.KeyVal{PublicKey: uncompressedPoint(t, &p256.PublicKey)}}, ""},
		{"ecdsa with ed25519 scheme", metadata.Key{Type: "ecdsa", Scheme: "ed25519",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p256.PublicKey)}}, "ed25519"},
		{"ecdsa PEM holding RSA", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &rsaKey.PublicKey)}}, ""},
		{"ecdsa hex point off the curve", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: "04" + strings.Repeat("01", 64)}}, ""},
		{"ecdsa certificate PEM", metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: cert}}, ""},
		{"ed25519 with ecdsa scheme", metadata.Key{Type: "ed25519", Scheme: "ecdsa-sha2-nistp256",
			Value: metadata.KeyVal{PublicKey: edHex}}, ""},
		{"ed25519 31 bytes", metadata.Key{Type: "ed25519", Scheme: "ed25519",
			Value: metadata.KeyVal{PublicKey: edHex[:62]}}, ""},
		{"ed25519 33 bytes", metadata.Key{Type: "ed25519", Scheme: "ed25519",
			Value: metadata.KeyVal{PublicKey: edHex + "00"}}, ""},
		{"ed25519 not hex", metadata.Key{Type: "ed25519", Scheme: "ed25519",
			Value: metadata.KeyVal{PublicKey: strings.Repeat("zz", 32)}}, ""},
		{"rsa with pkcs1 scheme", metadata.Key{Type: "rsa", Scheme: "rsa-pkcs1v15-sha256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &rsaKey.PublicKey)}}, "rsa-pkcs1v15-sha256"},
		{"rsa holding ECDSA", metadata.Key{Type: "rsa", Scheme: "rsassa-pss-sha256",
			Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p256.PublicKey)}}, ""},
		{"unknown keytype", metadata.Key{Type: "sphincs", Scheme: "sphincs-shake-256f",
			Value: metadata.KeyVal{PublicKey: "00"}}, "sphincs"},
	}
	for _, tt := range tests {
		pub, err := PublicKeyOf(&tt.key)
		if err == nil {
			t.Errorf("%s: PublicKeyOf = %T, want an error", tt.name, pub)
			continue
		}
		if tt.mention != "" && !strings.Contains(err.Error(), tt.mention) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.mention)
		}
	}
}

// The key ID is computed here by hand: the canonical JSON of the core
// fields (keys sorted, no whitespace), then SHA-256.
func TestIDKnownEd25519Key(t *testing.T) {
	k := &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: rfc8032Pub}}
	canonical := `{"keytype":"ed25519","keyval":{"public":"` + rfc8032Pub + `"},"scheme":"ed25519"}`
	want := sha256Hex(canonical)
	got, err := ID(k)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
	full, err := FullID(k)
	if err != nil {
		t.Fatal(err)
	}
	if full != want {
		t.Errorf("FullID without vendor fields = %s, want %s (same as ID)", full, want)
	}
	// go-tuf, an independent implementation, agrees for a key without
	// vendor fields.
	tufID, err := Copy(k).ID()
	if err != nil {
		t.Fatal(err)
	}
	if tufID != want {
		t.Errorf("go-tuf key ID = %s, want %s", tufID, want)
	}

	// Vendor fields do not change ID, but are part of FullID.
	k.UnrecognizedFields = map[string]any{"x-rstuf-key-name": "alice"}
	got, err = ID(k)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("ID with x- field = %s, want unchanged %s", got, want)
	}
	full, err = FullID(k)
	if err != nil {
		t.Fatal(err)
	}
	wantFull := sha256Hex(`{"keytype":"ed25519","keyval":{"public":"` + rfc8032Pub + `"},"scheme":"ed25519","x-rstuf-key-name":"alice"}`)
	if full != wantFull {
		t.Errorf("FullID with x- field = %s, want %s", full, wantFull)
	}
	if full == want {
		t.Error("FullID did not change with a vendor field")
	}
}

func TestIDCanonicalStringRules(t *testing.T) {
	// Canonical JSON escapes only '"' and '\'; a PEM's newlines stay raw
	// bytes (encoding/json would write \n and give another ID).
	pub := "-----BEGIN PUBLIC KEY-----\nAB/+<&>\"q\\\n-----END PUBLIC KEY-----\n"
	k := &metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256", Value: metadata.KeyVal{PublicKey: pub}}
	canonical := "{\"keytype\":\"ecdsa\",\"keyval\":{\"public\":\"-----BEGIN PUBLIC KEY-----\nAB/+<&>\\\"q\\\\\n-----END PUBLIC KEY-----\n\"},\"scheme\":\"ecdsa-sha2-nistp256\"}"
	got, err := ID(k)
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256Hex(canonical); got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
}

// RSTUF, the server PyPI runs, names keys by the SHA-256 of their core
// fields, before adding x-rstuf-* fields. Warehouse's development bootstrap
// has one key of each type, each carrying such a field.
func TestIDMatchesRSTUFBootstrap(t *testing.T) {
	data, err := os.ReadFile("../testdata/rstuf/warehouse-dev-bootstrap.json")
	if err != nil {
		t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
	}
	var doc struct {
		Metadata struct {
			Root struct {
				Signed struct {
					Keys map[string]*metadata.Key `json:"keys"`
				} `json:"signed"`
			} `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ks := doc.Metadata.Root.Signed.Keys
	if _, ok := ks["c6d8bf2e4f48b41ac2ce8eca21415ca8ef68c133b47fc33df03d4070a7e1e9cc"]; !ok || len(ks) != 3 {
		t.Fatalf("test data changed: keys %v", ks)
	}
	types := map[string]bool{}
	for id, k := range ks {
		types[k.Type] = true
		got, err := ID(k)
		if err != nil {
			t.Fatal(err)
		}
		if got != id {
			t.Errorf("%s key: ID = %s, want %s", k.Type, got, id)
		}
		if len(k.UnrecognizedFields) == 0 {
			t.Errorf("%s key: test data has no x- field", k.Type)
		}
		full, err := FullID(k)
		if err != nil {
			t.Fatal(err)
		}
		if full == id {
			t.Errorf("%s key: FullID equals the core ID despite vendor fields", k.Type)
		}
		if _, err := PublicKeyOf(k); err != nil {
			t.Errorf("%s key: PublicKeyOf: %v", k.Type, err)
		}
	}
	if !types["ed25519"] || !types["ecdsa"] || !types["rsa"] {
		t.Errorf("key types %v, want ed25519, ecdsa and rsa", types)
	}
}

func TestSameKey(t *testing.T) {
	p256 := newECDSA(t, elliptic.P256())
	other := newECDSA(t, elliptic.P256())
	pemKey := &metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
		Value: metadata.KeyVal{PublicKey: pemSPKI(t, &p256.PublicKey)}}
	hexLegacy := &metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
		Value:              metadata.KeyVal{PublicKey: uncompressedPoint(t, &p256.PublicKey)},
		UnrecognizedFields: map[string]any{"x-tuf-on-ci-keyowner": "@alice"}}
	otherKey := &metadata.Key{Type: "ecdsa", Scheme: "ecdsa-sha2-nistp256",
		Value: metadata.KeyVal{PublicKey: pemSPKI(t, &other.PublicKey)}}
	if !SameKey(pemKey, hexLegacy) || !SameKey(hexLegacy, pemKey) {
		t.Error("SameKey(PEM, legacy hex) = false for one key")
	}
	// Written alike is the quick half of SameKey: a copy is, another
	// encoding of the same key is not (SameKey tells it by its DER).
	if !WrittenAlike(pemKey, Copy(pemKey)) || WrittenAlike(pemKey, hexLegacy) || WrittenAlike(pemKey, nil) {
		t.Error("WrittenAlike: want true for a copy only")
	}
	if SameKey(pemKey, otherKey) {
		t.Error("SameKey = true for different P-256 keys")
	}
	id1, _ := ID(pemKey)
	id2, _ := ID(hexLegacy)
	if id1 == id2 {
		t.Error("test premise: the two encodings should have different key IDs")
	}

	ed := newEd25519(t)
	edKey, _ := FromPublicKey(ed.Public())
	edUpper := Copy(edKey)
	edUpper.Value.PublicKey = strings.ToUpper(edUpper.Value.PublicKey)
	if !SameKey(edKey, edUpper) {
		t.Error("SameKey(hex, upper-case hex) = false for one ed25519 key")
	}
	edOther, _ := FromPublicKey(newEd25519(t).Public())
	if SameKey(edKey, edOther) {
		t.Error("SameKey = true for different ed25519 keys")
	}
	if SameKey(edKey, pemKey) {
		t.Error("SameKey(ed25519, ecdsa) = true")
	}

	// Undecodable keys fall back to comparing the fields as written.
	bad := &metadata.Key{Type: "future", Scheme: "s", Value: metadata.KeyVal{PublicKey: "p"}}
	if !SameKey(bad, Copy(bad)) {
		t.Error("SameKey of an undecodable key with its copy = false")
	}
	bad2 := Copy(bad)
	bad2.Value.PublicKey = "q"
	if SameKey(bad, bad2) {
		t.Error("SameKey of different undecodable keys = true")
	}
	if SameKey(bad, edKey) || SameKey(edKey, bad) {
		t.Error("SameKey of an undecodable and a valid key = true")
	}
}

func TestKeyJSONRoundTrip(t *testing.T) {
	k, err := FromPublicKey(&newECDSA(t, elliptic.P384()).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	k.UnrecognizedFields = map[string]any{"x-ceremony-holder": "alice"}
	b, err := MarshalKeyJSON(k)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("MarshalKeyJSON output does not end with a newline: %q", b)
	}
	// Check the JSON with a plain decoder, not ParseKeyJSON.
	var plain map[string]any
	if err := json.Unmarshal(b, &plain); err != nil {
		t.Fatal(err)
	}
	if plain["keytype"] != "ecdsa" || plain["scheme"] != "ecdsa-sha2-nistp384" || plain["x-ceremony-holder"] != "alice" {
		t.Errorf("MarshalKeyJSON wrote %v", plain)
	}
	if kv, _ := plain["keyval"].(map[string]any); kv["public"] != k.Value.PublicKey {
		t.Errorf("keyval.public = %v", plain["keyval"])
	}
	got, err := ParseKeyJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != k.Type || got.Scheme != k.Scheme || got.Value.PublicKey != k.Value.PublicKey {
		t.Errorf("ParseKeyJSON = %+v, want %+v", got, k)
	}
	if got.UnrecognizedFields["x-ceremony-holder"] != "alice" {
		t.Errorf("vendor field lost: %v", got.UnrecognizedFields)
	}
}

func TestParseKeyJSONRefuses(t *testing.T) {
	for name, in := range map[string]string{
		"not JSON":       `keytype: ed25519`,
		"array":          `[]`,
		"no keytype":     `{"scheme":"ed25519","keyval":{"public":"` + rfc8032Pub + `"}}`,
		"no scheme":      `{"keytype":"ed25519","keyval":{"public":"` + rfc8032Pub + `"}}`,
		"no public":      `{"keytype":"ed25519","scheme":"ed25519","keyval":{}}`,
		"bad public":     `{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"abcd"}}`,
		"wrong scheme":   `{"keytype":"ed25519","scheme":"ecdsa-sha2-nistp256","keyval":{"public":"` + rfc8032Pub + `"}}`,
		"public not str": `{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":1}}`,
	} {
		if k, err := ParseKeyJSON([]byte(in)); err == nil {
			t.Errorf("%s: ParseKeyJSON = %+v, want an error", name, k)
		}
	}
	k, err := ParseKeyJSON([]byte(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"` + rfc8032Pub + `"}}`))
	if err != nil || k.Value.PublicKey != rfc8032Pub {
		t.Errorf("valid key: %+v, %v", k, err)
	}
}

func TestCopyIsDeep(t *testing.T) {
	k := &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: rfc8032Pub},
		UnrecognizedFields: map[string]any{"x-a": "1"}}
	// go-tuf caches the ID inside the key; a copy must not carry it over.
	origID, err := k.ID()
	if err != nil {
		t.Fatal(err)
	}
	c := Copy(k)
	c.UnrecognizedFields["x-b"] = "2"
	c.Value.PublicKey = strings.Repeat("00", 32)
	if _, ok := k.UnrecognizedFields["x-b"]; ok {
		t.Error("changing the copy's vendor fields changed the original")
	}
	if k.Value.PublicKey != rfc8032Pub {
		t.Error("changing the copy's public key changed the original")
	}
	copyID, err := c.ID()
	if err != nil {
		t.Fatal(err)
	}
	if copyID == origID {
		t.Error("the copy's go-tuf ID is the original's cached ID")
	}
	wantCopyID := sha256Hex(`{"keytype":"ed25519","keyval":{"public":"` + strings.Repeat("00", 32) + `"},"scheme":"ed25519","x-a":"1","x-b":"2"}`)
	if copyID != wantCopyID {
		t.Errorf("copy's go-tuf ID = %s, want %s", copyID, wantCopyID)
	}
	if c2 := Copy(&metadata.Key{Type: "ed25519"}); c2.UnrecognizedFields != nil {
		t.Errorf("Copy of a key without vendor fields made %v", c2.UnrecognizedFields)
	}
}

func TestParseKeyType(t *testing.T) {
	for _, s := range []string{"ed25519", "ecdsa-p256", "ecdsa-p384"} {
		kt, err := ParseKeyType(s)
		if err != nil || string(kt) != s {
			t.Errorf("ParseKeyType(%q) = %q, %v", s, kt, err)
		}
	}
	for _, s := range []string{"", "rsa", "ecdsa", "ecdsa-p521", "ED25519"} {
		if kt, err := ParseKeyType(s); err == nil {
			t.Errorf("ParseKeyType(%q) = %q, want an error", s, kt)
		}
	}
}

// TestIdentityKeepsKeysApart: keys that do not decode are told apart by
// every field, whatever bytes the fields hold.
func TestIdentityKeepsKeysApart(t *testing.T) {
	a := &metadata.Key{Type: "a\x00b", Scheme: "c", Value: metadata.KeyVal{PublicKey: "d"}}
	b := &metadata.Key{Type: "a", Scheme: "b\x00c", Value: metadata.KeyVal{PublicKey: "d"}}
	if Identity(a) == Identity(b) || SameKey(a, b) {
		t.Errorf("two different undecodable keys share an identity: %q", Identity(a))
	}
	if !SameKey(a, &metadata.Key{Type: "a\x00b", Scheme: "c", Value: metadata.KeyVal{PublicKey: "d"}}) {
		t.Error("an undecodable key is not the same as itself")
	}
}

// TestIDAsCJSON: ID writes the canonical key object itself for valid
// UTF-8; it must hash what go-securesystemslib's cjson writes, whatever
// the strings hold (quotes, backslashes, controls, HTML characters,
// U+2028, non-ASCII), and take cjson's way for what is not UTF-8.
func TestIDAsCJSON(t *testing.T) {
	for _, s := range []string{"", "ed25519", `q"uote`, `back\slash`, "ctl\x01\n\t", "<&>", "line\u2028sep", "é ſ K", "bad\xffutf8", "\x7f"} {
		checkIDAsCJSON(t, s, "s"+s, s+"p")
	}
}

func FuzzIDAsCJSON(f *testing.F) {
	f.Add("ed25519", "ed25519", "abcd")
	f.Add(`q"\`, "<&>\u2028", "\x00\xff")
	f.Fuzz(checkIDAsCJSON)
}

// checkIDAsCJSON fails unless ID hashes what cjson writes of the key.
func checkIDAsCJSON(t *testing.T, keytype, scheme, public string) {
	k := &metadata.Key{Type: keytype, Scheme: scheme, Value: metadata.KeyVal{PublicKey: public}}
	got, err := ID(k)
	if err != nil {
		t.Fatalf("%q: %v", k, err)
	}
	b, err := cjson.EncodeCanonical(map[string]any{"keytype": keytype, "scheme": scheme, "keyval": map[string]any{"public": public}})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	if want := hex.EncodeToString(sum[:]); got != want {
		t.Errorf("%q %q %q: ID %s, cjson's %s", keytype, scheme, public, got, want)
	}
}
