package p11

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/miekg/pkcs11"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Token is a token that Devices found, with its keys.
type Token struct {
	// Module is the PKCS#11 module's path, as given or found.
	Module       string
	Label        string
	Serial       string
	Manufacturer string
	Model        string
	// Flags are the token's CKF_ flags, as C_GetTokenInfo gives them.
	Flags uint
	Keys  []Key
	// Err is set when the token's keys could not be listed.
	Err error
}

// PINLocked reports that the user PIN is blocked.
func (t Token) PINLocked() bool { return t.Flags&pkcs11.CKF_USER_PIN_LOCKED != 0 }

// PINFinalTry reports that one more wrong PIN blocks the token.
func (t Token) PINFinalTry() bool { return t.Flags&pkcs11.CKF_USER_PIN_FINAL_TRY != 0 }

// PINCountLow reports that a wrong PIN was given since the last good one.
func (t Token) PINCountLow() bool { return t.Flags&pkcs11.CKF_USER_PIN_COUNT_LOW != 0 }

// Status is what the token's flags say about its PIN, for people: "PIN
// blocked", "final PIN try", "wrong PIN entered before" or "ok".
func (t Token) Status() string {
	switch {
	case t.PINLocked():
		return "PIN blocked"
	case t.PINFinalTry():
		return "final PIN try"
	case t.PINCountLow():
		return "wrong PIN entered before"
	}
	return "ok"
}

// Key is a key pair's public half found on a token. Only public objects
// are listed: Devices asks for no PIN.
type Key struct {
	Label string
	// ID is the CKA_ID in hex.
	ID string
	// Type is ed25519, ecdsa-p256 or ecdsa-p384; for other keys, what the
	// token says (RSA, EC on another curve ...), and TUFKey is nil.
	Type string
	// URI names the key for every command; it is ready to paste (quote
	// it for the shell: it holds ';', '?' and '&').
	URI    string
	TUFKey *metadata.Key
}

// wellKnownModules are where Debian, other Linux distributions and the
// vendors' own packages put the PKCS#11 modules of SoftHSM2, Yubico's
// ykcs11, OpenSC and the YubiHSM 2 (Yubico's yubihsm-pkcs11 .deb, and its
// macOS installer's .dylib). Globs cover multiarch directories. Only
// places under the system's library directories are listed: a module
// anywhere else is never loaded (checkModuleDir).
var wellKnownModules = []string{
	// SoftHSM2
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/*-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	// ykcs11 (YubiKey PIV)
	"/usr/lib/*-linux-gnu/libykcs11.so",
	"/usr/lib64/libykcs11.so",
	"/usr/local/lib/libykcs11.so",
	"/usr/local/lib/libykcs11.dylib",
	// OpenSC (Nitrokey HSM 2, smart cards); OpenSC's macOS installer
	// copies its module here too
	"/usr/lib/*-linux-gnu/opensc-pkcs11.so",
	"/usr/lib64/opensc-pkcs11.so",
	"/usr/local/lib/opensc-pkcs11.so",
	// YubiHSM 2
	"/usr/lib/*-linux-gnu/pkcs11/yubihsm_pkcs11.so",
	"/usr/lib64/pkcs11/yubihsm_pkcs11.so",
	"/usr/local/lib/pkcs11/yubihsm_pkcs11.so",
	"/usr/local/lib/pkcs11/yubihsm_pkcs11.dylib",
}

// WellKnownModules returns the PKCS#11 modules installed in well-known
// places, each library once (symbolic links followed).
func WellKnownModules() []string {
	var found []string
	seen := map[string]bool{}
	for _, pattern := range wellKnownModules {
		matches, _ := filepath.Glob(pattern)
		sort.Strings(matches)
		for _, path := range matches {
			real, err := filepath.EvalSymlinks(path)
			if err != nil || seen[real] {
				continue
			}
			if fi, err := os.Stat(real); err != nil || !fi.Mode().IsRegular() {
				continue
			}
			seen[real] = true
			found = append(found, path)
		}
	}
	return found
}

// Devices lists the initialized tokens of the given modules (of the
// well-known ones when modules is empty) with their keys. It asks for no
// PIN: keys whose public half is private are not seen. Modules that fail
// to load are named in the error; the tokens of the others are returned
// with it.
func Devices(modules []string) ([]Token, error) {
	if len(modules) == 0 {
		modules = WellKnownModules()
		if len(modules) == 0 {
			return nil, errors.New("no PKCS#11 module found in the well-known places: give one with its path")
		}
	}
	var all []Token
	var errs []error
	for _, path := range modules {
		toks, err := devices(path)
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, toks...)
	}
	return all, errors.Join(errs...)
}

func devices(path string) ([]Token, error) {
	m, err := loadModule(path)
	if err != nil {
		return nil, err
	}
	defer m.release()
	m.mu.Lock()
	defer m.mu.Unlock()
	infos, err := m.tokens()
	if err != nil {
		return nil, err
	}
	var toks []Token
	for _, ti := range infos {
		tok := Token{Module: path, Label: ti.label, Serial: ti.serial, Manufacturer: ti.manufacturer, Model: ti.model, Flags: ti.flags}
		if c := conventionOf(ti); c.KeysAfterLogin {
			tok.Err = fmt.Errorf("%s: %w (its keys are named in the plan by public_key)", c.Device, keys.ErrKeysAfterLogin)
		} else {
			tok.Keys, tok.Err = m.listKeys(path, ti)
		}
		toks = append(toks, tok)
	}
	return toks, nil
}

// listKeys lists the public keys of a token. The caller holds m.mu.
func (m *module) listKeys(path string, ti tokenInfo) ([]Key, error) {
	s, err := m.openSession(ti, false)
	if err != nil {
		return nil, err
	}
	defer m.ctx.CloseSession(s)
	objs, err := m.findObjects(s, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY)})
	if err != nil {
		return nil, deviceError(ti, "list keys", err)
	}
	var ks []Key
	for _, o := range objs {
		k := Key{Label: o.label, ID: hex.EncodeToString(o.id), URI: KeyURI(path, ti.label, ti.serial, o.label, o.id)}
		pub, err := m.publicKey(s, o.handle)
		switch {
		case err != nil:
			k.Type = err.Error()
		default:
			k.Type = string(typeOf(pub))
			k.TUFKey, _ = keys.FromPublicKey(pub)
		}
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].Label != ks[j].Label {
			return ks[i].Label < ks[j].Label
		}
		return ks[i].ID < ks[j].ID
	})
	return ks, nil
}
