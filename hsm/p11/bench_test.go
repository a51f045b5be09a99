package p11_test

import (
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

// benchMessage stands for the canonical bytes of a small root: 4 KiB.
var benchMessage = make([]byte, 4096)

var benchTypes = []keys.KeyType{keys.TypeEd25519, keys.TypeECDSAP256, keys.TypeECDSAP384}

// benchKey makes (once per process) the benchmark's key of type kt on the
// "bench" token and returns its URI.
func benchKey(b *testing.B, tok *p11test.Token, kt keys.KeyType) string {
	b.Helper()
	uri := tok.URI("bench-" + string(kt))
	if _, err := backends.PublicKey(uri); err == nil {
		return uri
	}
	if _, err := backends.Generate(uri, kt, &prompter{pin: tok.PIN}); err != nil {
		b.Fatal(err)
	}
	return uri
}

// BenchmarkSignSoftHSM measures signatures per second on SoftHSM2:
//
//   - tool: keys.SignMessage through this package's Signer, as ceremony
//     sign does: hash, C_SignInit + C_Sign under the module's mutex, r||s
//     to DER, and verification of the signature against the TUF key;
//   - signer: the Signer's Sign alone over a ready digest (no hashing, no
//     verification), to tell this package's cost from the verification's;
//   - raw: a bare C_SignInit + C_Sign loop on the same key over the same
//     input the token gets (the digest for ECDSA, the message for Ed25519).
func BenchmarkSignSoftHSM(b *testing.B) {
	tok := p11test.Get(b, "bench")
	for _, kt := range benchTypes {
		uri := benchKey(b, tok, kt)
		b.Run("tool/"+string(kt), func(b *testing.B) {
			s, err := backends.Open(uri, &prompter{pin: tok.PIN})
			if err != nil {
				b.Fatal(err)
			}
			defer s.(keys.Closer).Close()
			b.ResetTimer()
			for b.Loop() {
				if _, err := keys.SignMessage(s, benchMessage); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
		b.Run("signer/"+string(kt), func(b *testing.B) {
			s, err := backends.Open(uri, &prompter{pin: tok.PIN})
			if err != nil {
				b.Fatal(err)
			}
			defer s.(keys.Closer).Close()
			input, opts := signInput(kt)
			b.ResetTimer()
			for b.Loop() {
				if _, err := s.Sign(nil, input, opts); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
		b.Run("raw/"+string(kt), func(b *testing.B) {
			raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
			if err != nil {
				b.Fatal(err)
			}
			defer raw.Close()
			hs, err := raw.Find(pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_LABEL, "bench-"+string(kt)))
			if err != nil || len(hs) != 1 {
				b.Fatalf("%d private keys (%v)", len(hs), err)
			}
			mech := uint(pkcs11.CKM_ECDSA)
			if kt == keys.TypeEd25519 {
				mech = p11.CKMEdDSA
			}
			input, _ := signInput(kt)
			m := []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}
			b.ResetTimer()
			err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
				for b.Loop() {
					if err := ctx.SignInit(s, m, hs[0]); err != nil {
						return err
					}
					if _, err := ctx.Sign(s, input); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sigs/s")
		})
	}
}

// signInput is what the token signs for benchMessage: the message itself
// for Ed25519, its digest for ECDSA.
func signInput(kt keys.KeyType) ([]byte, crypto.SignerOpts) {
	switch kt {
	case keys.TypeECDSAP256:
		d := sha256.Sum256(benchMessage)
		return d[:], crypto.SHA256
	case keys.TypeECDSAP384:
		d := sha512.Sum384(benchMessage)
		return d[:], crypto.SHA384
	}
	return benchMessage, crypto.Hash(0)
}
