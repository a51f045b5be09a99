package p11

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/miekg/pkcs11"
)

// A convention is what one family of tokens asks beyond PKCS#11: the form
// of its PIN, which the prompt says and which is checked before anything
// is sent (a PIN that cannot be right costs no try), and whether its keys
// show before login. Tokens are told apart by what C_GetTokenInfo says of
// them, so the module file's name does not matter.
type convention struct {
	// Device names the family, "" for a token with no convention here.
	Device string
	// PINForm says what to type, for the prompt.
	PINForm string
	// checkPIN refuses a PIN that cannot be right; nil takes any.
	checkPIN func(pin []byte) error
	// KeysAfterLogin: the token shows no object before login.
	KeysAfterLogin bool
}

// YubiHSM 2 through yubihsm_pkcs11: every device says manufacturer
// "Yubico (www.yubico.com)" and model "YubiHSM" (its label is "YubiHSM"
// too, so a URI names one by serial=, the device serial in at least 8
// digits). Its PIN is the authentication key's object ID as 4 hex digits
// followed by that key's password, 8 to 64 characters ("@" or "#label#"
// before the ID for other kinds of authentication key), and it shows no
// object before login.
var yubiHSMConvention = convention{
	Device:         "YubiHSM 2",
	PINForm:        "the authentication key's ID as 4 hex digits, then its password (8 to 64 characters): 0001 then the password, for the factory key",
	checkPIN:       checkYubiHSMPIN,
	KeysAfterLogin: true,
}

// SmartCard-HSM (the Nitrokey HSM 2) through OpenSC: manufacturer
// "www.CardContact.de". Its user PIN is 6 to 15 characters; 3 wrong PINs
// block it (as initialized by default), and only the SO PIN, 16 hex
// digits, unblocks it. Its label is "SmartCard-HSM", with " (UserPIN)"
// after it in OpenSC before 0.26, so a URI names one by serial=.
var smartCardHSMConvention = convention{
	Device:   "Nitrokey HSM 2 (SmartCard-HSM)",
	PINForm:  "the user PIN, 6 to 15 characters; wrong PINs block it (3 by default) until the SO PIN unblocks it",
	checkPIN: checkSmartCardHSMPIN,
}

// conventionOf is the convention of a token, by what it says of itself.
func conventionOf(tok tokenInfo) convention {
	switch {
	case strings.HasPrefix(tok.manufacturer, "Yubico") && tok.model == "YubiHSM":
		return yubiHSMConvention
	case tok.manufacturer == "www.CardContact.de":
		return smartCardHSMConvention
	}
	return convention{}
}

func checkYubiHSMPIN(pin []byte) error {
	form := errors.New("a YubiHSM 2 PIN is the authentication key's ID as 4 hex digits followed by its password of 8 to 64 characters (0001 then the password, for the factory key)")
	// yubihsm_pkcs11 also takes "@" before the key ID (an asymmetric
	// authentication key) and "#label#" (a credential on a YubiKey).
	rest := pin
	switch {
	case len(rest) > 0 && rest[0] == '@':
		rest = rest[1:]
	case len(rest) > 0 && rest[0] == '#':
		end := bytes.IndexByte(rest[1:], '#')
		if end < 1 {
			return form
		}
		rest = rest[end+2:]
	}
	if len(rest) < 4 {
		return form
	}
	for _, c := range rest[:4] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
			return form
		}
	}
	switch n := len(rest) - 4; {
	case n < 8:
		return fmt.Errorf("%w: the password after the key ID is too short", form)
	case n > 64:
		return fmt.Errorf("%w: the password after the key ID is too long", form)
	}
	return nil
}

func checkSmartCardHSMPIN(pin []byte) error {
	switch n := len(pin); {
	case n < 6:
		return errors.New("a Nitrokey HSM 2 (SmartCard-HSM) user PIN is 6 to 15 characters: this one is too short")
	case n > 15:
		return errors.New("a Nitrokey HSM 2 (SmartCard-HSM) user PIN is 6 to 15 characters: this one is too long")
	}
	return nil
}

// mechanismName names the two mechanisms keys sign with here: raw ECDSA
// over the digest the caller made, and EdDSA over the message.
func mechanismName(mech uint) string {
	if mech == ckmEdDSA {
		return "CKM_EDDSA"
	}
	return "CKM_ECDSA"
}

// needMechanism refuses, before anything is signed, a token whose module
// does not list the mechanism the key signs with: yubihsm_pkcs11 lists
// CKM_ECDSA and CKM_EDDSA, OpenSC's SmartCard-HSM CKM_ECDSA (and hashing
// variants) but no EdDSA.
func needMechanism(tok tokenInfo, listed []uint, want uint) error {
	for _, m := range listed {
		if m == want {
			return nil
		}
	}
	return fmt.Errorf("%s cannot sign with this key: its module lists no %s", tok, mechanismName(want))
}

// initHint explains an initialization error of a module whose cause is
// known: yubihsm_pkcs11 with no connector configured answers
// CKR_ARGUMENTS_BAD (2.4 and later) or CKR_FUNCTION_FAILED (before).
func initHint(path string, err error) string {
	var code pkcs11.Error
	if !strings.HasPrefix(filepath.Base(path), "yubihsm_pkcs11") || !errors.As(err, &code) {
		return ""
	}
	switch code {
	case pkcs11.CKR_ARGUMENTS_BAD, pkcs11.CKR_FUNCTION_FAILED:
		return "; yubihsm_pkcs11 most likely has no connector: set YUBIHSM_PKCS11_CONF to a file holding connector=http://127.0.0.1:12345 and run yubihsm-connector (a yubihsm_pkcs11.conf in the working directory is read first)"
	}
	return ""
}

// mechanismFor is the mechanism a key signs with here: EdDSA over the
// message for Ed25519, raw ECDSA over the digest the caller made for
// ECDSA; ok is false for any other key.
func mechanismFor(pub crypto.PublicKey) (mech uint, ok bool) {
	switch pub.(type) {
	case ed25519.PublicKey:
		return ckmEdDSA, true
	case *ecdsa.PublicKey:
		return pkcs11.CKM_ECDSA, true
	}
	return 0, false
}
