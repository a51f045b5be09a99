package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"io"
	"sync"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Signer is what every key backend implements: a crypto.Signer that knows
// the URI it was opened from and the TUF key that verifies its signatures.
type Signer interface {
	crypto.Signer
	// URI is the key's name, as the user typed it (without any secret).
	URI() string
	// TUFKey is the public key as it appears in TUF metadata.
	TUFKey() *metadata.Key
}

// Closer is implemented by signers that hold a device or a session open.
type Closer interface {
	Close() error
}

// SignMessage signs message with s as the TUF scheme of s's key demands:
// Ed25519 signs the message itself, ECDSA signs its SHA-256 or SHA-384 digest
// and yields an ASN.1 DER signature. The signature is verified against the
// TUF key before it is returned, so a wrong device or a faulty token is
// caught before anything is written.
func SignMessage(s Signer, message []byte) ([]byte, error) {
	sig, verified, err := SignMessageVerifying(s, message)
	if err != nil {
		return nil, err
	}
	if err := verified(); err != nil {
		return nil, err
	}
	return sig, nil
}

// SignMessageVerifying is SignMessage that verifies the signature on a
// goroutine of its own while the caller goes on: verifying an Ed25519
// signature over claimed's 53 MB hashes them once more (0.1 s at 100,000
// projects), which then runs beside the writing of what it signed.
// verified waits for the verification and gives SignMessage's error; the
// signature may be used for nothing that leaves the process (a record, a
// file moved into place, a bundle) before verified has returned nil.
func SignMessageVerifying(s Signer, message []byte) (sig []byte, verified func() error, err error) {
	key := s.TUFKey()
	var digest []byte
	var opts crypto.SignerOpts
	switch key.Scheme {
	case SchemeEd25519:
		digest, opts = message, crypto.Hash(0)
	case SchemeECDSAP256:
		sum := sha256.Sum256(message)
		digest, opts = sum[:], crypto.SHA256
	case SchemeECDSAP384:
		sum := sha512.Sum384(message)
		digest, opts = sum[:], crypto.SHA384
	default:
		return nil, nil, fmt.Errorf("failed to sign with %q: unsupported scheme %q", s.URI(), key.Scheme)
	}
	sig, err = s.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to sign with %q: %w", s.URI(), err)
	}
	done := make(chan error, 1)
	go func() {
		if err := Verify(key, message, sig); err != nil {
			done <- fmt.Errorf("signature made with %q does not verify against its public key (wrong device?): %w", s.URI(), err)
			return
		}
		done <- nil
	}()
	return sig, sync.OnceValue(func() error { return <-done }), nil
}

// softwareSigner wraps an in-memory private key. It backs file keys and the
// throwaway keys of the demo.
type softwareSigner struct {
	uri    string
	priv   crypto.Signer
	tufKey *metadata.Key
}

func (s *softwareSigner) Public() crypto.PublicKey { return s.priv.Public() }
func (s *softwareSigner) URI() string              { return s.uri }
func (s *softwareSigner) TUFKey() *metadata.Key    { return s.tufKey }
func (s *softwareSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.priv.Sign(r, digest, opts)
}

// NewSoftwareSigner wraps priv (an ed25519.PrivateKey or *ecdsa.PrivateKey)
// as a Signer named uri.
func NewSoftwareSigner(uri string, priv crypto.Signer) (Signer, error) {
	switch priv.(type) {
	case ed25519.PrivateKey, *ecdsa.PrivateKey:
	default:
		return nil, fmt.Errorf("unsupported private key type %T", priv)
	}
	tk, err := FromPublicKey(priv.Public())
	if err != nil {
		return nil, err
	}
	return &softwareSigner{uri: uri, priv: priv, tufKey: tk}, nil
}

// GenerateSoftware makes a fresh in-memory key of the given type. It is for
// throwaway rehearsal keys; real keys are made on a device.
func GenerateSoftware(uri string, t KeyType) (Signer, error) {
	var priv crypto.Signer
	var err error
	switch t {
	case TypeEd25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case TypeECDSAP256:
		priv, err = ecdsa.GenerateKey(curveOf(t), rand.Reader)
	case TypeECDSAP384:
		priv, err = ecdsa.GenerateKey(curveOf(t), rand.Reader)
	default:
		return nil, fmt.Errorf("unknown key type %q (want ed25519, ecdsa-p256 or ecdsa-p384)", t)
	}
	if err != nil {
		return nil, fmt.Errorf("failed to generate %s key: %w", t, err)
	}
	return NewSoftwareSigner(uri, priv)
}
