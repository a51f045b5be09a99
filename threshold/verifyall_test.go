package threshold

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestCountSideBySide: over a large "signed", the signatures are verified
// side by side and counted as one by one: each good one signs, a bad one
// is invalid, and each is verified once (then, where the process keeps
// what verified, answered without verifying again).
func TestCountSideBySide(t *testing.T) {
	for _, kept := range []bool{false, true} {
		keeping(t, kept)
		keys := []testKey{newKey(t, "ed25519"), newKey(t, "ed25519"), newKey(t, "p256"), newKey(t, "ed25519")}
		f := largeFile(t, 7)
		rule := Rule{Role: "targets", Threshold: 2, Keys: map[string]*metadata.Key{}}
		for _, k := range keys {
			rule.KeyIDs = append(rule.KeyIDs, k.id)
			rule.Keys[k.id] = k.tuf
		}
		bad := signFile(t, keys[2], f)
		bad[len(bad)-1] ^= 1
		f.Signatures = []metafile.Signature{
			{KeyID: keys[0].id, Sig: hex.EncodeToString(signFile(t, keys[0], f))},
			{KeyID: keys[1].id, Sig: hex.EncodeToString(signFile(t, keys[1], f))},
			{KeyID: keys[2].id, Sig: hex.EncodeToString(bad)},
		}
		calls := countVerifies(t)
		tally, err := Count(rule, f)
		if err != nil {
			t.Fatal(err)
		}
		want := Tally{Rule: rule, Signed: []string{keys[0].id, keys[1].id}, Invalid: []string{keys[2].id}, Missing: []string{keys[2].id, keys[3].id}}
		if !sameTally(tally, want) || !tally.Met() {
			t.Fatalf("kept %t: signed %v, invalid %v, missing %v; want %v, %v, %v", kept, tally.Signed, tally.Invalid, tally.Missing, want.Signed, want.Invalid, want.Missing)
		}
		if *calls != 3 {
			t.Errorf("kept %t: %d verifications for 3 signatures", kept, *calls)
		}
		// Read again: the good ones are kept where asked, the bad one
		// never is.
		again := &metafile.File{Signed: bytes.Clone(f.Signed), Signatures: f.Signatures}
		if tally, err = Count(rule, again); err != nil || !sameTally(tally, want) {
			t.Fatalf("kept %t, counted again: %+v, %v", kept, tally, err)
		}
		wantCalls := 6
		if kept {
			wantCalls = 4
		}
		if *calls != wantCalls {
			t.Errorf("kept %t: %d verifications after counting twice, want %d", kept, *calls, wantCalls)
		}
	}
}

func sameTally(a, b Tally) bool {
	return slices.Equal(a.Signed, b.Signed) && slices.Equal(a.Invalid, b.Invalid) && slices.Equal(a.Missing, b.Missing) && slices.Equal(a.Foreign, b.Foreign)
}

// A verification that panics beside the others panics on Count's own
// goroutine, where a verifier recovers it.
func TestCountSideBySidePanicsOnTheCallersGoroutine(t *testing.T) {
	keeping(t, false)
	keys := []testKey{newKey(t, "ed25519"), newKey(t, "ed25519")}
	f := largeFile(t, 8)
	rule := Rule{Role: "targets", Threshold: 2, Keys: map[string]*metadata.Key{}}
	for _, k := range keys {
		rule.KeyIDs = append(rule.KeyIDs, k.id)
		rule.Keys[k.id] = k.tuf
		f.Signatures = append(f.Signatures, metafile.Signature{KeyID: k.id, Sig: hex.EncodeToString(signFile(t, k, f))})
	}
	saved := verifyOver
	t.Cleanup(func() { verifyOver = saved })
	verifyOver = func(*metadata.Key, []byte, []byte) error { panic("a key the verifier cannot take") }
	defer func() {
		if r := recover(); r != "a key the verifier cannot take" {
			t.Errorf("Count recovered %v, want the verification's panic", r)
		}
	}()
	Count(rule, f)
	t.Error("Count returned over a verification that panicked")
}
