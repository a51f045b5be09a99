package p11_test

import (
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

func TestGenerateEachTypeThenSign(t *testing.T) {
	tok := emptyToken(t, "keygen")
	want := map[keys.KeyType]string{
		keys.TypeEd25519:   keys.SchemeEd25519,
		keys.TypeECDSAP256: keys.SchemeECDSAP256,
		keys.TypeECDSAP384: keys.SchemeECDSAP384,
	}
	for kt, scheme := range want {
		t.Run(string(kt), func(t *testing.T) {
			uri := tok.URI("key-" + string(kt))
			p := &prompter{pin: tok.PIN}
			gen, err := backends.Generate(uri, kt, p)
			if err != nil {
				t.Fatal(err)
			}
			if gen.Scheme != scheme {
				t.Errorf("generated scheme %q, want %q", gen.Scheme, scheme)
			}
			if len(p.requests) != 1 || p.requests[0].Kind != keys.PIN || p.requests[0].URI != uri || p.requests[0].TriesLeft != -1 {
				t.Errorf("keygen asked %+v, want one PIN request for %s with TriesLeft -1", p.requests, uri)
			}

			pub, err := backends.PublicKey(uri)
			if err != nil {
				t.Fatal(err)
			}
			if !keys.SameKey(pub, gen) {
				t.Errorf("PublicKey is not the key Generate returned")
			}

			p = &prompter{pin: tok.PIN}
			s, err := backends.Open(uri, p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.(keys.Closer).Close()
			if len(p.requests) != 1 {
				t.Errorf("open asked %d times for the PIN, want 1", len(p.requests))
			}
			if !keys.SameKey(s.TUFKey(), gen) || s.URI() != uri {
				t.Errorf("signer has key %v and URI %q", s.TUFKey(), s.URI())
			}
			for _, msg := range []string{"", "root metadata", strings.Repeat("x", 100000)} {
				// SignMessage verifies the signature against TUFKey.
				sig, err := keys.SignMessage(s, []byte(msg))
				if err != nil {
					t.Fatal(err)
				}
				if err := keys.Verify(gen, []byte(msg), sig); err != nil {
					t.Fatal(err)
				}
			}
			if len(p.requests) != 1 {
				t.Errorf("signing asked for the PIN again (%d requests)", len(p.requests))
			}
		})
	}
}

// The private half is sensitive and not extractable, made on the token, and
// may only sign; the public half is public, so no PIN is needed to read it.
func TestGeneratedKeyAttributes(t *testing.T) {
	tok := emptyToken(t, "keygen")
	generate(t, tok, tok.URI("attrs"), keys.TypeECDSAP256)
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	check := func(class uint, want map[uint]bool) {
		t.Helper()
		hs, err := raw.Find(pkcs11.NewAttribute(pkcs11.CKA_CLASS, class), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "attrs"))
		if err != nil || len(hs) != 1 {
			t.Fatalf("found %d objects of class %d labelled attrs (%v), want 1", len(hs), class, err)
		}
		var tmpl []*pkcs11.Attribute
		var types []uint
		for typ := range want {
			tmpl = append(tmpl, pkcs11.NewAttribute(typ, nil))
			types = append(types, typ)
		}
		var got []*pkcs11.Attribute
		err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
			got, err = ctx.GetAttributeValue(s, hs[0], tmpl)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range got {
			if v := len(a.Value) == 1 && a.Value[0] != 0; v != want[types[i]] {
				t.Errorf("class %d: attribute 0x%x is %v, want %v", class, types[i], v, want[types[i]])
			}
		}
	}
	check(pkcs11.CKO_PRIVATE_KEY, map[uint]bool{
		pkcs11.CKA_TOKEN:             true,
		pkcs11.CKA_PRIVATE:           true,
		pkcs11.CKA_SENSITIVE:         true,
		pkcs11.CKA_ALWAYS_SENSITIVE:  true,
		pkcs11.CKA_EXTRACTABLE:       false,
		pkcs11.CKA_NEVER_EXTRACTABLE: true,
		pkcs11.CKA_LOCAL:             true,
		pkcs11.CKA_SIGN:              true,
		pkcs11.CKA_DECRYPT:           false,
		pkcs11.CKA_UNWRAP:            false,
		pkcs11.CKA_DERIVE:            false,
	})
	check(pkcs11.CKO_PUBLIC_KEY, map[uint]bool{
		pkcs11.CKA_TOKEN:   true,
		pkcs11.CKA_PRIVATE: false,
		pkcs11.CKA_VERIFY:  true,
	})

	// The private value cannot be read.
	hs, _ := raw.Find(pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "attrs"))
	err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
		_, err := ctx.GetAttributeValue(s, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
		return err
	})
	if err != pkcs11.Error(pkcs11.CKR_ATTRIBUTE_SENSITIVE) {
		t.Errorf("reading CKA_VALUE of the private key: %v, want CKR_ATTRIBUTE_SENSITIVE", err)
	}
}

// objectCount counts the objects on tok with this label or ID.
func objectCount(t *testing.T, tok *p11test.Token, attr *pkcs11.Attribute) int {
	t.Helper()
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hs, err := raw.Find(attr)
	if err != nil {
		t.Fatal(err)
	}
	return len(hs)
}

func TestGenerateRefusesExistingLabelOrID(t *testing.T) {
	tok := emptyToken(t, "dup")
	first := tok.URIWith("object=taken;id=%01%02")
	generate(t, tok, first, keys.TypeEd25519)
	before, err := backends.PublicKey(first)
	if err != nil {
		t.Fatal(err)
	}

	// Same label, another type, no ID: refused before any PIN is asked
	// (the public half is seen without login), nothing made.
	p := &prompter{pin: tok.PIN}
	_, err = backends.Generate(tok.URI("taken"), keys.TypeECDSAP256, p)
	if err == nil || !strings.Contains(err.Error(), `label "taken"`) {
		t.Fatalf("second key labelled taken: %v, want a refusal naming the label", err)
	}
	if len(p.requests) != 0 {
		t.Errorf("asked for a PIN before refusing a label in use")
	}
	t.Log(err)
	if n := objectCount(t, tok, pkcs11.NewAttribute(pkcs11.CKA_LABEL, "taken")); n != 2 {
		t.Errorf("%d objects labelled taken, want 2 (the first pair)", n)
	}

	// Another label, same ID: refused, nothing made.
	_, err = backends.Generate(withPINSource(t, tok, tok.URIWith("object=fresh;id=%01%02")), keys.TypeEd25519, nil)
	if err == nil || !strings.Contains(err.Error(), "id 0102") || !strings.Contains(err.Error(), `"taken"`) {
		t.Fatalf("second key with id 0102: %v, want a refusal naming the id and the label that has it", err)
	}
	if n := objectCount(t, tok, pkcs11.NewAttribute(pkcs11.CKA_LABEL, "fresh")); n != 0 {
		t.Errorf("%d objects labelled fresh after the refusal, want 0", n)
	}
	if n := objectCount(t, tok, pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{1, 2})); n != 2 {
		t.Errorf("%d objects with id 0102, want 2", n)
	}

	// The first key is untouched.
	after, err := backends.PublicKey(first)
	if err != nil || !keys.SameKey(before, after) {
		t.Errorf("the first key changed: %v", err)
	}

	// A key with no label is refused: people need a name for it.
	noLabel := tok.URIWith("id=%09")
	if _, err := backends.Generate(withPINSource(t, tok, noLabel), keys.TypeEd25519, nil); err == nil || !strings.Contains(err.Error(), "object=LABEL") {
		t.Errorf("keygen without object=: %v", err)
	}
}

// A label that only a private object has (invisible before login) is
// refused too, after login.
func TestGenerateRefusesLabelOfPrivateObject(t *testing.T) {
	tok := emptyToken(t, "dup")
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
		_, err := ctx.CreateObject(s, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA),
			pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, "hidden"),
			pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("secret data")),
		})
		return err
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}
	_, err = backends.Generate(withPINSource(t, tok, tok.URI("hidden")), keys.TypeEd25519, nil)
	if err == nil || !strings.Contains(err.Error(), `already has an object with label "hidden"`) {
		t.Errorf("label of a private data object: %v", err)
	}
}
