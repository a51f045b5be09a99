package threshold

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// largeFile is a targets file whose "signed" is past minRemembered.
func largeFile(t *testing.T, version int) *metafile.File {
	t.Helper()
	doc := fmt.Sprintf(`{"signed": {"_type": "targets", "version": %d, "expires": "2030-01-01T00:00:00Z", "spec_version": "1.0.31", "targets": {}, "x-pad": %q}, "signatures": []}`,
		version, strings.Repeat("a", minRemembered))
	f, err := metafile.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// keeping sets whether VerifyFile keeps what verified until the test ends.
func keeping(t *testing.T, on bool) {
	saved := keep.Load()
	keep.Store(on)
	t.Cleanup(func() { keep.Store(saved) })
}

// countVerifies counts keys.Verify's calls until the test ends.
// (Count verifies side by side: each call counts under a lock, and the
// count is read once Count has returned.)
func countVerifies(t *testing.T) *int {
	n := new(int)
	var mu sync.Mutex
	saved := verifyOver
	t.Cleanup(func() { verifyOver = saved })
	verifyOver = func(key *metadata.Key, msg, sig []byte) error {
		mu.Lock()
		*n++
		mu.Unlock()
		return saved(key, msg, sig)
	}
	return n
}

// signFile signs f's canonical form with k.
func signFile(t *testing.T, k testKey, f *metafile.File) []byte {
	t.Helper()
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	s, err := hex.DecodeString(k.sign(t, msg))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestVerifyFileRemembersOnlyWhatVerified: a signature that verified over
// a large "signed" is kept, and answers for the same bytes however they
// are parsed, without verifying again; a change to "signed", the key or
// the signature is verified afresh and fails; a signature that failed is
// verified every time and never kept.
func TestVerifyFileRemembersOnlyWhatVerified(t *testing.T) {
	keeping(t, true)
	k, other := newKey(t, "ed25519"), newKey(t, "ed25519")
	f := largeFile(t, 1)
	good := signFile(t, k, f)
	calls := countVerifies(t)
	if err := VerifyFile(f, k.tuf, good); err != nil || *calls != 1 {
		t.Fatalf("a good signature: %v, after %d verifications", err, *calls)
	}
	again := &metafile.File{Signed: append([]byte(nil), f.Signed...)}
	if err := VerifyFile(again, k.tuf, good); err != nil || *calls != 1 {
		t.Fatalf("the same signature over the same signed, parsed again: %v, after %d verifications (want it kept: 1)", err, *calls)
	}
	changed := largeFile(t, 2)
	if VerifyFile(changed, k.tuf, good) == nil {
		t.Error("a signature kept for one signed verifies over another")
	}
	if VerifyFile(f, other.tuf, good) == nil {
		t.Error("a signature kept for one key verifies under another")
	}
	bad := bytes.Clone(good)
	bad[0] ^= 1
	before := *calls
	for range 2 {
		if VerifyFile(f, k.tuf, bad) == nil {
			t.Fatal("a changed signature verifies")
		}
	}
	if *calls != before+2 {
		t.Errorf("a signature that failed twice was verified %d times", *calls-before)
	}
}

// TestVerifyFileEveryTime: a "signed" under minRemembered, or any in a
// process that did not ask to keep what verified, is verified at every
// call, and nothing is kept of it.
func TestVerifyFileEveryTime(t *testing.T) {
	k := newKey(t, "ed25519")
	for name, c := range map[string]struct {
		f    *metafile.File
		keep bool
	}{"small": {fileOf(t, makeRoot(1, 1, []testKey{k})), true}, "not asked": {largeFile(t, 3), false}} {
		keeping(t, c.keep)
		good := signFile(t, k, c.f)
		calls := countVerifies(t)
		for range 3 {
			if err := VerifyFile(c.f, k.tuf, good); err != nil {
				t.Fatal(err)
			}
		}
		if *calls != 3 {
			t.Errorf("%s: verified %d times in 3 calls", name, *calls)
		}
		verified.mu.Lock()
		if verified.pairs[pairID(k.tuf, good)] {
			t.Errorf("%s: a signature was kept", name)
		}
		verified.mu.Unlock()
	}
}

// TestVerifyFileNoCanonical: a "signed" with no canonical form is a
// NoCanonicalError from VerifyFile, and Count's error whether a signature
// is checked over it, none is, or every one is not even hex.
func TestVerifyFileNoCanonical(t *testing.T) {
	k := newKey(t, "ed25519")
	f := &metafile.File{Signed: []byte(`{"_type":"targets","version":1.5}`), Signatures: []metafile.Signature{sig(k.id, "00")}}
	var nc *NoCanonicalError
	if err := VerifyFile(f, k.tuf, []byte{0}); !errors.As(err, &nc) {
		t.Fatalf("VerifyFile over a signed with a float: %v, want a NoCanonicalError", err)
	}
	rule := Rule{Role: "targets", Threshold: 1, KeyIDs: []string{k.id}, Keys: map[string]*metadata.Key{k.id: k.tuf}}
	for name, sigs := range map[string][]metafile.Signature{"hex": {sig(k.id, "00")}, "none": nil, "not hex": {sig(k.id, "zz")}} {
		f.Signatures = sigs
		if _, err := Count(rule, f); err == nil {
			t.Errorf("Count over a signed with a float, signatures %s: no error", name)
		}
	}
}

// TestVerifyFileBounded: what is kept never passes maxVerified entries.
func TestVerifyFileBounded(t *testing.T) {
	keeping(t, true)
	f := largeFile(t, 1)
	for range maxVerified + 3 {
		other := newKey(t, "ed25519")
		s := signFile(t, other, f)
		if err := VerifyFile(f, other.tuf, s); err != nil {
			t.Fatal(err)
		}
		verified.mu.Lock()
		n, m := len(verified.sums), len(verified.pairs)
		verified.mu.Unlock()
		if n > maxVerified || m > maxVerified {
			t.Fatalf("%d and %d entries kept, more than %d", n, m, maxVerified)
		}
	}
}
