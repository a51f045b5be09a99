package p11_test

import (
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Two tokens with one label: a URI naming the label is refused, naming
// both serials; the serial picks one.
func TestAmbiguousTokenRefused(t *testing.T) {
	one, two := emptyToken(t, "twin-1"), p11test.Get(t, "twin-2")
	p := &prompter{pin: one.PIN}
	_, err := backends.Generate(one.URI("k"), keys.TypeEd25519, p)
	if err == nil || !strings.Contains(err.Error(), `2 tokens match token="twin"`) ||
		!strings.Contains(err.Error(), one.Serial) || !strings.Contains(err.Error(), two.Serial) {
		t.Fatalf("keygen on an ambiguous label: %v; want an error naming both serials", err)
	}
	if _, err := backends.PublicKey(one.URI("k")); err == nil || !strings.Contains(err.Error(), "2 tokens match") {
		t.Errorf("PublicKey on an ambiguous label: %v", err)
	}
	if len(p.requests) != 0 {
		t.Errorf("asked for a PIN before the token was known")
	}

	bySerial := "pkcs11:serial=" + one.Serial + ";object=k?module-path=" + one.Module
	generate(t, one, bySerial, keys.TypeEd25519)
	both := "pkcs11:token=twin;serial=" + one.Serial + ";object=k?module-path=" + one.Module
	s := open(t, one, both)
	if _, err := keys.SignMessage(s, []byte("twin")); err != nil {
		t.Fatal(err)
	}
	other := "pkcs11:serial=" + two.Serial + ";object=k?module-path=" + two.Module
	if _, err := backends.PublicKey(other); err == nil || !strings.Contains(err.Error(), `no public key with object="k"`) {
		t.Errorf("the key is on twin-1 only, yet twin-2 says: %v", err)
	}
	absent := "pkcs11:serial=0000000000000000;object=k?module-path=" + one.Module
	if _, err := backends.PublicKey(absent); err == nil || !strings.Contains(err.Error(), "no token with") {
		t.Errorf("absent token: %v", err)
	}
}

func TestKeySelection(t *testing.T) {
	tok := emptyToken(t, "select")
	// An id with bytes that must be escaped: NUL, 0xff, '/', ';', '?'.
	id := []byte{0x00, 0xff, '/', ';', '?'}
	uri := tok.URIWith("object=with%20space;id=%00%FF%2F%3B%3F")
	generate(t, tok, uri, keys.TypeECDSAP384)
	want, err := backends.PublicKey(uri)
	if err != nil {
		t.Fatal(err)
	}

	for _, u := range []string{
		tok.URIWith("id=%00%ff%2f%3b%3f"),  // by id alone, lower-case escapes
		tok.URIWith("object=with%20space"), // by label alone
		tok.URIWith("object=with%20space;type=private"),
		p11.KeyURI(tok.Module, tok.Label, tok.Serial, "with space", id),
	} {
		got, err := backends.PublicKey(u)
		if err != nil || !keys.SameKey(got, want) {
			t.Errorf("PublicKey(%s): %v", u, err)
		}
	}

	for _, c := range []struct{ uri, want string }{
		{tok.URI("nope"), `no public key with object="nope"`},
		{tok.URIWith("object=with%20space;id=%01"), `no public key with object="with space" id=01`},
		{tok.URIWith("id=%01"), "no public key with id=01"},
	} {
		if _, err := backends.PublicKey(c.uri); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PublicKey(%s): %v, want %q", c.uri, err, c.want)
		}
		p := &prompter{pin: tok.PIN}
		if _, err := backends.Open(c.uri, p); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Open(%s): %v, want %q", c.uri, err, c.want)
		}
	}
}

// Two key pairs under one label, as PKCS#11 (and crypto11) allow: a URI
// naming only the label is refused, naming both; the id picks one.
func TestAmbiguousKeyRefused(t *testing.T) {
	tok := emptyToken(t, "select")
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	params, _ := asn1P256()
	for _, id := range []byte{0x0a, 0x0b} {
		err := raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
			_, _, err := ctx.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
				[]*pkcs11.Attribute{
					pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
					pkcs11.NewAttribute(pkcs11.CKA_LABEL, "twice"),
					pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{id}),
					pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
				},
				[]*pkcs11.Attribute{
					pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
					pkcs11.NewAttribute(pkcs11.CKA_LABEL, "twice"),
					pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{id}),
					pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
				})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = backends.PublicKey(tok.URI("twice"))
	if err == nil || !strings.Contains(err.Error(), "2 public keys match") || !strings.Contains(err.Error(), "id=0a") || !strings.Contains(err.Error(), "id=0b") {
		t.Errorf("two keys labelled twice: %v", err)
	}
	s := open(t, tok, tok.URIWith("object=twice;id=%0b"))
	if _, err := keys.SignMessage(s, []byte("the second")); err != nil {
		t.Error(err)
	}
}

func TestURIRefusals(t *testing.T) {
	tok := emptyToken(t, "select")
	for _, c := range []struct{ uri, want string }{
		{"pkcs11:token=select;object=k", "module-path=PATH is required"},
		{"pkcs11:token=select;object=k?module-path=libsofthsm2.so", "must be an absolute path"},
		{"pkcs11:token=select;object=k?module-path=/usr/lib/nonexistent/lib.so", "no such file"},
		{"pkcs11:token=select;object=k?module-path=/nonexistent/lib.so", "outside the system's library directories"},
		{"pkcs11:object=k?module-path=" + tok.Module, "token=LABEL or serial=SERIAL"},
		{"pkcs11:token=select?module-path=" + tok.Module, "object=LABEL or id="},
		{"pkcs11:token=select;object=k;type=cert?module-path=" + tok.Module, "does not name a key pair"},
		{"pkcs11:token=select;object=k;slot-id=1?module-path=" + tok.Module, "unknown attribute(s) slot-id"},
		{"pkcs11:token=select;object=k?module-path=" + tok.Module + "&module-name=softhsm2", "unknown attribute(s) ?module-name"},
		{"pkcs11:token=select;object=?module-path=" + tok.Module, `attribute "object" is empty`},
	} {
		_, err := backends.PublicKey(c.uri)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("PublicKey(%s): %v, want %q", c.uri, err, c.want)
		}
	}
}
