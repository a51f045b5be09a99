package p11

import (
	"fmt"
	"path/filepath"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Raw is a logged-in read-write session on a token through the module this
// package has loaded, for tests that check what is on the token with plain
// PKCS#11 calls, make objects Generate refuses to make, or time C_Sign
// without this package around it.
type Raw struct {
	m   *module
	tok tokenInfo
	s   pkcs11.SessionHandle
}

// OpenRaw logs in to the token with this serial.
func OpenRaw(module, serial, pin string) (*Raw, error) {
	m, err := loadModule(module)
	if err != nil {
		return nil, err
	}
	r, err := openRaw(m, serial, pin)
	if err != nil {
		m.release()
		return nil, err
	}
	return r, nil
}

func openRaw(m *module, serial, pin string) (*Raw, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	tok, err := m.findToken(&target{module: m.path, token: tokenFilter{serial: serial}})
	if err != nil {
		return nil, err
	}
	s, err := m.openSession(tok, true)
	if err != nil {
		return nil, err
	}
	if err := m.ctx.Login(s, pkcs11.CKU_USER, pin); err != nil && err != pkcs11.Error(pkcs11.CKR_USER_ALREADY_LOGGED_IN) {
		m.ctx.CloseSession(s)
		return nil, err
	}
	return &Raw{m: m, tok: tok, s: s}, nil
}

// Do runs f with the module's lock held.
func (r *Raw) Do(f func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error) error {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	return f(r.m.ctx, r.s)
}

// Find returns the handles of the objects matching the template.
func (r *Raw) Find(template ...*pkcs11.Attribute) ([]pkcs11.ObjectHandle, error) {
	r.m.mu.Lock()
	defer r.m.mu.Unlock()
	objs, err := r.m.findObjects(r.s, template)
	var hs []pkcs11.ObjectHandle
	for _, o := range objs {
		hs = append(hs, o.handle)
	}
	return hs, err
}

func (r *Raw) Close() {
	r.m.mu.Lock()
	r.m.ctx.CloseSession(r.s)
	r.m.mu.Unlock()
	r.m.release()
}

// PullOut closes every session of the signer's token in this process, as
// a token pulled out of its reader does: the signer's session handle
// becomes invalid.
func PullOut(s keys.Signer) error {
	ps, ok := s.(*signer)
	if !ok {
		return fmt.Errorf("%T is not a PKCS#11 signer", s)
	}
	ps.mod.mu.Lock()
	defer ps.mod.mu.Unlock()
	return ps.mod.ctx.CloseAllSessions(ps.tok.slot)
}

// Constants the tests use to make objects by hand.
const (
	CKMEdDSA               = ckmEdDSA
	CKMECEdwardsKeyPairGen = ckmECEdwardsKeyPairGen
	CKKECEdwards           = ckkECEdwards
)

// CheckModuleDir and CheckModuleFile are the checks made on a module-path
// before the library is loaded.
func CheckModuleDir(path string) error { return checkModuleDir(path) }

func CheckModuleFile(path string) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	return checkModuleFile(path, real)
}
