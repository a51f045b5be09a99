package p11_test

import (
	"encoding/asn1"
	"os"
	"testing"

	"github.com/miekg/pkcs11"

	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends(p11.Backend{})

// Every SoftHSM2 token of these tests, made before any test runs (SoftHSM2
// finds its tokens when the module loads). Each test has its own token, so
// tests do not see each other's keys.
func TestMain(m *testing.M) {
	os.Exit(p11test.Main(m,
		p11test.Spec{Label: "keygen"},
		p11test.Spec{Label: "dup"},
		p11test.Spec{Label: "pin"},
		p11test.Spec{Label: "final", UserPINFlags: pkcs11.CKF_USER_PIN_FINAL_TRY},
		p11test.Spec{Label: "locked", UserPINFlags: pkcs11.CKF_USER_PIN_LOCKED},
		p11test.Spec{Name: "twin-1", Label: "twin"},
		p11test.Spec{Name: "twin-2", Label: "twin"},
		p11test.Spec{Label: "select"},
		p11test.Spec{Label: "devices"},
		p11test.Spec{Label: "pullout"},
		p11test.Spec{Label: "always"},
		p11test.Spec{Label: "concurrent"},
		p11test.Spec{Label: "e2e-ed25519"},
		p11test.Spec{Label: "e2e-p384"},
		p11test.Spec{Label: "e2e-other"},
		p11test.Spec{Label: "bench"},
	))
}

// prompter answers every PIN request with pin and records what it was
// asked and told.
type prompter struct {
	pin      string
	requests []keys.SecretRequest
	notes    []string
}

func (p *prompter) Secret(req keys.SecretRequest) ([]byte, error) {
	p.requests = append(p.requests, req)
	return []byte(p.pin), nil
}

func (p *prompter) Notify(message string) { p.notes = append(p.notes, message) }

// withPINSource adds pin-source (a file holding the token's PIN) to a URI.
func withPINSource(t *testing.T, tok *p11test.Token, uri string) string {
	t.Helper()
	return uri + "&pin-source=" + tok.PINFile(t)
}

// generate makes a key on tok with its PIN from pin-source.
func generate(t *testing.T, tok *p11test.Token, uri string, kt keys.KeyType) {
	t.Helper()
	if _, err := backends.Generate(withPINSource(t, tok, uri), kt, nil); err != nil {
		t.Fatalf("generate %s at %s: %v", kt, uri, err)
	}
}

// open opens uri, answering the PIN prompt with tok's PIN.
func open(t *testing.T, tok *p11test.Token, uri string) keys.Signer {
	t.Helper()
	s, err := backends.Open(uri, &prompter{pin: tok.PIN})
	if err != nil {
		t.Fatalf("open %s: %v", uri, err)
	}
	t.Cleanup(func() { s.(keys.Closer).Close() })
	return s
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// asn1P256 is CKA_EC_PARAMS for P-256.
func asn1P256() ([]byte, error) {
	return asn1.Marshal(asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7})
}

// emptyToken returns the token made under name with every object on it
// destroyed, so that a test (also with -count=N) starts from a blank token.
func emptyToken(t *testing.T, name string) *p11test.Token {
	t.Helper()
	tok := p11test.Get(t, name)
	raw, err := p11.OpenRaw(tok.Module, tok.Serial, tok.PIN)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	hs, err := raw.Find()
	if err != nil {
		t.Fatal(err)
	}
	err = raw.Do(func(ctx *pkcs11.Ctx, s pkcs11.SessionHandle) error {
		for _, h := range hs {
			if err := ctx.DestroyObject(s, h); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
