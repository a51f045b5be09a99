package transcripts_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// TestForbiddenSecretIsRefusedAndNothingWritten: a secret in a name, a
// hex field or the signature's role, or a PEM private key, is a bug: the
// record is refused and nothing is written.
func TestForbiddenSecretIsRefusedAndNothingWritten(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	pin := []byte("483920")
	pass := []byte("correct horse \"battery\" staple")
	for _, s := range [][]byte{pin, pass} {
		if err := tr.ForbidSecret(s); err != nil {
			t.Fatal(err)
		}
	}
	sample(t, tr, 0)
	before := readFile(t, transcriptPath(dir))
	head := tr.Head()

	sum := sha256.Sum256(pin)
	pinHash := hex.EncodeToString(sum[:])
	pinHex := hex.EncodeToString(pin)
	h := strings.Repeat("0", 64)
	for name, r := range map[string]transcripts.Record{
		"PIN as an input name":      {Kind: transcripts.Note, Inputs: map[string]string{"pin=483920": h}},
		"PIN's hash as an input":    {Kind: transcripts.Note, Inputs: map[string]string{"pin": pinHash}},
		"PIN as an input":           {Kind: transcripts.Note, Inputs: map[string]string{"pin": "483920"}},
		"PIN in hex as the sig":     {Kind: transcripts.Sign, Signature: &transcripts.Signature{Role: "root", KeyID: "k", Sig: pinHex}},
		"PIN as the key ID":         {Kind: transcripts.Sign, Signature: &transcripts.Signature{Role: "root", KeyID: "483920", Sig: "00"}},
		"PIN in the signature role": {Kind: transcripts.Sign, Signature: &transcripts.Signature{Role: "r483920", KeyID: "k", Sig: "00"}},
		"PEM private key":           {Kind: transcripts.Error, Message: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE...\n-----END EC PRIVATE KEY-----"},
	} {
		_, err := tr.Append(r)
		if !errors.Is(err, transcripts.ErrSecret) {
			t.Errorf("%s: Append: %v, want ErrSecret", name, err)
			continue
		}
		if strings.Contains(err.Error(), "483920") || strings.Contains(err.Error(), "horse") || strings.Contains(err.Error(), pinHex) {
			t.Errorf("%s: the error quotes the secret: %v", name, err)
		}
	}
	if got := readFile(t, transcriptPath(dir)); !bytes.Equal(got, before) {
		t.Fatal("a refused record was written")
	}
	if len(tr.Records()) != 1 || tr.Head() != head {
		t.Fatal("a refused record changed the transcript's records or head")
	}
	if r := appendRec(t, tr, transcripts.Record{Kind: transcripts.Note, Message: "PIN accepted; 3 tries left"}); r.Seq != 2 || r.Prev != head {
		t.Errorf("record after the refusals: seq %d prev %s", r.Seq, r.Prev)
	}
}

func TestPutStateRefusesPrivateKey(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	_, err := tr.PutState([]byte(`{"signed":{"keys":{"k":{"keyval":{"private":"-----BEGIN PRIVATE KEY-----\nMC4CAQAw\n-----END PRIVATE KEY-----"}}}}}`))
	if !errors.Is(err, transcripts.ErrSecret) {
		t.Fatalf("PutState: %v, want ErrSecret", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, transcripts.StatesDir)); len(entries) != 0 {
		t.Errorf("states/ holds %d files", len(entries))
	}
	if _, err := tr.PutState([]byte(`{"signed":{"keys":{"k":{"keyval":{"public":"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----"}}}}}`)); err != nil {
		t.Errorf("PutState of a public key: %v", err)
	}
}

// Hex fields are compared whole, not searched: a short PIN's digits turn
// up in hashes, and in the date.
func TestShortPINInHashesIsNoSecret(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	tr.SetClock(func() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC) })
	if err := tr.ForbidSecret([]byte("2026")); err != nil {
		t.Fatal(err)
	}
	h := strings.Repeat("2026", 16)
	appendRec(t, tr, transcripts.Record{
		Kind:      transcripts.Sign,
		Inputs:    map[string]string{"root": h},
		Signature: &transcripts.Signature{Role: "root", KeyID: h, Sig: "30450220" + h},
	})
	r, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Message: "signed in 2026"})
	if err != nil || r.Message != "signed in "+transcripts.RedactedMark || !slices.Equal(r.Redacted, []string{"message"}) {
		t.Errorf("free text holding the PIN: %+v, %v; want it redacted", r, err)
	}
}

// The guard keeps no copy of the secret, and Close wipes what it keeps.
func TestGuardKeepsNoCopy(t *testing.T) {
	tr := create(t, t.TempDir())
	secret := []byte("a passphrase of some length")
	if err := tr.ForbidSecret(secret); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(secret, []byte("a passphrase of some length")) {
		t.Error("ForbidSecret changed the caller's secret")
	}
	for _, form := range [][]byte{secret, []byte(hex.EncodeToString(secret)), secret[:8]} {
		if transcripts.GuardHolds(tr, form) {
			t.Errorf("the guard holds %q", form)
		}
	}
	tr.Close()
	if !transcripts.GuardWiped(tr) {
		t.Error("Close left the guard's key or digests")
	}
}

// TestSecretInFreeTextIsRedacted: a failure's message may quote what was
// typed (a PIN typed as "wrong" is inside "wrong PIN"); the record is
// written with the secret, in every form, replaced, and says which fields
// were redacted.
func TestSecretInFreeTextIsRedacted(t *testing.T) {
	dir := t.TempDir()
	tr := create(t, dir)
	defer tr.Close()
	for _, s := range []string{"483920", "correct horse \"battery\" staple", "wrong"} {
		if err := tr.ForbidSecret([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte("483920"))
	pinHash := hex.EncodeToString(sum[:])
	pinHex := hex.EncodeToString([]byte("483920"))
	device := &transcripts.Device{Kind: transcripts.DevicePKCS11, Serial: "x483920", Model: "SoftHSM"}
	for _, c := range []struct {
		name string
		rec  transcripts.Record
		want []string
	}{
		{"PIN in an error message", transcripts.Record{Kind: transcripts.Error, Message: "C_Login failed with PIN 483920: CKR_PIN_INCORRECT"}, []string{"message"}},
		{"a PIN typed as wrong", transcripts.Record{Kind: transcripts.Error, Message: "wrong PIN for token t (2 tries left)"}, []string{"message"}},
		{"passphrase in a note", transcripts.Record{Kind: transcripts.Note, Message: "passphrase was correct horse \"battery\" staple!"}, []string{"message"}},
		{"PIN as who, in device serial", transcripts.Record{Kind: transcripts.Error, Who: "483920", Device: device, Message: "failed"}, []string{"device.serial", "who"}},
		{"PIN in hex and HEX, and its hash", transcripts.Record{Kind: transcripts.Error, Message: "apdu 0020008008" + pinHex + "ffff " + strings.ToUpper(pinHex) + " " + pinHash}, []string{"message"}},
	} {
		r, err := tr.Append(c.rec)
		if err != nil {
			t.Errorf("%s: Append: %v, want the record kept", c.name, err)
			continue
		}
		if !slices.Equal(r.Redacted, c.want) {
			t.Errorf("%s: redacted %v, want %v", c.name, r.Redacted, c.want)
		}
		text := r.Message + r.Who
		if r.Device != nil {
			text += r.Device.Serial
		}
		if !strings.Contains(text, transcripts.RedactedMark) {
			t.Errorf("%s: no %s in %+v", c.name, transcripts.RedactedMark, r)
		}
	}
	if device.Serial != "x483920" {
		t.Errorf("Append changed the caller's device: %+v", device)
	}
	data := string(readFile(t, transcriptPath(dir)))
	for _, s := range []string{"483920", "horse", "wrong PIN", pinHex, strings.ToUpper(pinHex), pinHash} {
		if strings.Contains(data, s) {
			t.Errorf("the transcript holds %q", s)
		}
	}
	if rep, err := transcripts.Verify(dir, tr.Anchor()); err != nil || !rep.OK() {
		t.Fatalf("the transcript with redacted records does not verify: %v %+v", err, rep)
	}
}

// TestRedactionLeavesNoPart: overlapping forms (a PIN's digits just
// before its hash) are all replaced; a secret inside the mark itself
// still lets the record be written; in a record other than a failure's,
// who and the device are the holder's and the device's, and a secret
// there refuses the record instead.
func TestRedactionLeavesNoPart(t *testing.T) {
	tr := create(t, t.TempDir())
	defer tr.Close()
	for _, s := range []string{"1040", "dact"} {
		if err := tr.ForbidSecret([]byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256([]byte("1040"))
	hash := hex.EncodeToString(sum[:])
	r, err := tr.Append(transcripts.Record{Kind: transcripts.Error, Message: "x104" + hash + " y"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+8 <= len(hash); i++ {
		if strings.Contains(r.Message, hash[i:i+8]) {
			t.Fatalf("part of the PIN's hash is left: %q", r.Message)
		}
	}
	r, err = tr.Append(transcripts.Record{Kind: transcripts.Refusal, Message: "the token said dact"})
	if err != nil || strings.Contains(r.Message, "dact") || !slices.Equal(r.Redacted, []string{"message"}) {
		t.Errorf("a secret inside the mark: %+v, %v", r, err)
	}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Who: "ops-1040", Message: "m"}); !errors.Is(err, transcripts.ErrSecret) {
		t.Errorf("a secret in a note's who: %v, want the record refused", err)
	}
}
