package p11

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// idSize is the size of the CKA_ID given to a key when the URI names
// none, as boulder's ceremony tool does: small enough for tokens that limit
// IDs, and checked for uniqueness before use.
const idSize = 4

// Generate makes a key pair of type kt on the token, named by the URI's
// object label (required) and id (random when not given). It refuses when
// any object on the token already has that label or ID, and signs a test
// message with the new key before returning its TUF public key.
func (Backend) Generate(u *keys.URI, kt keys.KeyType, p keys.Prompter) (*metadata.Key, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	if t.label == "" {
		return nil, fmt.Errorf("key URI %q: a new key needs object=LABEL, the name people will know it by", u.String())
	}
	mech, keyType, params, err := keyGenParams(kt)
	if err != nil {
		return nil, err
	}
	var k *metadata.Key
	err = use(t, true, func(m *module, tok tokenInfo, s pkcs11.SessionHandle) error {
		// Public objects are seen before login: refuse those without a PIN,
		// then look again at everything once logged in.
		if err := m.refuseExisting(tok, s, t.label, t.id); err != nil {
			return err
		}
		if err := m.login(t, tok, s, p); err != nil {
			return err
		}
		if err := m.refuseExisting(tok, s, t.label, t.id); err != nil {
			return err
		}
		id := t.id
		if id == nil {
			if id, err = m.newID(tok, s); err != nil {
				return err
			}
		}
		common := func(class uint) []*pkcs11.Attribute {
			return []*pkcs11.Attribute{
				pkcs11.NewAttribute(pkcs11.CKA_CLASS, class),
				pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, keyType),
				pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_LABEL, t.label),
				pkcs11.NewAttribute(pkcs11.CKA_ID, id),
			}
		}
		pubTmpl := append(common(pkcs11.CKO_PUBLIC_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
			pkcs11.NewAttribute(pkcs11.CKA_ENCRYPT, false),
			pkcs11.NewAttribute(pkcs11.CKA_WRAP, false),
			pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, params),
		)
		privTmpl := append(common(pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, false),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
			pkcs11.NewAttribute(pkcs11.CKA_DECRYPT, false),
			pkcs11.NewAttribute(pkcs11.CKA_UNWRAP, false),
			pkcs11.NewAttribute(pkcs11.CKA_DERIVE, false),
		)
		pubH, privH, err := m.ctx.GenerateKeyPair(s, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, pubTmpl, privTmpl)
		if err != nil {
			return deviceError(tok, fmt.Sprintf("generate a %s key", kt), err)
		}
		k, err = m.selfTest(tok, s, pubH, privH)
		if err != nil {
			// A pair that cannot sign is of no use: do not leave it behind.
			m.ctx.DestroyObject(s, privH)
			m.ctx.DestroyObject(s, pubH)
			return fmt.Errorf("new key %q on %s failed its test signature and was deleted: %w", t.label, tok, err)
		}
		return nil
	})
	return k, err
}

// keyGenParams is the mechanism, CKA_KEY_TYPE and CKA_EC_PARAMS of a key
// type.
func keyGenParams(kt keys.KeyType) (mech, keyType uint, params []byte, err error) {
	var oid asn1.ObjectIdentifier
	switch kt {
	case keys.TypeEd25519:
		mech, keyType, oid = ckmECEdwardsKeyPairGen, ckkECEdwards, oidEd25519
	case keys.TypeECDSAP256:
		mech, keyType, oid = pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKK_EC, oidP256
	case keys.TypeECDSAP384:
		mech, keyType, oid = pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKK_EC, oidP384
	default:
		return 0, 0, nil, fmt.Errorf("unknown key type %q (want ed25519, ecdsa-p256 or ecdsa-p384)", kt)
	}
	params, err = asn1.Marshal(oid)
	return mech, keyType, params, err
}

// refuseExisting refuses a label or an ID that any object on the token
// (of any class, private ones included: the session is logged in) has.
func (m *module) refuseExisting(tok tokenInfo, s pkcs11.SessionHandle, label string, id []byte) error {
	objs, err := m.findObjects(s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)})
	if err != nil {
		return deviceError(tok, "look for objects", err)
	}
	if len(objs) > 0 {
		return fmt.Errorf("%s already has %s with label %q: refusing to make another; choose a new object= label", tok, countObjects(objs), label)
	}
	if id == nil {
		return nil
	}
	if objs, err = m.findObjects(s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, id)}); err != nil {
		return deviceError(tok, "look for objects", err)
	}
	if len(objs) > 0 {
		var labels []string
		for _, o := range objs {
			labels = append(labels, fmt.Sprintf("%q", o.label))
		}
		return fmt.Errorf("%s already has %s with id %s (labelled %s): refusing to make another; choose a new id= or leave it out", tok, countObjects(objs), hex.EncodeToString(id), strings.Join(labels, ", "))
	}
	return nil
}

func countObjects(objs []object) string {
	if len(objs) == 1 {
		return "an object"
	}
	return fmt.Sprintf("%d objects", len(objs))
}

// newID draws a CKA_ID no object on the token has, from the token's random
// number generator when it has one.
func (m *module) newID(tok tokenInfo, s pkcs11.SessionHandle) ([]byte, error) {
	var id []byte
	if tok.flags&pkcs11.CKF_RNG != 0 {
		b, err := m.ctx.GenerateRandom(s, idSize)
		if err != nil {
			return nil, deviceError(tok, "draw random bytes", err)
		}
		id = b
	} else {
		id = make([]byte, idSize)
		rand.Read(id)
	}
	objs, err := m.findObjects(s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_ID, id)})
	if err != nil {
		return nil, deviceError(tok, "look for objects", err)
	}
	if len(objs) > 0 {
		return nil, fmt.Errorf("%s: the random id %s is taken (one chance in 4 billion): run the command again", tok, hex.EncodeToString(id))
	}
	return id, nil
}

// selfTest reads the new key's public half and checks a signature made
// with its private half.
func (m *module) selfTest(tok tokenInfo, s pkcs11.SessionHandle, pubH, privH pkcs11.ObjectHandle) (*metadata.Key, error) {
	pub, err := m.publicKey(s, pubH)
	if err != nil {
		return nil, err
	}
	k, err := keys.FromPublicKey(pub)
	if err != nil {
		return nil, err
	}
	msg := []byte("ceremony: test signature of a new key")
	var sig []byte
	switch typeOf(pub) {
	case keys.TypeEd25519:
		sig, err = m.signOnce(tok, s, privH, ckmEdDSA, msg, nil)
	case keys.TypeECDSAP256:
		d := sha256.Sum256(msg)
		if sig, err = m.signOnce(tok, s, privH, pkcs11.CKM_ECDSA, d[:], nil); err == nil {
			sig, err = rawToDER(sig)
		}
	case keys.TypeECDSAP384:
		d := sha512.Sum384(msg)
		if sig, err = m.signOnce(tok, s, privH, pkcs11.CKM_ECDSA, d[:], nil); err == nil {
			sig, err = rawToDER(sig)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := keys.Verify(k, msg, sig); err != nil {
		return nil, err
	}
	return k, nil
}
