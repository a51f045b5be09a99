package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// ErrBadSignature means a signature does not verify under the key.
var ErrBadSignature = errors.New("signature does not verify")

// Verify checks sig over message under the TUF key k, following k's scheme.
func Verify(k *metadata.Key, message, sig []byte) error {
	pub, err := PublicKeyOf(k)
	if err != nil {
		return err
	}
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, message, sig) {
			return ErrBadSignature
		}
		return nil
	case *ecdsa.PublicKey:
		var digest []byte
		switch k.Scheme {
		case SchemeECDSAP256:
			s := sha256.Sum256(message)
			digest = s[:]
		case SchemeECDSAP384:
			s := sha512.Sum384(message)
			digest = s[:]
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return ErrBadSignature
		}
		return nil
	case *rsa.PublicKey:
		s := sha256.Sum256(message)
		if err := rsa.VerifyPSS(pub, crypto.SHA256, s[:], sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}); err != nil {
			return ErrBadSignature
		}
		return nil
	}
	return fmt.Errorf("unsupported public key type %T", pub)
}
