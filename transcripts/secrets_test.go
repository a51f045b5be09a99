package transcripts_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

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
		"PIN in an error message":   {Kind: transcripts.Error, Message: "C_Login failed with PIN 483920: CKR_PIN_INCORRECT"},
		"passphrase in a note":      {Kind: transcripts.Note, Message: "passphrase was correct horse \"battery\" staple!"},
		"PIN as who":                {Kind: transcripts.Note, Who: "483920"},
		"PIN in device serial":      {Kind: transcripts.Sign, Device: &transcripts.Device{Serial: "x483920"}},
		"PIN in device model":       {Kind: transcripts.Sign, Device: &transcripts.Device{Model: "YubiKey 483920"}},
		"PIN as an input name":      {Kind: transcripts.Note, Inputs: map[string]string{"pin=483920": h}},
		"PIN in hex in a message":   {Kind: transcripts.Error, Message: "apdu 0020008008" + pinHex + "ffff"},
		"PIN in HEX in a message":   {Kind: transcripts.Error, Message: "apdu " + strings.ToUpper(pinHex)},
		"PIN's hash as an input":    {Kind: transcripts.Note, Inputs: map[string]string{"pin": pinHash}},
		"PIN as an input":           {Kind: transcripts.Note, Inputs: map[string]string{"pin": "483920"}},
		"PIN's hash in a message":   {Kind: transcripts.Note, Message: "pin digest " + pinHash},
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
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Message: "signed in 2026"}); !errors.Is(err, transcripts.ErrSecret) {
		t.Errorf("free text holding the PIN: %v", err)
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
