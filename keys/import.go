package keys

import (
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Curves ImportPublicKey takes for a raw key.
const (
	CurveP256    = "p256"
	CurveP384    = "p384"
	CurveEd25519 = "ed25519"
)

// ImportPublicKey turns a public key made elsewhere into the TUF key a
// plan names: a PEM "PUBLIC KEY" or DER SubjectPublicKeyInfo (what
// OpenSSL, a Nitrokey HSM and most tools export), or, with curve, a raw
// key (a YubiHSM 2 exports an EC key as its uncompressed point, 04 X Y;
// an Ed25519 key is its 32 bytes). The scheme follows the curve:
// ecdsa-sha2-nistp256, ecdsa-sha2-nistp384 or ed25519.
func ImportPublicKey(data []byte, curve string) (*metadata.Key, error) {
	if curve != "" {
		return importRaw(data, curve)
	}
	der := data
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("a PEM %q block, not a PUBLIC KEY", block.Type)
		}
		der = block.Bytes
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		// A raw key's length says what it may be; the DER parser's
		// complaint about it would say nothing useful.
		switch len(data) {
		case 65, 97:
			bits := map[int]int{65: 256, 97: 384}[len(data)]
			return nil, fmt.Errorf("neither a PEM public key nor DER SubjectPublicKeyInfo: %d bytes is the length of a raw P-%d point: give --curve p%d", len(data), bits, bits)
		case ed25519.PublicKeySize:
			return nil, errors.New("neither a PEM public key nor DER SubjectPublicKeyInfo: 32 bytes is the length of a raw Ed25519 key: give --curve ed25519")
		}
		return nil, fmt.Errorf("neither a PEM public key nor DER SubjectPublicKeyInfo: %w", err)
	}
	return FromPublicKey(pub)
}

// importRaw reads a raw key of curve.
func importRaw(data []byte, curve string) (*metadata.Key, error) {
	var c ecdh.Curve
	var ec elliptic.Curve
	switch curve {
	case CurveEd25519:
		if len(data) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%d bytes: a raw Ed25519 key has %d", len(data), ed25519.PublicKeySize)
		}
		return FromPublicKey(ed25519.PublicKey(data))
	case CurveP256:
		c, ec = ecdh.P256(), elliptic.P256()
	case CurveP384:
		c, ec = ecdh.P384(), elliptic.P384()
	default:
		return nil, fmt.Errorf("curve %q: want %s, %s or %s", curve, CurveP256, CurveP384, CurveEd25519)
	}
	// crypto/ecdh checks the point is on the curve and not the identity.
	if _, err := c.NewPublicKey(data); err != nil {
		size := (ec.Params().BitSize + 7) / 8
		return nil, fmt.Errorf("%d bytes: not an uncompressed %s point (04, then X and Y of %d bytes each, %d bytes in all): %w", len(data), curve, size, 1+2*size, err)
	}
	size := (ec.Params().BitSize + 7) / 8
	pub := &ecdsa.PublicKey{Curve: ec, X: new(big.Int).SetBytes(data[1 : 1+size]), Y: new(big.Int).SetBytes(data[1+size:])}
	if pub.X.Sign() == 0 && pub.Y.Sign() == 0 {
		return nil, errors.New("the point at infinity is no key")
	}
	return FromPublicKey(pub)
}
