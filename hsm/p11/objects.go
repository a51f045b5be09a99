package p11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Mechanisms and key type of PKCS#11 3.0 that miekg/pkcs11 does not name.
const (
	ckmECEdwardsKeyPairGen = 0x1055 // CKM_EC_EDWARDS_KEY_PAIR_GEN
	ckmEdDSA               = 0x1057 // CKM_EDDSA
	ckkECEdwards           = 0x40   // CKK_EC_EDWARDS
)

// Named curves as CKA_EC_PARAMS holds them (DER of the OID).
var (
	oidP256    = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384    = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// object is a key object found on a token.
type object struct {
	handle pkcs11.ObjectHandle
	label  string
	id     []byte
}

func (o object) String() string {
	return fmt.Sprintf("object=%q id=%s", o.label, hex.EncodeToString(o.id))
}

// findObjects returns every object matching the template, with its label
// and ID. The caller holds m.mu.
func (m *module) findObjects(s pkcs11.SessionHandle, template []*pkcs11.Attribute) ([]object, error) {
	if err := m.ctx.FindObjectsInit(s, template); err != nil {
		return nil, err
	}
	var handles []pkcs11.ObjectHandle
	for {
		hs, _, err := m.ctx.FindObjects(s, 64)
		if err != nil {
			m.ctx.FindObjectsFinal(s)
			return nil, err
		}
		if len(hs) == 0 {
			break
		}
		handles = append(handles, hs...)
	}
	if err := m.ctx.FindObjectsFinal(s); err != nil {
		return nil, err
	}
	objs := make([]object, 0, len(handles))
	for _, h := range handles {
		o := object{handle: h}
		// Objects other than keys (data objects, certificates) may lack
		// CKA_ID: read the two apart, and take what is there.
		if a, err := m.ctx.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)}); err == nil {
			o.label = string(a[0].Value)
		} else if absent(err) {
			return nil, err
		}
		if a, err := m.ctx.GetAttributeValue(s, h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, nil)}); err == nil {
			o.id = a[0].Value
		} else if absent(err) {
			return nil, err
		}
		objs = append(objs, o)
	}
	return objs, nil
}

// absent reports whether err means the session or token is gone, rather
// than that one attribute could not be read.
func absent(err error) bool {
	return errors.Is(deviceError(tokenInfo{}, "", err), ErrTokenAbsent)
}

// keyTemplate matches keys of a class by whatever of label and id t gives.
func keyTemplate(class uint, t *target) []*pkcs11.Attribute {
	tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}
	if t.label != "" {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_LABEL, t.label))
	}
	if t.id != nil {
		tmpl = append(tmpl, pkcs11.NewAttribute(pkcs11.CKA_ID, t.id))
	}
	return tmpl
}

// findOne returns the one key of a class that t names.
func (m *module) findOne(tok tokenInfo, s pkcs11.SessionHandle, t *target, class uint) (object, error) {
	what := "public key"
	if class == pkcs11.CKO_PRIVATE_KEY {
		what = "private key"
	}
	objs, err := m.findObjects(s, keyTemplate(class, t))
	if err != nil {
		return object{}, deviceError(tok, "look for the "+what, err)
	}
	switch len(objs) {
	case 1:
		return objs[0], nil
	case 0:
		advice := "list the token's keys"
		if class == pkcs11.CKO_PUBLIC_KEY {
			advice += "; a key whose public half is private or missing cannot be named here"
		}
		return object{}, hint.With(fmt.Errorf("no %s with %s on %s: %s", what, t.keyFilter(), tok, advice), "devices")
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.String())
	}
	return object{}, fmt.Errorf("%d %ss match %s on %s: %s; name one key by object= and id=", len(objs), what, t.keyFilter(), tok, strings.Join(names, ", "))
}

func (t *target) keyFilter() string {
	var parts []string
	if t.label != "" {
		parts = append(parts, fmt.Sprintf("object=%q", t.label))
	}
	if t.id != nil {
		parts = append(parts, "id="+hex.EncodeToString(t.id))
	}
	return strings.Join(parts, " ")
}

// findPair returns the public and private halves of the key t names: each
// must be the only one of its class to match, and the two must share their
// CKA_ID, so that a token with two pairs under one label is never paired
// wrongly. The session must be logged in (private keys are hidden before).
func (m *module) findPair(tok tokenInfo, s pkcs11.SessionHandle, t *target) (pub, priv object, err error) {
	if pub, err = m.findOne(tok, s, t, pkcs11.CKO_PUBLIC_KEY); err != nil {
		return
	}
	if priv, err = m.findOne(tok, s, t, pkcs11.CKO_PRIVATE_KEY); err != nil {
		return
	}
	if !bytes.Equal(pub.id, priv.id) {
		err = fmt.Errorf("on %s, the public key (%s) and the private key (%s) of %s have different IDs: refusing to guess which halves belong together", tok, pub, priv, t.keyFilter())
	}
	return
}

// publicKey reads a public key object: an Ed25519, P-256 or P-384 key.
func (m *module) publicKey(s pkcs11.SessionHandle, h pkcs11.ObjectHandle) (crypto.PublicKey, error) {
	attrs, err := m.ctx.GetAttributeValue(s, h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, nil),
	})
	if err != nil {
		return nil, err
	}
	kt := ulong(attrs[0].Value)
	if kt != pkcs11.CKK_EC && kt != ckkECEdwards {
		return nil, fmt.Errorf("unsupported key type %s (want Ed25519 or ECDSA P-256/P-384)", keyTypeName(kt))
	}
	attrs, err = m.ctx.GetAttributeValue(s, h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil),
	})
	if err != nil {
		return nil, err
	}
	return parsePublicKey(kt, attrs[0].Value, attrs[1].Value)
}

// parsePublicKey decodes CKA_EC_PARAMS and CKA_EC_POINT. The point is
// normally a DER OCTET STRING around the raw point; some modules give the
// raw point, which is taken too.
func parsePublicKey(keyType uint, params, point []byte) (crypto.PublicKey, error) {
	curve, err := curveOf(params)
	if err != nil {
		return nil, err
	}
	raw := point
	var inner []byte
	if rest, err := asn1.Unmarshal(point, &inner); err == nil && len(rest) == 0 {
		raw = inner
	}
	switch {
	case curve == "ed25519" && keyType == ckkECEdwards:
		if len(raw) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("Ed25519 public key of %d bytes, want %d", len(raw), ed25519.PublicKeySize)
		}
		return ed25519.PublicKey(bytes.Clone(raw)), nil
	case curve == "P-256" && keyType == pkcs11.CKK_EC:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	case curve == "P-384" && keyType == pkcs11.CKK_EC:
		return ecdsa.ParseUncompressedPublicKey(elliptic.P384(), raw)
	}
	return nil, fmt.Errorf("curve %s does not go with key type %s", curve, keyTypeName(keyType))
}

// curveOf names the curve of CKA_EC_PARAMS: a named-curve OID, or the
// printable string "edwards25519" that PKCS#11 3.0 also allows.
func curveOf(params []byte) (string, error) {
	var oid asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(params, &oid); err == nil && len(rest) == 0 {
		switch {
		case oid.Equal(oidP256):
			return "P-256", nil
		case oid.Equal(oidP384):
			return "P-384", nil
		case oid.Equal(oidEd25519):
			return "ed25519", nil
		}
		return "", fmt.Errorf("unsupported curve %s (want P-256, P-384 or Ed25519)", oid)
	}
	var name string
	if rest, err := asn1.UnmarshalWithParams(params, &name, "printable"); err == nil && len(rest) == 0 && name == "edwards25519" {
		return "ed25519", nil
	}
	return "", errors.New("unsupported EC parameters (want a named curve: P-256, P-384 or Ed25519)")
}

// typeOf names a public key as the command line does.
func typeOf(pub crypto.PublicKey) keys.KeyType {
	switch pub := pub.(type) {
	case ed25519.PublicKey:
		return keys.TypeEd25519
	case *ecdsa.PublicKey:
		if pub.Curve == elliptic.P384() {
			return keys.TypeECDSAP384
		}
		return keys.TypeECDSAP256
	}
	return ""
}

func keyTypeName(kt uint) string {
	switch kt {
	case pkcs11.CKK_RSA:
		return "RSA"
	case pkcs11.CKK_EC:
		return "EC"
	case ckkECEdwards:
		return "EC_EDWARDS"
	}
	return fmt.Sprintf("0x%x", kt)
}

// ulong decodes a CK_ULONG attribute (native byte order and size).
func ulong(b []byte) uint {
	switch len(b) {
	case 8:
		return uint(binary.NativeEndian.Uint64(b))
	case 4:
		return uint(binary.NativeEndian.Uint32(b))
	}
	return ^uint(0)
}

// boolAttr decodes a CK_BBOOL attribute.
func boolAttr(b []byte) bool { return len(b) == 1 && b[0] != 0 }
