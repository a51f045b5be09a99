package threshold

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestVerifyFileRemembersOnlyWhatVerified: a signature that verified is
// kept, and answers for the same "signed" however it is parsed; a change
// to "signed", the key or the signature is verified afresh and fails; a
// signature that failed is never kept.
func TestVerifyFileRemembersOnlyWhatVerified(t *testing.T) {
	k, other := newKey(t, "ed25519"), newKey(t, "ed25519")
	f := fileOf(t, makeRoot(1, 1, []testKey{k}))
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	good, _ := hex.DecodeString(k.sign(t, msg))
	if err := VerifyFile(f, k.tuf, good); err != nil {
		t.Fatalf("a good signature does not verify: %v", err)
	}
	if !verified.sums[verifiedID(f.SignedSum(), pairID(k.tuf, good))] {
		t.Fatal("a signature that verified is not kept")
	}
	// The same bytes in another slice: answered from what was kept.
	again := &metafile.File{Signed: append([]byte(nil), f.Signed...)}
	if err := VerifyFile(again, k.tuf, good); err != nil {
		t.Fatalf("the same signature over the same signed, parsed again: %v", err)
	}
	changed := &metafile.File{Signed: bytes.Replace(f.Signed, []byte(`"version":1`), []byte(`"version":2`), 1)}
	if bytes.Equal(changed.Signed, f.Signed) {
		t.Fatalf("no version 1 in %s", f.Signed)
	}
	if VerifyFile(changed, k.tuf, good) == nil {
		t.Error("a signature kept for one signed verifies over another")
	}
	if VerifyFile(f, other.tuf, good) == nil {
		t.Error("a signature kept for one key verifies under another")
	}
	bad := append([]byte(nil), good...)
	bad[0] ^= 1
	for range 2 {
		if VerifyFile(f, k.tuf, bad) == nil {
			t.Fatal("a changed signature verifies")
		}
	}
	if verified.sums[verifiedID(f.SignedSum(), pairID(k.tuf, bad))] {
		t.Error("a signature that failed is kept")
	}
}

// TestVerifyFileNoCanonical: a "signed" with no canonical form is a
// NoCanonicalError, from VerifyFile and as Count's error.
func TestVerifyFileNoCanonical(t *testing.T) {
	k := newKey(t, "ed25519")
	f := &metafile.File{Signed: []byte(`{"_type":"targets","version":1.5}`), Signatures: []metafile.Signature{sig(k.id, "00")}}
	var nc *NoCanonicalError
	if err := VerifyFile(f, k.tuf, []byte{0}); !errors.As(err, &nc) {
		t.Fatalf("VerifyFile over a signed with a float: %v, want a NoCanonicalError", err)
	}
	rule := Rule{Role: "targets", Threshold: 1, KeyIDs: []string{k.id}, Keys: map[string]*metadata.Key{k.id: k.tuf}}
	if _, err := Count(rule, f); err == nil {
		t.Fatal("Count over a signed with a float gave no error")
	}
	f.Signatures = nil
	if _, err := Count(rule, f); err == nil {
		t.Fatal("Count over an unsigned signed with a float gave no error")
	}
}

// TestVerifyFileBounded: what is kept never passes maxVerified entries.
func TestVerifyFileBounded(t *testing.T) {
	k := newKey(t, "ed25519")
	for v := range int64(maxVerified + 3) {
		f := fileOf(t, makeRoot(v+1, 1, []testKey{k}))
		msg, err := f.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		s, _ := hex.DecodeString(k.sign(t, msg))
		if err := VerifyFile(f, k.tuf, s); err != nil {
			t.Fatal(err)
		}
		if n := len(verified.sums); n > maxVerified {
			t.Fatalf("%d entries kept, more than %d", n, maxVerified)
		}
	}
}
