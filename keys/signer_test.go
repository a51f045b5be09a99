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
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// RFC 8032, section 7.1, TEST 1: the signature of the empty message.
const rfc8032EmptySig = "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065" +
	"224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"

// Interface checks: a software signer is a Signer.
var _ Signer = (*softwareSigner)(nil)

// wrongKeySigner signs with one key but claims another TUF key, as a wrong
// device inserted in place of the expected one would.
type wrongKeySigner struct {
	Signer
	claimed *metadata.Key
}

func (w wrongKeySigner) TUFKey() *metadata.Key { return w.claimed }

// recordingSigner records what SignMessage hands to the device.
type recordingSigner struct {
	Signer
	calls  int
	digest []byte
	opts   crypto.SignerOpts
	err    error
}

func (r *recordingSigner) Sign(rd io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	r.calls++
	r.digest = append([]byte(nil), digest...)
	r.opts = opts
	if r.err != nil {
		return nil, r.err
	}
	return r.Signer.Sign(rd, digest, opts)
}

func TestSignMessageEd25519RFC8032(t *testing.T) {
	priv := ed25519.NewKeyFromSeed(mustHex(t, rfc8032Seed))
	s, err := NewSoftwareSigner("file:rfc8032.key", priv)
	if err != nil {
		t.Fatal(err)
	}
	if s.URI() != "file:rfc8032.key" {
		t.Errorf("URI = %q", s.URI())
	}
	if s.TUFKey().Value.PublicKey != rfc8032Pub {
		t.Errorf("TUF key public = %s, want %s", s.TUFKey().Value.PublicKey, rfc8032Pub)
	}
	sig, err := SignMessage(s, []byte{})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(sig); got != rfc8032EmptySig {
		t.Errorf("signature = %s, want RFC 8032's %s", got, rfc8032EmptySig)
	}
}

// Each type: SignMessage's output is checked with the standard library
// directly, following the TUF scheme (not with this package's Verify), then
// with Verify, including its refusals.
func TestSignMessageAndVerifyEachType(t *testing.T) {
	msg := []byte(`{"_type":"root","version":1}`)
	other := []byte(`{"_type":"root","version":2}`)
	for _, tt := range []struct {
		t      KeyType
		scheme string
	}{
		{TypeEd25519, "ed25519"},
		{TypeECDSAP256, "ecdsa-sha2-nistp256"},
		{TypeECDSAP384, "ecdsa-sha2-nistp384"},
	} {
		s, err := GenerateSoftware("file:"+string(tt.t), tt.t)
		if err != nil {
			t.Fatal(err)
		}
		k := s.TUFKey()
		if k.Scheme != tt.scheme {
			t.Fatalf("%s: scheme = %q, want %q", tt.t, k.Scheme, tt.scheme)
		}
		sig, err := SignMessage(s, msg)
		if err != nil {
			t.Fatalf("%s: SignMessage: %v", tt.t, err)
		}
		switch pub := s.Public().(type) {
		case ed25519.PublicKey:
			if !ed25519.Verify(pub, msg, sig) {
				t.Errorf("%s: ed25519.Verify over the message failed", tt.t)
			}
		case *ecdsa.PublicKey:
			s256 := sha256.Sum256(msg)
			s384 := sha512.Sum384(msg)
			ok256 := ecdsa.VerifyASN1(pub, s256[:], sig)
			ok384 := ecdsa.VerifyASN1(pub, s384[:], sig)
			if tt.t == TypeECDSAP256 && (!ok256 || ok384) {
				t.Errorf("%s: verifies over SHA-256 %v, SHA-384 %v; want SHA-256 only", tt.t, ok256, ok384)
			}
			if tt.t == TypeECDSAP384 && (!ok384 || ok256) {
				t.Errorf("%s: verifies over SHA-384 %v, SHA-256 %v; want SHA-384 only", tt.t, ok384, ok256)
			}
		default:
			t.Fatalf("%s: public key %T", tt.t, pub)
		}

		if err := Verify(k, msg, sig); err != nil {
			t.Errorf("%s: Verify: %v", tt.t, err)
		}
		if err := Verify(k, other, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Verify over another message: err = %v, want ErrBadSignature", tt.t, err)
		}
		bad := append([]byte(nil), sig...)
		bad[len(bad)-1] ^= 1
		if err := Verify(k, msg, bad); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Verify of a changed signature: err = %v, want ErrBadSignature", tt.t, err)
		}
		if err := Verify(k, msg, nil); err == nil {
			t.Errorf("%s: Verify of an empty signature succeeded", tt.t)
		}
		// Another key of the same type does not verify it.
		s2, err := GenerateSoftware("file:other", tt.t)
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(s2.TUFKey(), msg, sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: Verify under another key: err = %v, want ErrBadSignature", tt.t, err)
		}
	}
}

// The same key read in the legacy form other tools write (keytype
// "ecdsa-sha2-nistp256", hex point) verifies our signatures too.
func TestVerifyLegacyHexECDSA(t *testing.T) {
	s, err := GenerateSoftware("file:k", TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("payload")
	sig, err := SignMessage(s, msg)
	if err != nil {
		t.Fatal(err)
	}
	legacy := &metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
		Value: metadata.KeyVal{PublicKey: uncompressedPoint(t, s.Public().(*ecdsa.PublicKey))}}
	if err := Verify(legacy, msg, sig); err != nil {
		t.Errorf("Verify under the legacy hex form: %v", err)
	}
	if err := Verify(legacy, []byte("payloaD"), sig); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify of another message under the legacy form: %v", err)
	}
}

func TestSignMessageHandsTheSchemeDigestToTheDevice(t *testing.T) {
	msg := []byte("canonical bytes")
	s256 := sha256.Sum256(msg)
	s384 := sha512.Sum384(msg)
	for _, tt := range []struct {
		t      KeyType
		digest []byte
		hash   crypto.Hash
	}{
		{TypeEd25519, msg, 0},
		{TypeECDSAP256, s256[:], crypto.SHA256},
		{TypeECDSAP384, s384[:], crypto.SHA384},
	} {
		s, err := GenerateSoftware("file:k", tt.t)
		if err != nil {
			t.Fatal(err)
		}
		r := &recordingSigner{Signer: s}
		if _, err := SignMessage(r, msg); err != nil {
			t.Fatalf("%s: %v", tt.t, err)
		}
		if r.calls != 1 {
			t.Errorf("%s: device asked to sign %d times, want once", tt.t, r.calls)
		}
		if !bytes.Equal(r.digest, tt.digest) {
			t.Errorf("%s: device got %x, want %x", tt.t, r.digest, tt.digest)
		}
		if r.opts == nil || r.opts.HashFunc() != tt.hash {
			t.Errorf("%s: opts = %v, want hash %v", tt.t, r.opts, tt.hash)
		}
	}
}

func TestSignMessageCatchesWrongKey(t *testing.T) {
	for _, kt := range []KeyType{TypeEd25519, TypeECDSAP256, TypeECDSAP384} {
		real, err := GenerateSoftware("yubikey:serial=1;slot-id=9c", kt)
		if err != nil {
			t.Fatal(err)
		}
		expected, err := GenerateSoftware("yubikey:serial=2;slot-id=9c", kt)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := SignMessage(wrongKeySigner{Signer: real, claimed: expected.TUFKey()}, []byte("m"))
		if err == nil {
			t.Fatalf("%s: SignMessage with a mismatched key returned %x, want an error", kt, sig)
		}
		if sig != nil {
			t.Errorf("%s: a signature came back with the error", kt)
		}
		if !errors.Is(err, ErrBadSignature) {
			t.Errorf("%s: err = %v, want it to wrap ErrBadSignature", kt, err)
		}
		if !strings.Contains(err.Error(), "yubikey:serial=1;slot-id=9c") {
			t.Errorf("%s: error %q does not name the signer's URI", kt, err)
		}
	}
}

// A P-384 key whose TUF key claims the P-256 scheme would sign the wrong
// digest; the check after signing refuses it.
func TestSignMessageCatchesSchemeCurveMismatch(t *testing.T) {
	s, err := GenerateSoftware("file:k", TypeECDSAP384)
	if err != nil {
		t.Fatal(err)
	}
	claimed := Copy(s.TUFKey())
	claimed.Scheme = SchemeECDSAP256
	if _, err := SignMessage(wrongKeySigner{Signer: s, claimed: claimed}, []byte("m")); err == nil {
		t.Error("SignMessage with a P-384 key under the P-256 scheme succeeded")
	}
}

func TestSignMessageKeepsDeviceError(t *testing.T) {
	s, err := GenerateSoftware("pkcs11:token=t;object=o", TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pinBlocked := errors.New("PIN blocked")
	r := &recordingSigner{Signer: s, err: pinBlocked}
	_, err = SignMessage(r, []byte("m"))
	if !errors.Is(err, pinBlocked) {
		t.Errorf("err = %v, want it to wrap the device's error", err)
	}
	if err != nil && !strings.Contains(err.Error(), "pkcs11:token=t;object=o") {
		t.Errorf("error %q does not name the key", err)
	}
}

func TestSignMessageRefusesUnsupportedScheme(t *testing.T) {
	s, err := GenerateSoftware("file:k", TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaTUF := &metadata.Key{Type: "rsa", Scheme: "rsassa-pss-sha256",
		Value: metadata.KeyVal{PublicKey: pemSPKI(t, &rsaKey.PublicKey)}}
	r := &recordingSigner{Signer: wrongKeySigner{Signer: s, claimed: rsaTUF}}
	if _, err := SignMessage(r, []byte("m")); err == nil || !strings.Contains(err.Error(), "rsassa-pss-sha256") {
		t.Errorf("err = %v, want an unsupported scheme error naming it", err)
	}
	if r.calls != 0 {
		t.Errorf("device asked to sign %d times for an unsupported scheme", r.calls)
	}
}

func TestVerifyRSAPSS(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	k := &metadata.Key{Type: "rsa", Scheme: "rsassa-pss-sha256",
		Value: metadata.KeyVal{PublicKey: pemSPKI(t, &priv.PublicKey)}}
	msg := []byte(`{"signed":"by python-tuf"}`)
	digest := sha256.Sum256(msg)
	// securesystemslib signs with the salt as long as the digest; other
	// signers use the maximum. A verifier must take both.
	for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto} {
		sig, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: salt})
		if err != nil {
			t.Fatal(err)
		}
		if err := Verify(k, msg, sig); err != nil {
			t.Errorf("salt %d: Verify: %v", salt, err)
		}
		if err := Verify(k, []byte(`{"signed":"by someone else"}`), sig); !errors.Is(err, ErrBadSignature) {
			t.Errorf("salt %d: Verify over another message: %v", salt, err)
		}
	}
	// PKCS#1 v1.5 is not rsassa-pss.
	v15, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(k, msg, v15); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify of a PKCS#1 v1.5 signature: %v", err)
	}
	// A PSS signature over the SHA-384 digest is not rsassa-pss-sha256.
	d384 := sha512.Sum384(msg)
	sig384, err := rsa.SignPSS(rand.Reader, priv, crypto.SHA384, d384[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(k, msg, sig384); !errors.Is(err, ErrBadSignature) {
		t.Errorf("Verify of a PSS-SHA384 signature: %v", err)
	}
}

func TestVerifyRefusesUndecodableKey(t *testing.T) {
	k := &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: "00"}}
	err := Verify(k, []byte("m"), make([]byte, 64))
	if err == nil {
		t.Fatal("Verify under an undecodable key succeeded")
	}
	if errors.Is(err, ErrBadSignature) {
		t.Errorf("err = %v: a broken key is not a bad signature", err)
	}
}

func TestNewSoftwareSigner(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSoftwareSigner("file:rsa", rsaKey); err == nil {
		t.Error("NewSoftwareSigner accepted an RSA key")
	}
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSoftwareSigner("file:p521", p521); err == nil {
		t.Error("NewSoftwareSigner accepted a P-521 key")
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSoftwareSigner("file:p384", p384)
	if err != nil {
		t.Fatal(err)
	}
	if !p384.PublicKey.Equal(s.Public()) {
		t.Error("Public() is not the private key's public key")
	}
	want, err := FromPublicKey(&p384.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.TUFKey(); got.Type != want.Type || got.Scheme != want.Scheme || got.Value.PublicKey != want.Value.PublicKey {
		t.Errorf("TUFKey = %+v, want %+v", s.TUFKey(), want)
	}
}

func TestGenerateSoftware(t *testing.T) {
	for kt, curve := range map[KeyType]elliptic.Curve{TypeECDSAP256: elliptic.P256(), TypeECDSAP384: elliptic.P384()} {
		s, err := GenerateSoftware("file:x", kt)
		if err != nil {
			t.Fatal(err)
		}
		pub, ok := s.Public().(*ecdsa.PublicKey)
		if !ok || pub.Curve != curve {
			t.Errorf("%s: public key %T on %v", kt, s.Public(), pub)
		}
	}
	s, err := GenerateSoftware("file:x", TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Public().(ed25519.PublicKey); !ok {
		t.Errorf("ed25519: public key %T", s.Public())
	}
	a, _ := GenerateSoftware("file:a", TypeEd25519)
	if SameKey(a.TUFKey(), s.TUFKey()) {
		t.Error("two generated keys are the same")
	}
	if _, err := GenerateSoftware("file:x", KeyType("rsa")); err == nil {
		t.Error("GenerateSoftware accepted key type rsa")
	}
}
