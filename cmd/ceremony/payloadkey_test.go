package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/hiddenkeys"
	"github.com/tuf-ceremony/ceremony/keys"
)

// A payload is signed on a device that shows its keys only after the PIN
// when its public key is given: who may sign is checked on that key, and
// the device's key must be it once open.
func TestPayloadKeyOfAHidingDevice(t *testing.T) {
	mine, err := keys.GenerateSoftware("memory:mine", keys.TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	other, err := keys.GenerateSoftware("memory:other", keys.TypeECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	pubFile := filepath.Join(t.TempDir(), "mine.pub")
	b, err := keys.MarshalKeyJSON(mine.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pubFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	uri := "pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"
	env := &runEnv{keys: keys.NewBackends(hiddenkeys.Backend{Holds: mine})}
	if _, err := payloadKey(env, uri, ""); !errors.Is(err, keys.ErrKeysAfterLogin) || !strings.Contains(err.Error(), "--public-key") {
		t.Errorf("no --public-key: %v", err)
	}
	pub, err := payloadKey(env, uri, pubFile)
	if err != nil || !keys.SameKey(pub, mine.TUFKey()) {
		t.Fatalf("with --public-key: %v", err)
	}
	if s, closeKey, err := openSameKey(env, uri, pub); err != nil || !keys.SameKey(s.TUFKey(), pub) {
		t.Errorf("the device holding the key: %v", err)
	} else {
		closeKey()
	}
	wrong := &runEnv{keys: keys.NewBackends(hiddenkeys.Backend{Holds: other})}
	if _, _, err := openSameKey(wrong, uri, pub); err == nil || !strings.Contains(err.Error(), "is not the key it named before opening") {
		t.Errorf("a device holding another key: %v", err)
	}
}
