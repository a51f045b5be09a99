package p11_test

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Devices lists the token and its keys, each with a URI that opens it.
func TestDevicesListsKeysWithWorkingURIs(t *testing.T) {
	tok := emptyToken(t, "devices")
	generate(t, tok, tok.URIWith("object=root%20key;id=%c0%ff%ee"), keys.TypeEd25519)
	generate(t, tok, tok.URI("targets"), keys.TypeECDSAP256)
	generate(t, tok, tok.URI("p384"), keys.TypeECDSAP384)

	devs, err := p11.Devices([]string{tok.Module})
	if err != nil {
		t.Fatal(err)
	}
	d := find(t, devs, tok.Serial)
	if d.Label != "devices" || d.Manufacturer != "SoftHSM project" || d.Model != "SoftHSM v2" || d.Module != tok.Module || d.Status() != "ok" || d.Err != nil {
		t.Errorf("token %+v", d)
	}
	var got []string
	for _, k := range d.Keys {
		got = append(got, k.Label+"/"+k.Type)
	}
	if want := "p384/ecdsa-p384 root key/ed25519 targets/ecdsa-p256"; strings.Join(got, " ") != want {
		t.Errorf("keys %q, want %q", got, want)
	}
	for _, k := range d.Keys {
		if k.Label == "root key" && k.ID != "c0ffee" {
			t.Errorf("id %q, want c0ffee", k.ID)
		}
		if !strings.Contains(k.URI, "serial="+tok.Serial) || !strings.Contains(k.URI, "token=devices") || !strings.Contains(k.URI, "type=private") {
			t.Errorf("URI %s does not name the token by label and serial", k.URI)
		}
		pub, err := backends.PublicKey(k.URI)
		if err != nil || !keys.SameKey(pub, k.TUFKey) {
			t.Errorf("PublicKey(%s): %v", k.URI, err)
		}
		s := open(t, tok, k.URI)
		if _, err := keys.SignMessage(s, []byte("from devices")); err != nil {
			t.Error(err)
		}
		if _, err := backends.Open(withPINSource(t, tok, k.URI), nil); err != nil {
			t.Errorf("with pin-source: %v", err)
		}
		t.Log(k.URI)
	}

	// Only initialized tokens are listed (SoftHSM2 always has a free slot).
	for _, d := range devs {
		if d.Label == "" {
			t.Errorf("listed an uninitialized token: %+v", d)
		}
	}
}

func TestDevicesModuleErrors(t *testing.T) {
	tok := emptyToken(t, "devices")
	devs, err := p11.Devices([]string{tok.Module, "/nonexistent/pkcs11.so"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/pkcs11.so") {
		t.Errorf("a missing module: %v", err)
	}
	if len(devs) == 0 {
		t.Errorf("the tokens of the module that loaded are not returned with the error")
	}
}

// SoftHSM2 is installed here, so the well-known paths find it.
func TestWellKnownModules(t *testing.T) {
	tok := emptyToken(t, "devices")
	mods := p11.WellKnownModules()
	found := false
	for _, m := range mods {
		if m == tok.Module {
			found = true
		}
	}
	if !found {
		t.Errorf("WellKnownModules() = %q, without %s", mods, tok.Module)
	}
	devs, err := p11.Devices(nil)
	if err != nil {
		t.Logf("Devices(nil): %v", err) // other modules may fail to load here
	}
	find(t, devs, tok.Serial)
}
