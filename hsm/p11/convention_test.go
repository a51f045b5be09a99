package p11

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

// What each module says of its tokens in C_GetTokenInfo (yubihsm_pkcs11:
// pkcs11/yubihsm_pkcs11.c; OpenSC: pkcs15-sc-hsm.c; SoftHSM2 as it runs
// here), and the convention each is taken to follow.
var (
	yubiHSMToken   = tokenInfo{label: "YubiHSM", serial: "13200460", manufacturer: "Yubico (www.yubico.com)", model: "YubiHSM"}
	nitrokeyToken  = tokenInfo{label: "SmartCard-HSM (UserPIN)", serial: "DENK0102947", manufacturer: "www.CardContact.de", model: "PKCS#15 emulated"}
	softHSMToken   = tokenInfo{label: "root-1", serial: "5d3c1f0e8a7b6c4d", manufacturer: "SoftHSM project", model: "SoftHSM v2"}
	conventionCase = []struct {
		tok    tokenInfo
		device string
	}{{yubiHSMToken, "YubiHSM 2"}, {nitrokeyToken, "Nitrokey HSM 2 (SmartCard-HSM)"}, {softHSMToken, ""}}
)

func TestConventionOf(t *testing.T) {
	for _, c := range conventionCase {
		got := conventionOf(c.tok)
		if got.Device != c.device {
			t.Errorf("%s: convention %q, want %q", c.tok, got.Device, c.device)
		}
		if (got.PINForm == "") != (c.device == "") || (got.checkPIN == nil) != (c.device == "") {
			t.Errorf("%s: PIN form %q", c.tok, got.PINForm)
		}
	}
	if !conventionOf(yubiHSMToken).KeysAfterLogin || conventionOf(nitrokeyToken).KeysAfterLogin {
		t.Error("only a YubiHSM 2 hides its keys before login")
	}
}

// A YubiHSM 2 PIN is the authentication key's ID in 4 hex digits (either
// case) and a password of 8 to 64 characters; a Nitrokey's user PIN is 6
// to 15 characters. What cannot be right is refused, and the refusal does
// not quote it.
func TestPINForms(t *testing.T) {
	for _, c := range []struct {
		check func([]byte) error
		pin   string
		ok    bool
	}{
		{checkYubiHSMPIN, "0001s3cr3tPass", true},
		{checkYubiHSMPIN, "00AFs3cr3tPass", true},
		{checkYubiHSMPIN, "0001" + strings.Repeat("p", 64), true},
		{checkYubiHSMPIN, "s3cr3tPass", false},   // no key ID
		{checkYubiHSMPIN, "0x01password", false}, // not 4 hex digits
		{checkYubiHSMPIN, "0001short", false},    // password under 8
		{checkYubiHSMPIN, "1password", false},    // key ID too short
		{checkYubiHSMPIN, "0001" + strings.Repeat("p", 65), false},
		{checkYubiHSMPIN, "@0002s3cr3tPass", true},         // an asymmetric authentication key
		{checkYubiHSMPIN, "#yk-cred#0003s3cr3tPass", true}, // a credential on a YubiKey
		{checkYubiHSMPIN, "##0003s3cr3tPass", false},
		{checkYubiHSMPIN, "#yk-cred0003s3cr3tPass", false},
		{checkSmartCardHSMPIN, "648219", true},
		{checkSmartCardHSMPIN, "123456789012345", true},
		{checkSmartCardHSMPIN, "12345", false},
		{checkSmartCardHSMPIN, "1234567890123456", false},
	} {
		err := c.check([]byte(c.pin))
		if (err == nil) != c.ok {
			t.Errorf("%q: %v, want ok %v", c.pin, err, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), c.pin) {
			t.Errorf("the refusal quotes the PIN %q: %v", c.pin, err)
		}
	}
}

// pinRequest tells the prompter a YubiHSM 2's PIN form, and a PIN of the
// wrong form (from the prompter or pin-source) is not sent: refused with
// the form, not as a wrong PIN.
func TestPINRequestFollowsConvention(t *testing.T) {
	u, err := keys.ParseURI("pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so")
	if err != nil {
		t.Fatal(err)
	}
	p := &recorder{pin: "0001password"}
	pin, err := pinRequest(&target{uri: u}, yubiHSMToken, p)
	if err != nil || string(pin) != "0001password" {
		t.Fatalf("a good PIN: %q, %v", pin, err)
	}
	if len(p.asked) != 1 || !strings.Contains(p.asked[0].Form, "4 hex digits") {
		t.Errorf("the prompt was not told the PIN's form: %+v", p.asked)
	}
	p.pin = "s3cr3tPass"
	if _, err := pinRequest(&target{uri: u}, yubiHSMToken, p); err == nil || !strings.Contains(err.Error(), "the PIN was not sent") || errors.Is(err, ErrWrongPIN) {
		t.Errorf("a PIN with no key ID: %v", err)
	}
	file := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(file, []byte("0001short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	u.Query["pin-source"] = file
	if _, err := pinRequest(&target{uri: u}, yubiHSMToken, nil); err == nil || !strings.Contains(err.Error(), "the password after the key ID is too short") {
		t.Errorf("a short password from pin-source: %v", err)
	}
	// A token with no convention takes any PIN and names no form.
	p = &recorder{pin: "x"}
	if _, err := pinRequest(&target{uri: u}, softHSMToken, p); err != nil {
		t.Errorf("SoftHSM2: %v", err)
	}
}

type recorder struct {
	pin   string
	asked []keys.SecretRequest
}

func (r *recorder) Secret(req keys.SecretRequest) ([]byte, error) {
	r.asked = append(r.asked, req)
	return []byte(r.pin), nil
}

func (r *recorder) Notify(string) {}

// The mechanisms each module lists for its EC keys (yubihsm_pkcs11:
// util_pkcs11.c's table; OpenSC's SmartCard-HSM: framework-pkcs15.c;
// SoftHSM2: read from the module here): ECDSA keys sign on all three,
// Ed25519 keys not on a SmartCard-HSM, which has no EdDSA.
func TestMechanismsEachModuleLists(t *testing.T) {
	listed := map[string][]uint{
		"YubiHSM 2": {pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKM_ECDSA, pkcs11.CKM_ECDSA_SHA1, pkcs11.CKM_ECDSA_SHA256, pkcs11.CKM_ECDSA_SHA384, pkcs11.CKM_ECDSA_SHA512, ckmEdDSA},
		"Nitrokey HSM 2": {pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKM_ECDSA, pkcs11.CKM_ECDSA_SHA1, pkcs11.CKM_ECDSA_SHA224, pkcs11.CKM_ECDSA_SHA256,
			pkcs11.CKM_ECDSA_SHA384, pkcs11.CKM_ECDSA_SHA512},
	}
	tok := p11test.Get(t, "select")
	m, err := loadModule(tok.Module)
	if err != nil {
		t.Fatal(err)
	}
	defer m.release()
	m.mu.Lock()
	toks, err := m.tokens()
	if err == nil && len(toks) > 0 {
		var ms []*pkcs11.Mechanism
		if ms, err = m.ctx.GetMechanismList(toks[0].slot); err == nil {
			for _, x := range ms {
				listed["SoftHSM2"] = append(listed["SoftHSM2"], x.Mechanism)
			}
		}
	}
	m.mu.Unlock()
	if err != nil || len(listed["SoftHSM2"]) == 0 {
		t.Fatalf("SoftHSM2's mechanisms: %v", err)
	}
	for name, list := range listed {
		if err := needMechanism(softHSMToken, list, pkcs11.CKM_ECDSA); err != nil {
			t.Errorf("%s: ECDSA: %v", name, err)
		}
		err := needMechanism(softHSMToken, list, ckmEdDSA)
		if (err == nil) != (name != "Nitrokey HSM 2") {
			t.Errorf("%s: EdDSA: %v", name, err)
		}
		if err != nil && !strings.Contains(err.Error(), "lists no CKM_EDDSA") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// yubihsm_pkcs11 with no connector configured fails C_Initialize with
// CKR_ARGUMENTS_BAD: the error says what to set. Another module's
// failure is left as it is.
func TestInitHint(t *testing.T) {
	bad := pkcs11.Error(pkcs11.CKR_ARGUMENTS_BAD)
	if h := initHint("/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so", bad); !strings.Contains(h, "YUBIHSM_PKCS11_CONF") || !strings.Contains(h, "connector=") {
		t.Errorf("yubihsm_pkcs11: %q", h)
	}
	if h := initHint("/usr/lib/softhsm/libsofthsm2.so", bad); h != "" {
		t.Errorf("SoftHSM2: %q", h)
	}
	if h := initHint("/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so", pkcs11.Error(pkcs11.CKR_FUNCTION_FAILED)); !strings.Contains(h, "most likely") {
		t.Errorf("yubihsm_pkcs11 before 2.4: %q", h)
	}
	if h := initHint("/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so", pkcs11.Error(pkcs11.CKR_GENERAL_ERROR)); h != "" {
		t.Errorf("another error: %q", h)
	}
}

// Every well-known module place is one a module may be loaded from.
func TestWellKnownModulesLoadable(t *testing.T) {
	for _, pattern := range wellKnownModules {
		if err := checkModuleDir(pattern); err != nil {
			t.Errorf("%s is listed but never loaded: %v", pattern, err)
		}
	}
}
