package p11_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/keys"
)

const wrongPIN = "31415926"

// A wrong PIN ends Open with ErrWrongPIN after one question; the PIN is in
// no message. SoftHSM2 (2.6) never blocks a user PIN: it only sets
// CKF_USER_PIN_COUNT_LOW after a wrong PIN and clears it after a good one.
// The next Open tells the user about the earlier wrong PIN.
func TestWrongPINIsNotRetried(t *testing.T) {
	tok := emptyToken(t, "pin")
	uri := tok.URI("k")
	generate(t, tok, uri, keys.TypeEd25519)

	for i := 0; i < 3; i++ {
		p := &prompter{pin: wrongPIN}
		s, err := backends.Open(uri, p)
		if err == nil {
			s.(keys.Closer).Close()
			t.Fatal("open with a wrong PIN succeeded")
		}
		if !errors.Is(err, p11.ErrWrongPIN) {
			t.Errorf("wrong PIN: %v, want ErrWrongPIN", err)
		}
		if len(p.requests) != 1 {
			t.Errorf("asked for the PIN %d times, want exactly 1 (no retry)", len(p.requests))
		}
		if strings.Contains(err.Error(), wrongPIN) || strings.Contains(err.Error(), tok.PIN) {
			t.Errorf("error quotes a PIN: %v", err)
		}
		if i > 0 && (len(p.notes) != 1 || !strings.Contains(p.notes[0], "wrong PIN has been entered")) {
			t.Errorf("after a wrong PIN, open told %q; want a note that a wrong PIN was entered before", p.notes)
		}
		t.Logf("attempt %d: %v", i+1, err)
	}
	devs, err := p11.Devices([]string{tok.Module})
	if err != nil {
		t.Fatal(err)
	}
	if d := find(t, devs, tok.Serial); !d.PINCountLow() || d.PINLocked() || d.PINFinalTry() {
		t.Errorf("after wrong PINs, SoftHSM2's flags say %q (0x%x); want count low only", d.Status(), d.Flags)
	}

	s := open(t, tok, uri)
	if _, err := keys.SignMessage(s, []byte("after wrong PINs")); err != nil {
		t.Fatal(err)
	}
	// While a session of this process is logged in, the token asks no PIN
	// (PKCS#11 logs in an application, not a session); close it first.
	s.(keys.Closer).Close()
	devs, _ = p11.Devices([]string{tok.Module})
	if d := find(t, devs, tok.Serial); d.PINCountLow() {
		t.Errorf("after a good PIN, flags still say %q", d.Status())
	}

	// pin-source holding a wrong PIN: the same error, nothing asked.
	dir := t.TempDir()
	pinFile := dir + "/wrong"
	writeFile(t, pinFile, wrongPIN+"\n")
	p := &prompter{pin: tok.PIN}
	s, err = backends.Open(uri+"&pin-source="+pinFile, p)
	if err == nil {
		s.(keys.Closer).Close()
	}
	if !errors.Is(err, p11.ErrWrongPIN) || len(p.requests) != 0 {
		t.Errorf("wrong PIN from pin-source: %v, %d prompts", err, len(p.requests))
	}
}

// A token on its final PIN try says so in the request (TriesLeft 1) and in
// the error after a wrong PIN.
func TestPINFinalTry(t *testing.T) {
	tok := p11test.Get(t, "final")
	p := &prompter{pin: wrongPIN}
	_, err := backends.Open(tok.URI("any"), p)
	if !errors.Is(err, p11.ErrWrongPIN) || !strings.Contains(err.Error(), "the next wrong PIN blocks it") {
		t.Errorf("wrong PIN on the final try: %v", err)
	}
	if len(p.requests) != 1 || p.requests[0].TriesLeft != 1 {
		t.Errorf("requests %+v, want one with TriesLeft 1", p.requests)
	}
	if strings.Contains(err.Error(), wrongPIN) {
		t.Errorf("error quotes the PIN: %v", err)
	}
}

// A blocked PIN is reported before any PIN is asked or sent, for signing
// and for key generation.
func TestPINBlocked(t *testing.T) {
	tok := p11test.Get(t, "locked")
	p := &prompter{pin: tok.PIN}
	_, err := backends.Open(tok.URI("any"), p)
	if !errors.Is(err, p11.ErrPINBlocked) || !strings.Contains(err.Error(), "security officer must unblock it") {
		t.Errorf("open on a blocked token: %v", err)
	}
	_, err = backends.Generate(tok.URI("new"), keys.TypeEd25519, p)
	if !errors.Is(err, p11.ErrPINBlocked) {
		t.Errorf("keygen on a blocked token: %v", err)
	}
	if len(p.requests) != 0 {
		t.Errorf("asked for a PIN %d times on a blocked token", len(p.requests))
	}
	devs, _ := p11.Devices([]string{tok.Module})
	if d := find(t, devs, tok.Serial); !d.PINLocked() || d.Status() != "PIN blocked" {
		t.Errorf("Devices says %q", d.Status())
	}
	t.Log(err)
}

// Without a prompter and without pin-source, the error says what to do.
func TestNoPrompter(t *testing.T) {
	tok := emptyToken(t, "pin")
	_, err := backends.Open(tok.URI("k"), nil)
	if err == nil || !strings.Contains(err.Error(), "pin-source") {
		t.Errorf("open without prompter: %v", err)
	}
}

func find(t *testing.T, devs []p11.Token, serial string) p11.Token {
	t.Helper()
	for _, d := range devs {
		if d.Serial == serial {
			return d
		}
	}
	t.Fatalf("Devices does not list token %s", serial)
	return p11.Token{}
}
