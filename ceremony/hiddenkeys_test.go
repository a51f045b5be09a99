package ceremony_test

import (
	"os"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/internal/testutil/hiddenkeys"
	"github.com/tuf-ceremony/ceremony/keys"
)

// A key on a device that shows its keys only after login signs by its URI:
// the key the workspace names by that URI (with a pin-source or not)
// stands in until the device is open, and a device that then holds
// another key signs nothing.
func TestSignOnADeviceThatShowsKeysAfterLogin(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	uri := "pkcs11:token=YubiHSM;serial=13200460;object=alice?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"
	planPath := planWithURI(t, f, uri, "alice")
	wrong := kinds.Engine(keys.NewBackends(hiddenkeys.Backend{Holds: f.Signers["bob"]}))
	if _, err := bootstrap.Init(wrong, bootstrap.Options{Plan: planPath, Dir: f.WS("ws"), Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	before := ceremonytest.SnapshotFiles(t, f.WS("ws")+"/metadata")
	_, err := wrong.Sign(ceremony.SignOptions{Dir: f.WS("ws"), KeyURI: uri, Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "is not the key it named before opening") {
		t.Fatalf("a device holding bob's key signed for alice: %v", err)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, f.WS("ws")+"/metadata"))

	right := kinds.Engine(keys.NewBackends(hiddenkeys.Backend{Holds: f.Signers["alice"]}))
	pin := f.Dir + "/pin"
	if err := os.WriteFile(pin, []byte("0001s3cr3tPass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := right.Sign(ceremony.SignOptions{Dir: f.WS("ws"), KeyURI: uri + "&pin-source=" + pin, Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := signedRoles(res); strings.Join(got, ",") != "root,targets" {
		t.Errorf("alice signed %v, want root and targets", got)
	}
	// The review the app shows before the PIN names alice's key.
	rv, err := right.Review(f.WS("ws"), uri, ceremonytest.Now)
	if err != nil || rv.Key == nil || rv.Key.Holder != "alice" {
		t.Fatalf("review by the device's URI: %+v, %v", rv, err)
	}
	// bob and carol sign root, alice and bob targets: then the seal, by
	// the device's URI, with the device's key checked once open.
	f.Sign(f.WS("ws"), "bob", "carol")
	d, err := right.BeginSeal(f.WS("ws"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrong.SignSeal(d, uri, nil); err == nil || !strings.Contains(err.Error(), "is not the key it named before opening") {
		t.Errorf("a device holding bob's key sealed for alice: %v", err)
	}
	if sig, err := right.SignSeal(d, uri, nil); err != nil || sig.KeyID != f.ID("alice") {
		t.Errorf("the seal by the device's URI: %+v, %v", sig, err)
	}
	// A URI the workspace does not know is refused, naming why.
	_, err = right.Sign(ceremony.SignOptions{Dir: f.WS("ws"), KeyURI: strings.Replace(uri, "object=alice", "object=mallory", 1), Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "shows its keys only after login, and workspace") {
		t.Errorf("an unknown URI: %v", err)
	}
}

// Two keys of a workspace named by one URI (two YubiHSM 2 devices, both
// labelled YubiHSM, named without serial=): refused before any PIN, for
// the device that opens cannot be told whose it is.
func TestOneURIForTwoHiddenKeys(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	uri := "pkcs11:token=YubiHSM;object=tuf-root?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"
	planPath := planWithURI(t, f, uri, "alice", "bob")
	eng := kinds.Engine(keys.NewBackends(hiddenkeys.Backend{Holds: f.Signers["alice"]}))
	_, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: f.WS("ws"), Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "the same key URI") {
		t.Fatalf("a plan naming two keys by one URI: %v", err)
	}
}

// planWithURI writes the standard plan with uri as the key URI of each of
// names, beside their public keys.
func planWithURI(t *testing.T, f *ceremonytest.Fixture, uri string, names ...string) string {
	t.Helper()
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	text, err := os.ReadFile(planPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		text = []byte(strings.Replace(string(text), "public_key: keys/"+name+".pub", `key: "`+uri+`", public_key: keys/`+name+`.pub`, 1))
	}
	if err := os.WriteFile(planPath, text, 0o644); err != nil {
		t.Fatal(err)
	}
	return planPath
}
