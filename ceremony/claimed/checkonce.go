package claimed

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"slices"
	"strconv"
	"sync"

	"github.com/tuf-ceremony/ceremony/claims"
)

// Checking a change of claimed once per process.
//
// Verifying a claims bundle checks claimed's change twice on the same
// bytes: once against the bundle's requests (checkBundledClaims) and once
// in the replay of the bundled transcript (checkClaimsWorkspace). At
// 100,000 projects each check takes a few tenths of a second of CPU, most
// of it making the two canonical forms (view.go). checkClaimedChange is a
// function of its inputs alone, so the last result is kept, keyed by the
// SHA-256 of everything it reads: the same inputs give it back, any other
// input is checked afresh. It is kept in memory only, one result at a time
// (a few lines of text), and never across processes.

type changeMemo struct {
	mu       sync.Mutex
	key      [sha256.Size]byte
	problems []string
	set      bool
}

var lastChange changeMemo

func (m *changeMemo) get(key [sha256.Size]byte) ([]string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.set || m.key != key {
		return nil, false
	}
	return slices.Clone(m.problems), true
}

func (m *changeMemo) put(key [sha256.Size]byte, problems []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.key, m.problems, m.set = key, slices.Clone(problems), true
}

// changeKey hashes what checkClaimedChange reads: both versions' "signed"
// (by their SHA-256, metafile.File.SignedSum, which the signatures' count
// has made already when a bundle is verified), and of each accepted and rekeyed claim the project, keys and threshold
// (what claims.Delegation and the keys check take), with a rekey's
// previous keys and threshold. Each string is written length first and as
// it is (no encoding that could map two strings to one), each key as the
// check compares it (canonicalJSON).
func changeKey(prev, next [sha256.Size]byte, accepted []claims.Claim, rekeyed []rekeyChange) ([sha256.Size]byte, error) {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	claim := func(c claims.Claim, previous []string, previousThreshold int) error {
		field([]byte(c.Project))
		field([]byte(strconv.Itoa(c.Threshold)))
		field([]byte(strconv.Itoa(len(c.Keys))))
		for _, id := range slices.Sorted(maps.Keys(c.Keys)) {
			k, err := canonicalJSON(c.Keys[id])
			if err != nil {
				return err
			}
			field([]byte(id))
			field(k)
		}
		field([]byte(strconv.Itoa(len(previous))))
		for _, id := range previous {
			field([]byte(id))
		}
		field([]byte(strconv.Itoa(previousThreshold)))
		return nil
	}
	field(prev[:])
	field(next[:])
	field([]byte(strconv.Itoa(len(accepted))))
	for _, c := range accepted {
		if err := claim(c, nil, 0); err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	field([]byte(strconv.Itoa(len(rekeyed))))
	for _, r := range rekeyed {
		if err := claim(r.claim, r.previousKeyIDs, r.previousThreshold); err != nil {
			return [sha256.Size]byte{}, err
		}
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, nil
}
