package p11

import (
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/miekg/pkcs11"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// signer signs with one key pair on one token, through a session it holds
// open (and logged in) until Close.
type signer struct {
	mod      *module
	tok      tokenInfo
	t        *target
	prompter keys.Prompter

	sess       pkcs11.SessionHandle // guarded by mod.mu
	closed     bool                 // guarded by mod.mu
	priv       pkcs11.ObjectHandle
	alwaysAuth bool // CKA_ALWAYS_AUTHENTICATE: a PIN for every signature
	pub        crypto.PublicKey
	tufKey     *metadata.Key
}

var (
	_ keys.Signer = (*signer)(nil)
	_ keys.Closer = (*signer)(nil)
)

func (s *signer) Public() crypto.PublicKey { return s.pub }
func (s *signer) URI() string              { return s.t.uri.String() }
func (s *signer) TUFKey() *metadata.Key    { return s.tufKey }

// Sign signs on the token. Ed25519 signs the message itself (opts must
// not name a hash); ECDSA signs a digest of the size opts names, and the
// token's r||s is returned as ASN.1 DER. A token that is pulled out makes
// Sign return an error wrapping ErrTokenAbsent, and nothing is signed.
func (s *signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	mech, ok := mechanismFor(s.pub)
	switch {
	case !ok:
		return nil, fmt.Errorf("cannot sign with a %T key", s.pub)
	case mech == ckmEdDSA && opts.HashFunc() != 0:
		return nil, errors.New("Ed25519 signs the message itself: opts must be crypto.Hash(0)")
	case mech == pkcs11.CKM_ECDSA && (opts.HashFunc() == 0 || len(digest) != opts.HashFunc().Size()):
		return nil, fmt.Errorf("ECDSA signs a digest: got %d bytes for hash %v", len(digest), opts.HashFunc())
	}
	var pin []byte
	if s.alwaysAuth {
		// This key wants the PIN for each signature: ask (with the tries
		// the token's flags tell now) without holding the lock.
		tok, err := s.currentFlags()
		if err != nil {
			return nil, err
		}
		if pin, err = pinRequest(s.t, tok, s.prompter); err != nil {
			return nil, err
		}
		defer clear(pin)
	}
	sig, err := s.sign(mech, digest, pin)
	if err != nil {
		return nil, err
	}
	if mech == pkcs11.CKM_ECDSA {
		return rawToDER(sig)
	}
	return sig, nil
}

// currentFlags is s's token with its flags as they are now.
func (s *signer) currentFlags() (tokenInfo, error) {
	s.mod.mu.Lock()
	defer s.mod.mu.Unlock()
	tok := s.tok
	if s.closed {
		return tok, fmt.Errorf("key %q is closed", s.URI())
	}
	ti, err := s.mod.ctx.GetTokenInfo(tok.slot)
	if err != nil {
		return tok, deviceError(tok, "read the token's flags", err)
	}
	tok.flags = ti.Flags
	return tok, nil
}

func (s *signer) sign(mech uint, data, pin []byte) ([]byte, error) {
	m := s.mod
	m.mu.Lock()
	defer m.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("key %q is closed", s.URI())
	}
	return m.signOnce(s.tok, s.sess, s.priv, mech, data, pin)
}

// signOnce runs one C_SignInit, C_Login for the operation when pin is
// given (CKA_ALWAYS_AUTHENTICATE), and C_Sign. The caller holds m.mu.
func (m *module) signOnce(tok tokenInfo, sess pkcs11.SessionHandle, priv pkcs11.ObjectHandle, mech uint, data, pin []byte) ([]byte, error) {
	if err := m.ctx.SignInit(sess, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, priv); err != nil {
		return nil, deviceError(tok, "start a signature", err)
	}
	if pin != nil {
		if err := m.contextLogin(tok, sess, pin); err != nil {
			// The operation stays active after a failed C_Login. C_Sign
			// now fails (CKR_USER_NOT_LOGGED_IN), and a failed C_Sign
			// ends the operation, so the session can sign again.
			m.ctx.Sign(sess, data)
			return nil, err
		}
	}
	sig, err := m.ctx.Sign(sess, data)
	if err != nil {
		return nil, deviceError(tok, "sign", err)
	}
	return sig, nil
}

// Close ends the session (which logs out when it is the token's last in
// this process) and releases the module.
func (s *signer) Close() error {
	m := s.mod
	m.mu.Lock()
	if s.closed {
		m.mu.Unlock()
		return nil
	}
	s.closed = true
	err := m.ctx.CloseSession(s.sess)
	m.mu.Unlock()
	m.release()
	if err != nil {
		return deviceError(s.tok, "close the session", err)
	}
	return nil
}

// rawToDER turns PKCS#11's ECDSA signature, r||s of equal lengths, into
// the ASN.1 DER SEQUENCE of two INTEGERs that TUF and Go verify.
func rawToDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("token returned an ECDSA signature of %d bytes, not r||s", len(raw))
	}
	n := len(raw) / 2
	return asn1.Marshal(struct{ R, S *big.Int }{
		new(big.Int).SetBytes(raw[:n]),
		new(big.Int).SetBytes(raw[n:]),
	})
}
