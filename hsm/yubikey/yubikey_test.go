package yubikey_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// backends open the keys of these tests.
var backends = keys.NewBackends(yubikey.Backend{})

// The tests below drive virtual YubiKeys through the real pcscd and the
// real piv-go; they run one after another, as a keyholder's devices would.
func TestMain(m *testing.M) {
	pcsctest.Main(m)
}

const newPIN = "246810"

// prompter answers PIN requests with pin and records every call.
type prompter struct {
	pin     string
	asked   []keys.SecretRequest
	notices []string
}

func (p *prompter) Secret(req keys.SecretRequest) ([]byte, error) {
	p.asked = append(p.asked, req)
	return []byte(p.pin), nil
}
func (p *prompter) Notify(m string) { p.notices = append(p.notices, m) }

func secretFile(t *testing.T, name, value string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// device is a virtual YubiKey in reader 0, prepared the way a keyholder
// prepares one: new PIN and management key, then a key in slot 9c.
type device struct {
	card *vyubikey.Card
	ca   *vyubikey.CA
	uri  string // the key's URI, without secrets
	key  *keys.URI
}

func newDevice(t *testing.T, env *pcsctest.Env, kt keys.KeyType, version [3]byte) *device {
	t.Helper()
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	card, err := vyubikey.New(vyubikey.Options{Attestation: ca, Version: version})
	if err != nil {
		t.Fatal(err)
	}
	env.Insert(t, card, 0)
	d := &device{card: card, ca: ca, uri: fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial())}
	if kt != "" {
		if _, err := backends.Generate(d.keygenURI(t), kt, nil); err != nil {
			t.Fatalf("keygen on the virtual YubiKey: %v", err)
		}
	}
	return d
}

func (d *device) keygenURI(t *testing.T) string {
	return d.uri + "?management-key-source=" + secretFile(t, "mk", hex.EncodeToString(piv.DefaultManagementKey)) +
		"&new-management-key-source=" + secretFile(t, "nmk", strings.Repeat("ab", 24)) +
		"&pin-source=" + secretFile(t, "pin", piv.DefaultPIN) +
		"&new-pin-source=" + secretFile(t, "newpin", newPIN) +
		"&puk-source=" + secretFile(t, "puk", piv.DefaultPUK) +
		"&new-puk-source=" + secretFile(t, "newpuk", "97531864")
}

func retries(t *testing.T, serial uint32) int {
	t.Helper()
	devs, err := yubikey.List()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, d := range devs {
			d.Close()
		}
	}()
	for _, d := range devs {
		if d.Serial == serial {
			info, err := yubikey.Describe(d)
			if err != nil {
				t.Fatal(err)
			}
			return info.PINTries
		}
	}
	t.Fatalf("YubiKey %d not listed", serial)
	return 0
}

func TestKeygenAndSignEachType(t *testing.T) {
	env := pcsctest.Start(t)
	for _, kt := range []keys.KeyType{keys.TypeECDSAP256, keys.TypeECDSAP384, keys.TypeEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			d := newDevice(t, env, kt, [3]byte{})
			pub, err := backends.PublicKey(d.uri)
			if err != nil {
				t.Fatal(err)
			}
			p := &prompter{pin: newPIN}
			s, err := backends.Open(d.uri, p)
			if err != nil {
				t.Fatal(err)
			}
			defer s.(keys.Closer).Close()
			if !keys.SameKey(s.TUFKey(), pub) {
				t.Fatal("the opened key is not the key PublicKey read")
			}
			msg := []byte("canonical bytes of some metadata")
			sig, err := keys.SignMessage(s, msg) // verifies against the TUF key
			if err != nil {
				t.Fatalf("signing on the card: %v", err)
			}
			if err := keys.Verify(pub, msg, sig); err != nil {
				t.Fatal(err)
			}
			if len(p.asked) != 1 || p.asked[0].Kind != keys.PIN || p.asked[0].TriesLeft != 3 {
				t.Errorf("PIN requests %+v, want one PIN request showing 3 tries left", p.asked)
			}
			if d.card.Touches() != 1 || len(p.notices) != 1 || !strings.Contains(p.notices[0], "touch YubiKey") {
				t.Errorf("touches %d, notices %q: want one touch, announced", d.card.Touches(), p.notices)
			}
		})
	}
}

func TestKeygenRefusals(t *testing.T) {
	env := pcsctest.Start(t)
	t.Run("factory management key", func(t *testing.T) {
		d := newDevice(t, env, "", [3]byte{})
		uri := d.uri + "?management-key-source=" + secretFile(t, "mk", hex.EncodeToString(piv.DefaultManagementKey))
		_, err := backends.Generate(uri, keys.TypeECDSAP256, nil)
		if !errors.Is(err, yubikey.ErrFactoryManagementKey) {
			t.Fatalf("got %v, want ErrFactoryManagementKey", err)
		}
	})
	t.Run("slot already holds a key", func(t *testing.T) {
		d := newDevice(t, env, keys.TypeECDSAP256, [3]byte{})
		before, err := backends.PublicKey(d.uri)
		if err != nil {
			t.Fatal(err)
		}
		uri := d.uri + "?management-key-source=" + secretFile(t, "mk", strings.Repeat("ab", 24))
		if _, err := backends.Generate(uri, keys.TypeECDSAP256, nil); err == nil || !strings.Contains(err.Error(), "already holds a key") {
			t.Fatalf("got %v, want a refusal", err)
		}
		after, err := backends.PublicKey(d.uri)
		if err != nil || !keys.SameKey(before, after) {
			t.Fatalf("the slot's key changed: %v", err)
		}
	})
	t.Run("Ed25519 before firmware 5.7", func(t *testing.T) {
		d := newDevice(t, env, "", [3]byte{5, 4, 3})
		_, err := backends.Generate(d.keygenURI(t), keys.TypeEd25519, nil)
		if err == nil || !strings.Contains(err.Error(), "needs 5.7") {
			t.Fatalf("got %v, want a refusal naming firmware 5.7", err)
		}
	})
}

func TestPINHandling(t *testing.T) {
	env := pcsctest.Start(t)
	d := newDevice(t, env, keys.TypeECDSAP256, [3]byte{})
	msg := []byte("metadata")
	sign := func(pin string) (*prompter, error) {
		p := &prompter{pin: pin}
		s, err := backends.Open(d.uri, p)
		if err != nil {
			return p, err
		}
		defer s.(keys.Closer).Close()
		_, err = keys.SignMessage(s, msg)
		return p, err
	}

	p, err := sign("111111")
	if err == nil || !strings.Contains(err.Error(), "2 tries left") {
		t.Fatalf("wrong PIN: got %v, want the tries left", err)
	}
	if strings.Contains(err.Error(), "111111") {
		t.Error("the error shows the PIN")
	}
	if len(p.asked) != 1 {
		t.Errorf("asked %d times, want once: a wrong PIN is never retried", len(p.asked))
	}
	if got := retries(t, d.card.Serial()); got != 2 {
		t.Errorf("card says %d tries left, want 2", got)
	}

	// The factory PIN is refused without being sent: no try is spent.
	if _, err := sign(piv.DefaultPIN); !errors.Is(err, yubikey.ErrFactoryPIN) {
		t.Fatalf("factory PIN: got %v", err)
	}
	if got := retries(t, d.card.Serial()); got != 2 {
		t.Errorf("after the factory PIN the card has %d tries, want still 2", got)
	}

	// The right PIN resets the counter; then block it.
	if _, err := sign(newPIN); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sign("222222")
	}
	p, err = sign(newPIN)
	if !errors.Is(err, yubikey.ErrPINBlocked) {
		t.Fatalf("blocked PIN: got %v, want ErrPINBlocked", err)
	}
	if len(p.asked) != 0 {
		t.Errorf("a blocked PIN was asked for %d times, want 0", len(p.asked))
	}
}

func TestWrongDeviceAndRemoval(t *testing.T) {
	env := pcsctest.Start(t)
	d := newDevice(t, env, keys.TypeECDSAP256, [3]byte{})

	_, err := backends.Open("yubikey:serial=12345678;slot-id=9c", &prompter{pin: newPIN})
	if !errors.Is(err, yubikey.ErrNotPresent) || !strings.Contains(err.Error(), fmt.Sprintf("connected instead: serial %d", d.card.Serial())) {
		t.Fatalf("wrong device: got %v, want it named", err)
	}

	p := &prompter{pin: newPIN}
	s, err := backends.Open(d.uri, p)
	if err != nil {
		t.Fatal(err)
	}
	defer s.(keys.Closer).Close()
	env.Remove(t, env.Reader(0))
	sum := sha256.Sum256([]byte("x"))
	if _, err := keys.SignMessage(s, sum[:]); err == nil {
		t.Fatal("signing with the device pulled out succeeded")
	}
}

func TestAttestationFromTheDevice(t *testing.T) {
	env := pcsctest.Start(t)
	d := newDevice(t, env, keys.TypeECDSAP384, [3]byte{})
	pub, err := backends.PublicKey(d.uri)
	if err != nil {
		t.Fatal(err)
	}
	slot, device, err := yubikey.Attestation(d.uri)
	if err != nil {
		t.Fatal(err)
	}
	got, err := attestation.VerifyYubiKey(slot, device, d.ca.Pool(), attestation.Expectation{Key: pub, Serial: d.card.Serial(), PINAlways: true, TouchAlways: true})
	if err != nil {
		t.Fatalf("the device's own attestation was refused: %v", err)
	}
	if got.Serial != d.card.Serial() || got.Firmware != "5.7.1" {
		t.Errorf("attested %+v", got)
	}
	// Yubico's roots do not vouch for a virtual card (nor a counterfeit).
	if _, err := attestation.VerifyYubiKey(slot, device, nil, attestation.Expectation{Key: pub}); err == nil {
		t.Error("Yubico's roots accepted a virtual card's attestation")
	}
}

// A device on any factory credential is refused before a PIN is asked, and
// `devices` can say so: GET METADATA is read with raw APDUs, since piv-go
// does not read the "default value" flags.
func TestFactoryCredentialsRefused(t *testing.T) {
	env := pcsctest.Start(t)
	newDevice(t, env, keys.TypeECDSAP256, [3]byte{})
	devs, err := yubikey.List()
	if err != nil {
		t.Fatal(err)
	}
	for _, dev := range devs {
		if !dev.Factory.Known || len(dev.Factory.Names()) != 0 {
			t.Errorf("prepared device: factory %+v, want known and none", dev.Factory)
		}
		dev.Close()
	}

	// A device whose PIN and management key were changed, but not its PUK.
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	card, err := vyubikey.New(vyubikey.Options{Attestation: ca, PIN: newPIN, ManagementKey: []byte(strings.Repeat("k", 24))})
	if err != nil {
		t.Fatal(err)
	}
	env.Remove(t, env.Reader(0))
	env.Insert(t, card, 0)
	devs, err = yubikey.List()
	if err != nil || len(devs) != 1 {
		t.Fatalf("list: %v (%d devices)", err, len(devs))
	}
	if got := devs[0].Factory.Names(); len(got) != 1 || got[0] != "PUK" {
		t.Errorf("factory credentials %v, want [PUK]", got)
	}
	devs[0].Close()
	p := &prompter{pin: newPIN}
	_, err = backends.Open(fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial()), p)
	if !errors.Is(err, yubikey.ErrFactoryCredentials) || !strings.Contains(err.Error(), "factory PUK") {
		t.Fatalf("got %v, want ErrFactoryCredentials naming the PUK", err)
	}
	if len(p.asked) != 0 {
		t.Errorf("a PIN was asked %d times for a device that is refused", len(p.asked))
	}
}
