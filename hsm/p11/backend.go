package p11

import (
	"fmt"

	"github.com/miekg/pkcs11"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Backend is the keys.Backend for pkcs11: URIs.
type Backend struct{}

var _ keys.Backend = Backend{}

// Scheme: keys named by pkcs11: URIs.
func (Backend) Scheme() string { return "pkcs11" }

// PublicKey reads the key's public half, without a PIN: keys made by
// Generate have public public halves.
func (Backend) PublicKey(u *keys.URI) (*metadata.Key, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	var k *metadata.Key
	err = use(t, false, func(m *module, tok tokenInfo, s pkcs11.SessionHandle) error {
		if c := conventionOf(tok); c.KeysAfterLogin {
			return fmt.Errorf("%s (%s): %w", tok, c.Device, keys.ErrKeysAfterLogin)
		}
		obj, err := m.findOne(tok, s, t, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		pub, err := m.publicKey(s, obj.handle)
		if err != nil {
			return fmt.Errorf("key %s on %s: %w", obj, tok, err)
		}
		k, err = keys.FromPublicKey(pub)
		return err
	})
	return k, err
}

// Open logs in to the token (asking the PIN once through p, or reading
// pin-source) and returns a Signer that holds a session open until Close.
func (Backend) Open(u *keys.URI, p keys.Prompter) (keys.Signer, error) {
	t, err := parseTarget(u)
	if err != nil {
		return nil, err
	}
	m, err := loadModule(t.module)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, err := m.openSigner(t, p)
	m.mu.Unlock()
	if err != nil {
		m.release()
		return nil, err
	}
	return s, nil
}

// openSigner finds the token and the key pair and logs in. The caller
// holds m.mu.
func (m *module) openSigner(t *target, p keys.Prompter) (*signer, error) {
	tok, err := m.findToken(t)
	if err != nil {
		return nil, err
	}
	sess, err := m.openSession(tok, false)
	if err != nil {
		return nil, err
	}
	s := &signer{mod: m, tok: tok, t: t, sess: sess, prompter: p}
	if err := s.init(); err != nil {
		m.ctx.CloseSession(sess)
		return nil, err
	}
	return s, nil
}

// init logs s's session in and finds its key. The caller holds m.mu.
func (s *signer) init() error {
	m, tok, t := s.mod, s.tok, s.t
	if err := m.login(t, tok, s.sess, s.prompter); err != nil {
		return err
	}
	pubObj, privObj, err := m.findPair(tok, s.sess, t)
	if err != nil {
		return err
	}
	pub, err := m.publicKey(s.sess, pubObj.handle)
	if err != nil {
		return fmt.Errorf("key %s on %s: %w", pubObj, tok, err)
	}
	attrs, err := m.ctx.GetAttributeValue(s.sess, privObj.handle, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, nil),
		pkcs11.NewAttribute(pkcs11.CKA_ALWAYS_AUTHENTICATE, nil),
	})
	if err != nil {
		// CKA_ALWAYS_AUTHENTICATE is PKCS#11 2.20; ask for CKA_SIGN alone.
		attrs, err = m.ctx.GetAttributeValue(s.sess, privObj.handle, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SIGN, nil)})
		if err != nil {
			return deviceError(tok, "read the private key's attributes", err)
		}
		attrs = append(attrs, &pkcs11.Attribute{})
	}
	if !boolAttr(attrs[0].Value) {
		return fmt.Errorf("the private key %s on %s may not sign (CKA_SIGN is false)", privObj, tok)
	}
	s.alwaysAuth = boolAttr(attrs[1].Value)
	want, ok := mechanismFor(pub)
	if !ok {
		return fmt.Errorf("key %s on %s: cannot sign with a %T key", pubObj, tok, pub)
	}
	listed, err := m.ctx.GetMechanismList(tok.slot)
	if err != nil {
		return deviceError(tok, "list its mechanisms", err)
	}
	mechs := make([]uint, len(listed))
	for i, l := range listed {
		mechs[i] = l.Mechanism
	}
	if err := needMechanism(tok, mechs, want); err != nil {
		return err
	}
	tk, err := keys.FromPublicKey(pub)
	if err != nil {
		return fmt.Errorf("key %s on %s: %w", pubObj, tok, err)
	}
	s.priv, s.pub, s.tufKey = privObj.handle, pub, tk
	return nil
}
