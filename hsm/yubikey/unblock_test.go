package yubikey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/keys"
)

// answers gives each secret asked for in turn, and keeps the requests.
type answers struct {
	secrets []string
	asked   []keys.SecretRequest
}

func (a *answers) Secret(req keys.SecretRequest) ([]byte, error) {
	a.asked = append(a.asked, req)
	if len(a.asked) > len(a.secrets) {
		return nil, errors.New("asked once too often")
	}
	return []byte(a.secrets[len(a.asked)-1]), nil
}
func (a *answers) Notify(string) {}

// A blocked PIN comes back with the PUK and a new PIN typed twice, on the
// real pcscd and piv-go; the factory PUK is never sent, a new PIN typed
// two ways changes nothing, and a wrong PUK spends a PUK try and says so.
func TestUnblockPINWithPUK(t *testing.T) {
	env := pcsctest.Start(t)
	d := newDevice(t, env, keys.TypeECDSAP256, [3]byte{})
	const puk = "97531864" // set by keygenURI
	sign := func(pin string) error {
		s, err := backends.Open(d.uri, &prompter{pin: pin})
		if err != nil {
			return err
		}
		defer s.(keys.Closer).Close()
		_, err = keys.SignMessage(s, []byte("metadata"))
		return err
	}
	for range 3 {
		sign("222222")
	}
	if err := sign(newPIN); !errors.Is(err, keys.ErrPINBlocked) {
		t.Fatalf("after 3 wrong PINs: %v, want the PIN blocked", err)
	}

	for name, c := range map[string]struct {
		secrets []string
		want    string
	}{
		"factory PUK":         {[]string{piv.DefaultPUK}, "factory PUK, which is never sent"},
		"short PUK":           {[]string{"1234"}, "6 to 8 characters, and 4 were typed: nothing was sent"},
		"long PUK":            {[]string{"123456789"}, "6 to 8 characters, and 9 were typed: nothing was sent"},
		"new PIN typed twice": {[]string{puk, "135790", "135799"}, "not typed the same twice"},
		"factory PIN as new":  {[]string{puk, piv.DefaultPIN}, "not be the factory PIN"},
		"short new PIN":       {[]string{puk, "12345"}, "6 to 8 characters"},
	} {
		a := &answers{secrets: c.secrets}
		err := backends.UnblockPIN(d.uri, a)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), c.secrets[0]) {
			t.Errorf("%s: the error shows a secret: %v", name, err)
		}
	}
	// None of those reached the card: the PIN is still blocked, and the
	// PUK has all its tries (a wrong one below leaves 2).
	a := &answers{secrets: []string{"11112222", "135790", "135790"}}
	err := backends.UnblockPIN(d.uri, a)
	if !errors.Is(err, yubikey.ErrWrongPUK) || !strings.Contains(err.Error(), "2 tries left before the PUK is blocked") {
		t.Fatalf("wrong PUK: %v", err)
	}
	a = &answers{secrets: []string{puk, "135790", "135790"}}
	if err := backends.UnblockPIN(d.uri, a); err != nil {
		t.Fatalf("unblock with the PUK: %v", err)
	}
	if len(a.asked) != 3 || a.asked[0].Kind != keys.PUK || !a.asked[1].New || a.asked[1].Again || !a.asked[2].Again {
		t.Errorf("asked %+v, want the PUK, the new PIN, the new PIN again", a.asked)
	}
	if got := retries(t, d.card.Serial()); got != 3 {
		t.Errorf("PIN tries after the unblock: %d, want 3", got)
	}
	if err := sign("135790"); err != nil {
		t.Fatalf("signing with the new PIN: %v", err)
	}
}

// A key file or PKCS#11 token is not unblocked here.
func TestUnblockPINNotForOtherKeys(t *testing.T) {
	if err := keys.NewBackends().UnblockPIN("file:alice.key", &answers{}); !errors.Is(err, keys.ErrNoUnblock) {
		t.Errorf("a key file: %v, want ErrNoUnblock", err)
	}
}
