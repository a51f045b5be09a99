package vyubikey_test

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// memory keeps what a card's Saved hook was last given.
type memory struct {
	mu    sync.Mutex
	last  []byte
	saves int
}

func (m *memory) save(b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last, m.saves = b, m.saves+1
	return nil
}

func (m *memory) get() ([]byte, int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last, m.saves
}

// A card restored from what its Saved hook last got is the same card: the
// same keys and attestation, PIN and tries left. This is what lets a
// rehearsal stopped halfway carry on.
func TestRestoreFromSaved(t *testing.T) {
	var mem memory
	card, yk, in := open(t, vyubikey.Options{Serial: 12345678, PIN: "246810", Saved: mem.save})
	pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEd25519, PINPolicy: piv.PINPolicyAlways, TouchPolicy: piv.TouchPolicyNever,
	})
	if err != nil {
		t.Fatal(err)
	}
	authErr(t, yk.VerifyPIN("000000"), 2)
	saved, saves := mem.get()
	if saves < 2 {
		t.Fatalf("Saved called %d times after a keygen and a wrong PIN, want at least 2", saves)
	}
	var fields map[string]any
	if err := json.Unmarshal(saved, &fields); err != nil || fields["pin_left"] != 2.0 {
		t.Fatalf("saved memory: pin_left %v (%v), want 2", fields["pin_left"], err)
	}
	device, err := yk.AttestationCertificate()
	if err != nil {
		t.Fatal(err)
	}
	yk.Close()
	in.env.Remove(t, in.reader)
	card.Close()

	again, err := vyubikey.Restore(saved, vyubikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { again.Close() })
	yk, err = piv.Open(in.env.InsertAny(t, again))
	if err != nil {
		t.Fatal(err)
	}
	defer yk.Close()
	if s, err := yk.Serial(); err != nil || s != 12345678 {
		t.Fatalf("serial after restore: %d, %v", s, err)
	}
	retries(t, yk, 2)
	restoredCert, err := yk.Attest(piv.SlotSignature)
	if err != nil || !pubEqual(restoredCert.PublicKey, pub) {
		t.Fatalf("attested key after restore: %v", err)
	}
	if err := restoredCert.CheckSignatureFrom(device); err != nil {
		t.Fatalf("the restored card's attestation is not signed by its device certificate from before: %v", err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{PIN: "246810"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := priv.(crypto.Signer).Sign(rand.Reader, []byte("m"), crypto.Hash(0)); err != nil {
		t.Fatalf("signature with the restored card: %v", err)
	}
}

func TestRestoreRefusesWhatIsNotACard(t *testing.T) {
	for name, in := range map[string]string{
		"not json":    "yubikey",
		"format":      `{"format":"vyubikey/9"}`,
		"unknown key": `{"format":"vyubikey/1","extra":1}`,
		"no serial":   `{"format":"vyubikey/1"}`,
	} {
		if _, err := vyubikey.Restore([]byte(in), vyubikey.Options{}); err == nil {
			t.Errorf("%s: Restore succeeded", name)
		} else if strings.Contains(err.Error(), "panic") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// Options.Touch holds a signature until the touch comes.
func TestTouchWaitsForTheTouch(t *testing.T) {
	touched := make(chan struct{})
	asked := make(chan struct{}, 1)
	card, yk, _ := open(t, vyubikey.Options{Touch: func(stop <-chan struct{}) bool {
		asked <- struct{}{}
		select {
		case <-touched:
			return true
		case <-stop:
			return false
		}
	}})
	pub, err := yk.GenerateKey(piv.DefaultManagementKey, piv.SlotSignature, piv.Key{
		Algorithm: piv.AlgorithmEC256, PINPolicy: piv.PINPolicyNever, TouchPolicy: piv.TouchPolicyAlways,
	})
	if err != nil {
		t.Fatal(err)
	}
	priv, err := yk.PrivateKey(piv.SlotSignature, pub, piv.KeyAuth{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		digest := sha256.Sum256([]byte("x"))
		_, err := priv.(crypto.Signer).Sign(rand.Reader, digest[:], crypto.SHA256)
		done <- err
	}()
	<-asked
	select {
	case err := <-done:
		t.Fatalf("signature returned before the touch: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(touched)
	if err := <-done; err != nil {
		t.Fatalf("signature after the touch: %v", err)
	}
	if card.Touches() != 1 {
		t.Errorf("Touches() = %d, want 1", card.Touches())
	}
}

// A saved card whose parts do not fit together is refused, naming the
// part: a key under another algorithm, another card's certificate, a
// policy that is none, more after the JSON.
func TestRestoreRefusesPartsThatDoNotFit(t *testing.T) {
	card, err := vyubikey.New(vyubikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := vyubikey.New(vyubikey.Options{})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := card.Save()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vyubikey.Restore(saved, vyubikey.Options{}); err != nil {
		t.Fatalf("a card's own memory: %v", err)
	}
	otherSaved, err := other.Save()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(saved, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var otherM map[string]any
	json.Unmarshal(otherSaved, &otherM)
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"algorithm": {edit(func(m map[string]any) { m["keys"].([]any)[0].(map[string]any)["algorithm"] = 0xe0 }), "algorithm e0"},
		"policy":    {edit(func(m map[string]any) { m["keys"].([]any)[0].(map[string]any)["pin_policy"] = 9 }), "pin_policy 9"},
		"slot": {edit(func(m map[string]any) {
			k := map[string]any{}
			for key, v := range m["keys"].([]any)[0].(map[string]any) {
				k[key] = v
			}
			k["slot"] = 0x10
			m["keys"] = append(m["keys"].([]any), k)
		}), "slot 10: not a PIV key slot"},
		"certificate": {edit(func(m map[string]any) { m["attestation_certificate"] = otherM["attestation_certificate"] }),
			"not the certificate of the key in slot f9"},
		"trailing": {append(append([]byte{}, saved...), []byte(`{}`)...), "more follows"},
	} {
		if _, err := vyubikey.Restore(c.b, vyubikey.Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
