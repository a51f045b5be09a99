package claims

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-piv/piv-go/v2/piv"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
)

// backends open the keys of these tests.
var backends = keys.NewBackends(yubikey.Backend{})

// The YubiKey tests run virtual YubiKeys behind a private pcscd.
func TestMain(m *testing.M) {
	pcsctest.Main(m)
}

const maintainerPIN = "246810"

// maintainerYubiKey prepares a virtual YubiKey as a maintainer would with
// 'ceremony keygen': new PIN, PUK and management key, a key made in slot
// 9c. It returns the URI to sign with (PIN from a file) and the card.
func maintainerYubiKey(t *testing.T, env *pcsctest.Env, ca *vyubikey.CA, kt keys.KeyType) (string, *vyubikey.Card) {
	t.Helper()
	card, err := vyubikey.New(vyubikey.Options{Attestation: ca})
	if err != nil {
		t.Fatal(err)
	}
	env.InsertAny(t, card)
	dir := t.TempDir()
	secret := func(name, v string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(v+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	uri := fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial())
	keygen := uri + "?management-key-source=" + secret("mk", hex.EncodeToString(piv.DefaultManagementKey)) +
		"&new-management-key-source=" + secret("nmk", strings.Repeat("5a", 24)) +
		"&pin-source=" + secret("factorypin", piv.DefaultPIN) + "&new-pin-source=" + secret("pin", maintainerPIN) +
		"&puk-source=" + secret("factorypuk", piv.DefaultPUK) + "&new-puk-source=" + secret("puk", "97531864")
	if _, err := backends.Generate(keygen, kt, nil); err != nil {
		t.Fatalf("keygen on YubiKey %d: %v", card.Serial(), err)
	}
	return uri + "?pin-source=" + filepath.Join(dir, "pin"), card
}

// TestYubiKeyClaim: a maintainer with a (virtual) YubiKey behind a real
// pcscd makes a claim request with the device's attestation; the review
// accepts it with the attestation roots, and refuses it when the
// attestation is for another key, names another device, or does not chain
// to the roots the administrators trust.
func TestYubiKeyClaim(t *testing.T) {
	env := pcsctest.Start(t)
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	uri, card := maintainerYubiKey(t, env, ca, keys.TypeECDSAP256)
	otherURI, otherCard := maintainerYubiKey(t, env, ca, keys.TypeECDSAP384)

	id, att, err := ReadAttestation(backends, uri)
	if err != nil {
		t.Fatal(err)
	}
	if att == nil || att.Serial != card.Serial() {
		t.Fatalf("attestation %+v, want one from YubiKey %d", att, card.Serial())
	}
	if fid, fatt, err := ReadAttestation(backends, "file:keys/x.key"); fid != "" || fatt != nil || err != nil {
		t.Errorf("a file key has an attestation: %q %v %v", fid, fatt, err)
	}
	s, err := backends.Open(uri, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.(keys.Closer).Close()
	if keyID(t, s) != id {
		t.Fatalf("the attestation is for key %s, the slot holds %s", id, keyID(t, s))
	}
	touches := card.Touches()
	data, err := MakeRequest("yubi-project", []keys.Signer{s}, 1, testNow, map[string]Attestation{id: *att})
	if err != nil {
		t.Fatal(err)
	}
	if card.Touches() != touches+1 {
		t.Errorf("the YubiKey was touched %d times for the request, want 1 (the key signed on the device)", card.Touches()-touches)
	}

	dir := t.TempDir()
	writeFile(t, dir, "yubi-project.claim.json", data)
	trusted := Options{Now: testNow, Roots: ca.Pool(), RequireAttestation: true}
	rep, err := reviewBoth(t, dir, nil, trusted)
	if err != nil {
		t.Fatal(err)
	}
	v := rep.Verdicts[0]
	if v.Outcome() != ChangeAdd {
		t.Fatalf("review: %s (%s)", v.Outcome(), v.Reason)
	}
	a := v.Claim.Attested[id]
	if a == nil || a.Serial != card.Serial() || a.Slot != "9c" || a.PINPolicy != "always" || a.TouchPolicy != "always" {
		t.Errorf("attested %+v, want YubiKey %d slot 9c, PIN and touch always", a, card.Serial())
	}
	for _, f := range v.Flags {
		if strings.Contains(f, "attestation") {
			t.Errorf("an attested key is flagged: %q", f)
		}
	}
	if acc := rep.Accepted(); len(acc) != 1 || acc[0].Project != "yubi-project" {
		t.Errorf("accepted %v", acc)
	}

	refuse := func(name string, data []byte, opts Options, want string) {
		t.Helper()
		_, err := Verify(data, name, opts)
		if !errors.Is(err, ErrAttestation) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want an attestation refusal saying %q", name, err, want)
		}
		d := t.TempDir()
		writeFile(t, d, name, data)
		rep, err := reviewBoth(t, d, nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		if v := rep.Verdicts[0]; v.Outcome() != Refused || !strings.Contains(v.Reason, want) {
			t.Errorf("review of %s: %s %q", name, v.Outcome(), v.Reason)
		}
	}

	// The attestation of the other YubiKey's key, under this key's ID.
	_, otherAtt, err := ReadAttestation(backends, otherURI)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := decodeRequest(t, data)
	req.Attestations = map[string]Attestation{id: *otherAtt}
	refuse("swapped.json", encodeRequest(t, req), trusted, "the attested key is not the key "+id[:12])
	// Right certificates, but the file names another device.
	req.Attestations = map[string]Attestation{id: {Serial: otherCard.Serial(), SlotCertificate: att.SlotCertificate, DeviceCertificate: att.DeviceCertificate}}
	refuse("serial.json", encodeRequest(t, req), trusted, fmt.Sprintf("attestation is for YubiKey %d, want %d", card.Serial(), otherCard.Serial()))
	// The slot certificate with the other device's certificate.
	req.Attestations = map[string]Attestation{id: {Serial: card.Serial(), SlotCertificate: att.SlotCertificate, DeviceCertificate: otherAtt.DeviceCertificate}}
	refuse("device.json", encodeRequest(t, req), trusted, "not signed by the device certificate")
	// Yubico's roots (the default) do not vouch for a virtual YubiKey.
	refuse("yubico.json", data, Options{Now: testNow}, "not chained to Yubico's PIV attestation root")
	// Nor does the CA of another batch of virtual cards.
	otherCA, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	refuse("otherca.json", data, Options{Now: testNow, Roots: otherCA.Pool()}, "not chained")
}
