package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// MaxPublicKeyFile bounds what is read as a public key file (a TUF key, a
// PEM or DER public key): they are well under a kilobyte.
const MaxPublicKeyFile = 64 << 10

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
	if block, rest := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("a PEM %q block, not a PUBLIC KEY", block.Type)
		}
		if next, _ := pem.Decode(rest); next != nil {
			return nil, errors.New("more than one PEM block: give a file with the one public key")
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
	if ed, ok := pub.(ed25519.PublicKey); ok {
		if err := checkEd25519(ed); err != nil {
			return nil, err
		}
	}
	return FromPublicKey(pub)
}

// CheckCurve refuses a curve name ImportPublicKey does not take ("" is
// none: the file says).
func CheckCurve(curve string) error {
	switch curve {
	case "", CurveP256, CurveP384, CurveEd25519:
		return nil
	}
	return fmt.Errorf("curve %q: want %s, %s or %s", curve, CurveP256, CurveP384, CurveEd25519)
}

// ed25519Weak are the encodings of the Ed25519 points of small order
// (the identity, the point of order 2, those of order 4 and 8), with and
// without the sign bit: a "key" among them verifies signatures anyone can
// make.
var ed25519Weak = []string{
	"0100000000000000000000000000000000000000000000000000000000000000",
	"0100000000000000000000000000000000000000000000000000000000000080",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	"0000000000000000000000000000000000000000000000000000000000000000",
	"0000000000000000000000000000000000000000000000000000000000000080",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
}

// checkEd25519 refuses an Ed25519 key of small order, or one whose y is
// not below the field's prime (a second encoding of another point).
func checkEd25519(k ed25519.PublicKey) error {
	for _, w := range ed25519Weak {
		if hex.EncodeToString(k) == w {
			return errors.New("an Ed25519 point of small order, for which anyone can make signatures: not a key")
		}
	}
	y := make([]byte, len(k))
	for i, b := range k {
		y[len(k)-1-i] = b // little-endian to big-endian
	}
	y[0] &= 0x7f // the sign of x
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	if new(big.Int).SetBytes(y).Cmp(p) >= 0 {
		return errors.New("an Ed25519 encoding whose y is not below the field's prime: not a key's own encoding")
	}
	return nil
}

// importRaw reads a raw key of curve.
func importRaw(data []byte, curve string) (*metadata.Key, error) {
	var ec elliptic.Curve
	switch curve {
	case CurveEd25519:
		if len(data) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%d bytes: a raw Ed25519 key has %d", len(data), ed25519.PublicKeySize)
		}
		if err := checkEd25519(data); err != nil {
			return nil, err
		}
		return FromPublicKey(ed25519.PublicKey(bytes.Clone(data)))
	case CurveP256:
		ec = elliptic.P256()
	case CurveP384:
		ec = elliptic.P384()
	default:
		return nil, CheckCurve(curve)
	}
	// The point must be on the curve, uncompressed, and not the identity.
	pub, err := ecdsa.ParseUncompressedPublicKey(ec, data)
	if err != nil {
		size := (ec.Params().BitSize + 7) / 8
		return nil, fmt.Errorf("%d bytes: not an uncompressed %s point (04, then X and Y of %d bytes each, %d bytes in all): %w", len(data), curve, size, 1+2*size, err)
	}
	return FromPublicKey(pub)
}
