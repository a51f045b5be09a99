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
// value, and the signature. VerifyFile keeps the SHA-256 of those inputs
// for each signature that verified: the same inputs again are answered
// from it, after hashing "signed" (a sixth of the cost); anything else is
// verified afresh, and a signature that does not verify is never kept. It
// is kept in memory only, never across processes, and holds at most
// maxVerified entries of 32 bytes.

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// maxVerified bounds what verified holds: a ceremony counts a few roles
// of a few signatures each, again and again.
const maxVerified = 256

var verified struct {
	mu   sync.Mutex
	sums map[[sha256.Size]byte]bool
}

// VerifyFile is keys.Verify of sig by key over f's canonical form,
// answered without canonicalizing when the same signature by the same key
// verified over the same "signed" before in this process (see above). A
// "signed" with no canonical form is a *NoCanonicalError.
func VerifyFile(f *metafile.File, key *metadata.Key, sig []byte) error {
	id := verifiedID(f.SignedSum(), key, sig)
	verified.mu.Lock()
	known := verified.sums[id]
	verified.mu.Unlock()
	if known {
		return nil
	}
	msg, err := f.Canonical()
	if err != nil {
		return &NoCanonicalError{Err: err}
	}
	if err := keys.Verify(key, msg, sig); err != nil {
		return err
	}
	verified.mu.Lock()
	defer verified.mu.Unlock()
	if verified.sums == nil || len(verified.sums) >= maxVerified {
		verified.sums = map[[sha256.Size]byte]bool{}
	}
	verified.sums[id] = true
	return nil
}

// verifiedID hashes what a verification depends on: "signed"'s SHA-256,
// the key's type, scheme and public value (what keys.Verify reads of it),
// and the signature, each string length first.
func verifiedID(signed [sha256.Size]byte, key *metadata.Key, sig []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write(signed[:])
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

// NoCanonicalError is VerifyFile's error for a "signed" that has no
// canonical form: nothing can be verified over it, whatever the key.
type NoCanonicalError struct{ Err error }

func (e *NoCanonicalError) Error() string { return e.Err.Error() }
func (e *NoCanonicalError) Unwrap() error { return e.Err }
