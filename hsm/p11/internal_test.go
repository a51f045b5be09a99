package p11

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/keys"
)

func TestRawToDER(t *testing.T) {
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	digest := sha256.Sum256([]byte("m"))
	der, _ := ecdsa.SignASN1(rand.Reader, priv, digest[:])
	var ints struct{ R, S asn1.RawValue }
	if _, err := asn1.Unmarshal(der, &ints); err != nil {
		t.Fatal(err)
	}
	// r||s as a token gives it: each left-padded to 32 bytes.
	r := pad(bytes.TrimLeft(ints.R.Bytes, "\x00"), 32)
	s := pad(bytes.TrimLeft(ints.S.Bytes, "\x00"), 32)
	got, err := rawToDER(append(r, s...))
	if err != nil {
		t.Fatal(err)
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, digest[:], got) {
		t.Errorf("converted signature does not verify")
	}
	// Leading zeros (a short r) and high bits (an INTEGER needs a 0x00).
	raw := append(pad([]byte{0x01}, 32), bytes.Repeat([]byte{0xff}, 32)...)
	got, _ = rawToDER(raw)
	var back struct{ R, S asn1.RawValue }
	asn1.Unmarshal(got, &back)
	if !bytes.Equal(back.R.Bytes, []byte{1}) || len(back.S.Bytes) != 33 || back.S.Bytes[0] != 0 {
		t.Errorf("DER %x", got)
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}} {
		if _, err := rawToDER(bad); err == nil {
			t.Errorf("rawToDER(%x) accepted", bad)
		}
	}
}

func pad(b []byte, n int) []byte { return append(make([]byte, n-len(b)), b...) }

func TestTriesLeftAndWrongPINMessages(t *testing.T) {
	tok := tokenInfo{label: "hsm", serial: "42"}
	for _, c := range []struct {
		flags uint
		tries int
		msg   string
	}{
		{0, -1, `wrong PIN for token "hsm" (serial 42) (not retried`},
		{pkcs11.CKF_USER_PIN_COUNT_LOW, -1, "not retried"},
		{pkcs11.CKF_USER_PIN_FINAL_TRY | pkcs11.CKF_USER_PIN_COUNT_LOW, 1, "one try is left; the next wrong PIN blocks it"},
		{pkcs11.CKF_USER_PIN_LOCKED, 0, "and now the PIN is blocked: the security officer must unblock it"},
	} {
		if got := triesLeft(c.flags); got != c.tries {
			t.Errorf("triesLeft(0x%x) = %d, want %d", c.flags, got, c.tries)
		}
		err := wrongPIN(tok, c.flags)
		if !errors.Is(err, ErrWrongPIN) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("flags 0x%x: %v, want %q", c.flags, err, c.msg)
		}
		if c.tries == 0 && !errors.Is(err, ErrPINBlocked) {
			t.Errorf("a wrong PIN that blocks the token is not ErrPINBlocked")
		}
	}
	// CKR_PIN_LOCKED from C_Login.
	m := &module{}
	if err := m.loginError(tok, pkcs11.Error(pkcs11.CKR_PIN_LOCKED)); !errors.Is(err, ErrPINBlocked) {
		t.Errorf("CKR_PIN_LOCKED: %v", err)
	}
	if err := m.loginError(tok, pkcs11.Error(pkcs11.CKR_DEVICE_REMOVED)); !errors.Is(err, ErrTokenAbsent) {
		t.Errorf("CKR_DEVICE_REMOVED: %v", err)
	}
}

func TestParsePublicKey(t *testing.T) {
	edPub, _, _ := ed25519.GenerateKey(rand.Reader)
	wrapped, _ := asn1.Marshal(edPub[:])
	oid, _ := asn1.Marshal(oidEd25519)
	printable, _ := asn1.MarshalWithParams("edwards25519", "printable")
	for _, c := range []struct {
		name          string
		params, point []byte
	}{
		{"OID, wrapped point", oid, wrapped},
		{"OID, raw point", oid, edPub},
		{"printable curve name", printable, wrapped},
	} {
		got, err := parsePublicKey(ckkECEdwards, c.params, c.point)
		if err != nil || !edPub.Equal(got) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	point, _ := ec.PublicKey.Bytes()
	wrapped, _ = asn1.Marshal(point)
	p384, _ := asn1.Marshal(oidP384)
	got, err := parsePublicKey(pkcs11.CKK_EC, p384, wrapped)
	if err != nil || !ec.PublicKey.Equal(got) {
		t.Errorf("P-384: %v", err)
	}
	if _, err := parsePublicKey(ckkECEdwards, p384, wrapped); err == nil {
		t.Errorf("an Edwards key on P-384 accepted")
	}
	p256, _ := asn1.Marshal(oidP256)
	if _, err := parsePublicKey(pkcs11.CKK_EC, p256, wrapped); err == nil {
		t.Errorf("a P-384 point as P-256 accepted")
	}
	secp256k1, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 132, 0, 10})
	if _, err := parsePublicKey(pkcs11.CKK_EC, secp256k1, wrapped); err == nil || !strings.Contains(err.Error(), "unsupported curve 1.3.132.0.10") {
		t.Errorf("secp256k1: %v", err)
	}
}

// KeyURI escapes what RFC 7512 asks, and parses back to the same target.
func TestKeyURIRoundTrip(t *testing.T) {
	id := []byte{0x00, 0x2f, 0x3b, 0x3f, 0x25, 0xff}
	uri := KeyURI("/opt/my modules/lib.so", "root;1?", "ab 12", "key/ä&=", id)
	want := "pkcs11:token=root%3B1%3F;serial=ab%2012;object=key%2F%C3%A4%26%3D;id=%00%2F%3B%3F%25%FF;type=private?module-path=/opt/my%20modules/lib.so"
	if uri != want {
		t.Errorf("KeyURI\n got %s\nwant %s", uri, want)
	}
	u, err := keys.ParseURI(uri)
	if err != nil {
		t.Fatal(err)
	}
	tg, err := parseTarget(u)
	if err != nil {
		t.Fatal(err)
	}
	if tg.module != "/opt/my modules/lib.so" || tg.token.label != "root;1?" || tg.token.serial != "ab 12" || tg.label != "key/ä&=" || !bytes.Equal(tg.id, id) {
		t.Errorf("parsed back to %+v", tg)
	}
}
