package p11_test

import (
	"crypto"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/pkcs11"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/keys"
)

// A token pulled out while a signer is open: Sign fails with
// ErrTokenAbsent, and no signature comes out.
func TestTokenPulledOut(t *testing.T) {
	tok := emptyToken(t, "pullout")
	uri := tok.URI("k")
	generate(t, tok, uri, keys.TypeECDSAP256)
	s := open(t, tok, uri)
	if _, err := keys.SignMessage(s, []byte("before")); err != nil {
		t.Fatal(err)
	}
	if err := p11.PullOut(s); err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(s, []byte("after"))
	if !errors.Is(err, p11.ErrTokenAbsent) || sig != nil {
		t.Fatalf("signing after the token went away: %x, %v", sig, err)
	}
	if !strings.Contains(err.Error(), "reconnect it") {
		t.Errorf("error does not say what to do: %v", err)
	}
	t.Log(err)
	// Close after the token went away does not panic or hang.
	s.(keys.Closer).Close()
	if _, err := s.Sign(nil, make([]byte, 32), crypto.SHA256); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("sign after close: %v", err)
	}
}

// otherKeySigner claims one key and signs with another, as a wrong device
// answering for the expected key would.
type otherKeySigner struct {
	keys.Signer
	claimed keys.Signer
}

func (s otherKeySigner) TUFKey() *metadata.Key    { return s.claimed.TUFKey() }
func (s otherKeySigner) Public() crypto.PublicKey { return s.claimed.Public() }
func (s otherKeySigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	return s.Signer.Sign(r, d, o)
}

// keys.SignMessage catches a token that signs with another key than the
// one expected.
func TestWrongDeviceCaught(t *testing.T) {
	tok := emptyToken(t, "concurrent")
	generate(t, tok, tok.URI("expected"), keys.TypeEd25519)
	generate(t, tok, tok.URI("inserted"), keys.TypeEd25519)
	expected := open(t, tok, tok.URI("expected"))
	inserted := open(t, tok, tok.URI("inserted"))
	_, err := keys.SignMessage(otherKeySigner{Signer: inserted, claimed: expected}, []byte("root"))
	if !errors.Is(err, keys.ErrBadSignature) || !strings.Contains(err.Error(), "wrong device") {
		t.Errorf("signature by the wrong key: %v", err)
	}
}

// Signers on one module sign from many goroutines at once: the module's
// mutex serializes them, every signature verifies.
func TestConcurrentSigning(t *testing.T) {
	tok := emptyToken(t, "concurrent")
	generate(t, tok, tok.URI("c1"), keys.TypeECDSAP256)
	generate(t, tok, tok.URI("c2"), keys.TypeEd25519)
	signers := []keys.Signer{open(t, tok, tok.URI("c1")), open(t, tok, tok.URI("c2"))}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := keys.SignMessage(signers[i%2], []byte{byte(i)}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// A key with CKA_ALWAYS_AUTHENTICATE (as ykcs11 makes slot 9c) wants the
// PIN for each signature: it is asked once per signature, and a wrong one
// fails that signature only.
func TestAlwaysAuthenticate(t *testing.T) {
	tok := emptyToken(t, "always")
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	params, _ := asn1P256()
	err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
		_, _, err := ctx.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
			[]*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_LABEL, "always"),
				pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{9}),
				pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
			},
			[]*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
				pkcs11.NewAttribute(pkcs11.CKA_LABEL, "always"),
				pkcs11.NewAttribute(pkcs11.CKA_ID, []byte{9}),
				pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
				pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, true),
			})
		return err
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}

	p := &prompter{pin: tok.PIN}
	s, err := backends.Open(tok.URI("always"), p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.(keys.Closer).Close()
	for i := 0; i < 2; i++ {
		if _, err := keys.SignMessage(s, []byte("each time")); err != nil {
			t.Fatal(err)
		}
	}
	if len(p.requests) != 3 {
		t.Errorf("asked for the PIN %d times, want 3 (open, then each signature)", len(p.requests))
	}
	p.pin = wrongPIN
	if _, err := keys.SignMessage(s, []byte("wrong")); !errors.Is(err, p11.ErrWrongPIN) {
		t.Errorf("signature with a wrong PIN: %v", err)
	}
	p.pin = tok.PIN
	if _, err := keys.SignMessage(s, []byte("good again")); err != nil {
		t.Errorf("signature after a wrong PIN: %v", err)
	}
	if len(p.requests) != 5 {
		t.Errorf("asked for the PIN %d times, want 5", len(p.requests))
	}
}
