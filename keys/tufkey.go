package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"unicode/utf8"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tuf-ceremony/ceremony/internal/canonical"
)

// KeyType is the kind of key a user asks for on the command line.
type KeyType string

const (
	TypeEd25519   KeyType = "ed25519"
	TypeECDSAP256 KeyType = "ecdsa-p256"
	TypeECDSAP384 KeyType = "ecdsa-p384"
)

// ParseKeyType accepts the names the command line uses.
func ParseKeyType(s string) (KeyType, error) {
	switch t := KeyType(s); t {
	case TypeEd25519, TypeECDSAP256, TypeECDSAP384:
		return t, nil
	}
	return "", fmt.Errorf("unknown key type %q (want ed25519, ecdsa-p256 or ecdsa-p384)", s)
}

func curveOf(t KeyType) elliptic.Curve {
	if t == TypeECDSAP384 {
		return elliptic.P384()
	}
	return elliptic.P256()
}

// TUF key types and schemes (TUF specification 1.0.31).
const (
	KeyTypeEd25519 = "ed25519"
	KeyTypeECDSA   = "ecdsa"
	// KeyTypeECDSALegacy is the keytype older tools wrote; it is read, never written.
	KeyTypeECDSALegacy = "ecdsa-sha2-nistp256"
	KeyTypeRSA         = "rsa"

	SchemeEd25519   = "ed25519"
	SchemeECDSAP256 = "ecdsa-sha2-nistp256"
	SchemeECDSAP384 = "ecdsa-sha2-nistp384"
	SchemeRSAPSS    = "rsassa-pss-sha256"
)

// FromPublicKey turns an Ed25519 or ECDSA (P-256, P-384) public key into the
// TUF key we write: Ed25519 as hex, ECDSA as a PEM SubjectPublicKeyInfo, with
// the scheme that matches the curve.
func FromPublicKey(pub crypto.PublicKey) (*metadata.Key, error) {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		return &metadata.Key{Type: KeyTypeEd25519, Scheme: SchemeEd25519,
			Value: metadata.KeyVal{PublicKey: hex.EncodeToString(pub)}}, nil
	case *ecdsa.PublicKey:
		var scheme string
		switch pub.Curve {
		case elliptic.P256():
			scheme = SchemeECDSAP256
		case elliptic.P384():
			scheme = SchemeECDSAP384
		default:
			return nil, fmt.Errorf("unsupported ECDSA curve %s (want P-256 or P-384)", pub.Curve.Params().Name)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			return nil, fmt.Errorf("failed to encode ECDSA public key: %w", err)
		}
		p := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
		return &metadata.Key{Type: KeyTypeECDSA, Scheme: scheme,
			Value: metadata.KeyVal{PublicKey: string(p)}}, nil
	}
	return nil, fmt.Errorf("unsupported public key type %T (want Ed25519, ECDSA P-256 or P-384)", pub)
}

// PublicKeyOf decodes the public key a TUF key carries. It reads what other
// tools write too: the legacy keytype "ecdsa-sha2-nistp256", ECDSA points as
// hex instead of PEM, and RSA keys.
func PublicKeyOf(k *metadata.Key) (crypto.PublicKey, error) {
	if k == nil {
		return nil, fmt.Errorf("key is null")
	}
	switch k.Type {
	case KeyTypeEd25519:
		if k.Scheme != SchemeEd25519 {
			return nil, fmt.Errorf("ed25519 key with scheme %q", k.Scheme)
		}
		raw, err := hex.DecodeString(k.Value.PublicKey)
		if err != nil || len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("ed25519 public key is not %d bytes of hex", ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(raw), nil
	case KeyTypeECDSA, KeyTypeECDSALegacy:
		var curve elliptic.Curve
		switch k.Scheme {
		case SchemeECDSAP256:
			curve = elliptic.P256()
		case SchemeECDSAP384:
			curve = elliptic.P384()
		default:
			return nil, fmt.Errorf("ecdsa key with unknown scheme %q", k.Scheme)
		}
		pub, err := parseECDSA(k.Value.PublicKey, curve)
		if err != nil {
			return nil, err
		}
		return pub, nil
	case KeyTypeRSA:
		if k.Scheme != SchemeRSAPSS {
			return nil, fmt.Errorf("rsa key with unknown scheme %q", k.Scheme)
		}
		pub, err := parsePEM(k.Value.PublicKey)
		if err != nil {
			return nil, err
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("rsa key holds a %T", pub)
		}
		return rsaPub, nil
	}
	return nil, fmt.Errorf("unsupported keytype %q", k.Type)
}

func parseECDSA(value string, curve elliptic.Curve) (*ecdsa.PublicKey, error) {
	var pub *ecdsa.PublicKey
	if raw, err := hex.DecodeString(value); err == nil {
		// Legacy form: an uncompressed EC point in hex.
		p, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
		if err != nil {
			return nil, fmt.Errorf("ecdsa public key is not a valid %s point: %w", curve.Params().Name, err)
		}
		pub = p
	} else {
		k, err := parsePEM(value)
		if err != nil {
			return nil, err
		}
		p, ok := k.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("ecdsa key holds a %T", k)
		}
		pub = p
	}
	if pub.Curve != curve {
		return nil, fmt.Errorf("ecdsa key is on %s but its scheme names %s", pub.Curve.Params().Name, curve.Params().Name)
	}
	return pub, nil
}

func parsePEM(s string) (crypto.PublicKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("public key is not a PEM \"PUBLIC KEY\" block")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("failed to parse public key: %w", err)
	}
	return pub, nil
}

// ID is the key ID we give a key: the SHA-256 of the canonical JSON of its
// keytype, scheme and keyval.public. Vendor fields (x-rstuf-key-name ...) do
// not change it.
func ID(k *metadata.Key) (string, error) {
	if utf8.ValidString(k.Type) && utf8.ValidString(k.Scheme) && utf8.ValidString(k.Value.PublicKey) {
		// What cjson writes for valid UTF-8, written without its
		// marshal-and-decode round trip (a claimed role's 125,000 key IDs
		// are checked on every verify): members in canonical order,
		// strings with only '"' and '\' escaped.
		b := make([]byte, 0, 49+len(k.Type)+len(k.Scheme)+len(k.Value.PublicKey))
		sum := sha256.Sum256(canonical.AppendKey(b, k.Type, k.Value.PublicKey, k.Scheme))
		return hex.EncodeToString(sum[:]), nil
	}
	core := map[string]any{
		"keytype": k.Type,
		"scheme":  k.Scheme,
		"keyval":  map[string]any{"public": k.Value.PublicKey},
	}
	b, err := cjson.EncodeCanonical(core)
	if err != nil {
		return "", fmt.Errorf("failed to encode key canonically: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// FullID is the SHA-256 of the canonical JSON of the whole key object as
// stored, vendor fields included. Some tools compute key IDs this way; the
// verifier accepts either.
func FullID(k *metadata.Key) (string, error) {
	b, err := cjson.EncodeCanonical(k)
	if err != nil {
		return "", fmt.Errorf("failed to encode key canonically: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// SameKey reports whether a and b hold the same public key, however they are
// encoded (PEM or hex, legacy keytype, different key IDs).
func SameKey(a, b *metadata.Key) bool {
	if a == nil || b == nil {
		return false
	}
	return WrittenAlike(a, b) || Identity(a) == Identity(b)
}

// WrittenAlike reports whether a and b have the same type, scheme and
// public key as written: the same key, told without the DER Identity
// encodes each to (a review of claimed compares 125,000 keys with
// themselves). Keys written otherwise may still be one (SameKey).
func WrittenAlike(a, b *metadata.Key) bool {
	return a != nil && b != nil && a.Type == b.Type && a.Scheme == b.Scheme && a.Value.PublicKey == b.Value.PublicKey
}

// Identity is what SameKey compares, usable as a map key: the public key
// as DER SubjectPublicKeyInfo where it decodes, else its type, scheme and
// value as written. Keys are matched through it in one pass (a map), never
// pair by pair: a repository may list thousands.
func Identity(k *metadata.Key) string {
	if p, err := PublicKeyOf(k); err == nil {
		if der, err := x509.MarshalPKIXPublicKey(p); err == nil {
			return "spki\x00" + string(der)
		}
	}
	// Each field is length-prefixed: JSON strings may hold any byte, so
	// no separator could keep two different keys apart.
	return fmt.Sprintf("raw:%d:%s%d:%s%d:%s", len(k.Type), k.Type, len(k.Scheme), k.Scheme, len(k.Value.PublicKey), k.Value.PublicKey)
}

// ParseKeyJSON reads a TUF key object (as written by keygen) and checks that
// the public key in it decodes.
func ParseKeyJSON(data []byte) (*metadata.Key, error) {
	var k metadata.Key
	if err := json.Unmarshal(data, &k); err != nil {
		return nil, fmt.Errorf("not a TUF key object: %w", err)
	}
	if k.Type == "" || k.Scheme == "" || k.Value.PublicKey == "" {
		return nil, fmt.Errorf("not a TUF key object: keytype, scheme and keyval.public are required")
	}
	if _, err := PublicKeyOf(&k); err != nil {
		return nil, err
	}
	return &k, nil
}

// MarshalKeyJSON writes a TUF key object, indented, with a trailing newline.
func MarshalKeyJSON(k *metadata.Key) ([]byte, error) {
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Copy returns a deep copy of k (metadata.Key caches its ID internally).
func Copy(k *metadata.Key) *metadata.Key {
	c := &metadata.Key{Type: k.Type, Scheme: k.Scheme, Value: metadata.KeyVal{PublicKey: k.Value.PublicKey}}
	if len(k.UnrecognizedFields) > 0 {
		c.UnrecognizedFields = map[string]any{}
		for name, v := range k.UnrecognizedFields {
			c.UnrecognizedFields[name] = v
		}
	}
	return c
}

// IDMatches reports whether id is a compliant key ID for k: the SHA-256 of
// its core fields (ours, RSTUF's) or of the whole key object as stored.
func IDMatches(id string, k *metadata.Key) bool {
	if core, err := ID(k); err == nil && id == core {
		return true
	}
	full, err := FullID(k)
	return err == nil && id == full
}
