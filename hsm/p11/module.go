package p11

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/miekg/pkcs11"
)

// module is one loaded PKCS#11 library. It is shared by every user in the
// process (a library is initialized once per process) and finalized when
// the last one releases it.
type module struct {
	path string
	// mu is held around every call into the library: tokens and cards fail
	// on concurrent use, and a session must not be used by two goroutines.
	mu  sync.Mutex
	ctx *pkcs11.Ctx

	refs int // guarded by modulesMu
}

var (
	modulesMu sync.Mutex
	modules   = map[string]*module{} // by real path
)

// loadModule loads and initializes the library at path, or shares the one
// already loaded. Each successful call must be paired with release.
func loadModule(path string) (*module, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("PKCS#11 module %q: the path must be absolute", path)
	}
	if err := checkModuleDir(path); err != nil {
		return nil, err
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return nil, fmt.Errorf("PKCS#11 module %q: %w; install it or fix module-path", path, unwrapPathError(err))
	}
	if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("PKCS#11 module %q is not a library file", path)
	}
	if err := checkModuleFile(path, real); err != nil {
		return nil, err
	}
	modulesMu.Lock()
	defer modulesMu.Unlock()
	if m := modules[real]; m != nil {
		m.refs++
		return m, nil
	}
	ctx := pkcs11.New(real)
	if ctx == nil {
		return nil, fmt.Errorf("failed to load PKCS#11 module %q: not a PKCS#11 library for this machine", path)
	}
	if err := ctx.Initialize(); err != nil {
		ctx.Destroy()
		return nil, fmt.Errorf("failed to initialize PKCS#11 module %q: %w%s", path, err, initHint(path, err))
	}
	m := &module{path: path, ctx: ctx, refs: 1}
	modules[real] = m
	return m, nil
}

// release gives up one use of m; the last one finalizes and unloads it.
func (m *module) release() {
	modulesMu.Lock()
	defer modulesMu.Unlock()
	m.refs--
	if m.refs > 0 {
		return
	}
	for k, v := range modules {
		if v == m {
			delete(modules, k)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ctx.Finalize()
	m.ctx.Destroy()
	m.ctx = nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// tokenInfo is what a token says about itself.
type tokenInfo struct {
	slot                               uint
	label, serial, manufacturer, model string
	flags                              uint
}

func (t tokenInfo) String() string {
	if t.serial == "" {
		return fmt.Sprintf("token %q", t.label)
	}
	return fmt.Sprintf("token %q (serial %s)", t.label, t.serial)
}

// tokens lists the initialized tokens of m's slots. The caller holds m.mu.
func (m *module) tokens() ([]tokenInfo, error) {
	slots, err := m.ctx.GetSlotList(true)
	if err != nil {
		return nil, fmt.Errorf("failed to list the slots of PKCS#11 module %q: %w", m.path, err)
	}
	var toks []tokenInfo
	for _, slot := range slots {
		ti, err := m.ctx.GetTokenInfo(slot)
		if err != nil {
			continue // removed since the slot list was read
		}
		if ti.Flags&pkcs11.CKF_TOKEN_INITIALIZED == 0 {
			continue // SoftHSM2's free slot, or a blank token
		}
		toks = append(toks, tokenInfo{
			slot:         slot,
			label:        trim(ti.Label),
			serial:       trim(ti.SerialNumber),
			manufacturer: trim(ti.ManufacturerID),
			model:        trim(ti.Model),
			flags:        ti.Flags,
		})
	}
	sort.Slice(toks, func(i, j int) bool {
		if toks[i].label != toks[j].label {
			return toks[i].label < toks[j].label
		}
		return toks[i].serial < toks[j].serial
	})
	return toks, nil
}

// trim cuts the blank (or NUL) padding of PKCS#11's fixed-size fields.
func trim(s string) string { return strings.TrimRight(s, " \x00") }

// findToken returns the one token that t names. The caller holds m.mu.
func (m *module) findToken(t *target) (tokenInfo, error) {
	toks, err := m.tokens()
	if err != nil {
		return tokenInfo{}, err
	}
	var found []tokenInfo
	for _, tok := range toks {
		if t.token.matches(tok) {
			found = append(found, tok)
		}
	}
	switch len(found) {
	case 1:
		return found[0], nil
	case 0:
		present := "none"
		if len(toks) > 0 {
			var names []string
			for _, tok := range toks {
				names = append(names, tok.String())
			}
			present = strings.Join(names, ", ")
		}
		return tokenInfo{}, fmt.Errorf("%w: no token with %s in PKCS#11 module %q (tokens present: %s): insert it, or fix the URI", ErrTokenAbsent, t.token, m.path, present)
	}
	var names []string
	for _, tok := range found {
		names = append(names, tok.String())
	}
	return tokenInfo{}, fmt.Errorf("%d tokens match %s in PKCS#11 module %q: %s; name one by serial=", len(found), t.token, m.path, strings.Join(names, ", "))
}

// openSession opens a session on tok: read-write for key generation,
// read-only otherwise. The caller holds m.mu.
func (m *module) openSession(tok tokenInfo, rw bool) (pkcs11.SessionHandle, error) {
	flags := uint(pkcs11.CKF_SERIAL_SESSION)
	if rw {
		flags |= pkcs11.CKF_RW_SESSION
	}
	s, err := m.ctx.OpenSession(tok.slot, flags)
	if err != nil {
		return 0, deviceError(tok, "open a session", err)
	}
	return s, nil
}

// use loads the module t names and finds its token, for one operation that
// runs with m.mu held and a session open. It releases everything after.
func use(t *target, rw bool, op func(m *module, tok tokenInfo, s pkcs11.SessionHandle) error) error {
	m, err := loadModule(t.module)
	if err != nil {
		return err
	}
	defer m.release()
	m.mu.Lock()
	defer m.mu.Unlock()
	tok, err := m.findToken(t)
	if err != nil {
		return err
	}
	s, err := m.openSession(tok, rw)
	if err != nil {
		return err
	}
	defer m.ctx.CloseSession(s)
	return op(m, tok, s)
}
