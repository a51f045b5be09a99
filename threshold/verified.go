package threshold

// Verifying a signature over one "signed" once per process.
//
// Verifying a claims bundle checks claimed's signature three times over
// the same "signed": when the bundle's role is counted against its
// delegator, when the transcript's signature is replayed over the state
// before it (the same "signed": a signature adds nothing to it), and when
// the bundle is made again from the replayed workspace. At 100,000
// projects each check canonicalizes 77 MB and hashes the 53 MB canonical
// form with SHA-512 (Ed25519), about a quarter of a second.
//
// Whether a signature verifies is a function of the "signed" bytes (their
// canonical form follows from them), the key's type, scheme and public
// value, and the signature. In a process that asks for it (KeepVerified:
// verify and replay of a bundle), for a "signed" of at least minRemembered
// bytes, VerifyFile keeps the SHA-256 of those inputs for each signature
// that verified: the same inputs again are answered from it, after
// hashing "signed" (a sixth of the cost); anything else is verified
// afresh, and a signature that does not verify is never kept. A signature
// (by key and signature) not met before in the process is verified without
// waiting for that hash, which is made beside it (on another core) for the
// next time. A command that counts a role once (status and sign on the
// command line) does not ask, and hashes nothing for it; the terminal app
// asks once it has verified or replayed a bundle. A smaller "signed" (a root, a targets role, one of 16,384 hash bins) is
// verified every time, which costs less than keeping it. What is kept is
// in memory only, never across processes: at most maxVerified signatures,
// each as two hashes of 32 bytes.

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// maxVerified bounds what verified holds: a ceremony counts a few large
// roles of a few signatures each, again and again.
const maxVerified = 256

// minRemembered is the smallest "signed" whose signatures are kept.
const minRemembered = 1 << 20

// keep says VerifyFile keeps what verified (KeepVerified).
var keep atomic.Bool

// KeepVerified makes VerifyFile keep, for the rest of the process, the
// signatures over a large "signed" that verified (see above): for a
// command that verifies the same role more than once.
func KeepVerified() { keep.Store(true) }

// verifyOver is keys.Verify; tests count its calls.
var verifyOver = keys.Verify

var verified struct {
	mu sync.Mutex
	// sums are verifiedID of each signature that verified; pairs name
	// them by key and signature alone (pairID), so that a signature never
	// met before is known as such without hashing its "signed".
	sums  map[[sha256.Size]byte]bool
	pairs map[[sha256.Size]byte]bool
}

// VerifyFile is keys.Verify of sig by key over f's canonical form,
// answered without canonicalizing when the same signature by the same key
// verified over the same "signed" before in this process, which asked to
// keep what verified (see above). A
// "signed" with no canonical form is a *NoCanonicalError.
func VerifyFile(f *metafile.File, key *metadata.Key, sig []byte) error {
	if len(f.Signed) < minRemembered || !keep.Load() {
		msg, err := f.Canonical()
		if err != nil {
			return &NoCanonicalError{Err: err}
		}
		return verifyOver(key, msg, sig)
	}
	pair := pairID(key, sig)
	verified.mu.Lock()
	met := verified.pairs[pair]
	verified.mu.Unlock()
	var signed [sha256.Size]byte
	summed := make(chan struct{})
	if met {
		signed = f.SignedSum()
		verified.mu.Lock()
		known := verified.sums[verifiedID(signed, pair)]
		verified.mu.Unlock()
		if known {
			return nil
		}
		close(summed)
	} else {
		// Hashed beside the canonicalizing and the verifying, for the
		// next time (SignedSum and Canonical keep different fields).
		go func() {
			signed = f.SignedSum()
			close(summed)
		}()
	}
	msg, canonErr := f.Canonical()
	var verifyErr error
	if canonErr == nil {
		verifyErr = verifyOver(key, msg, sig)
	}
	<-summed
	if canonErr != nil {
		return &NoCanonicalError{Err: canonErr}
	}
	if verifyErr != nil {
		return verifyErr
	}
	verified.mu.Lock()
	defer verified.mu.Unlock()
	if verified.sums == nil || len(verified.sums) >= maxVerified {
		verified.sums, verified.pairs = map[[sha256.Size]byte]bool{}, map[[sha256.Size]byte]bool{}
	}
	verified.sums[verifiedID(signed, pair)] = true
	verified.pairs[pair] = true
	return nil
}

// pairID hashes what a verification depends on but "signed": the key's
// type, scheme and public value (what keys.Verify reads of it) and the
// signature, each length first.
func pairID(key *metadata.Key, sig []byte) [sha256.Size]byte {
	h := sha256.New()
	for _, field := range [][]byte{[]byte(key.Type), []byte(key.Scheme), []byte(key.Value.PublicKey), sig} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(field)))
		h.Write(n[:])
		h.Write(field)
	}
	var id [sha256.Size]byte
	h.Sum(id[:0])
	return id
}

// verifiedID names one verification: "signed"'s SHA-256 and the pair.
func verifiedID(signed, pair [sha256.Size]byte) [sha256.Size]byte {
	var both [2 * sha256.Size]byte
	copy(both[:], signed[:])
	copy(both[sha256.Size:], pair[:])
	return sha256.Sum256(both[:])
}

// NoCanonicalError is VerifyFile's error for a "signed" that has no
// canonical form: nothing can be verified over it, whatever the key.
type NoCanonicalError struct{ Err error }

func (e *NoCanonicalError) Error() string { return e.Err.Error() }
func (e *NoCanonicalError) Unwrap() error { return e.Err }
