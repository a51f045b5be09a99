package claimed

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sync"

	"github.com/tuf-ceremony/ceremony/claims"
)

// Checking a change of claimed once per process.
//
// Verifying a claims bundle checks claimed's change twice on the same
// bytes: once against the bundle's requests (checkBundledClaims) and once
// in the replay of the bundled transcript (checkClaimsWorkspace). At
// 100,000 projects each check is about a second. checkClaimedChange is a
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

// changeKey hashes what checkClaimedChange reads: both versions' bytes,
// and of each accepted and rekeyed claim the project, keys and threshold
// (what claims.Delegation and the keys check take), with a rekey's
// previous keys and threshold.
func changeKey(prev, next []byte, accepted []claims.Claim, rekeyed []rekeyChange) ([sha256.Size]byte, error) {
	type claimPart struct {
		Project           string
		Keys              any
		Threshold         int
		PreviousKeyIDs    []string `json:",omitempty"`
		PreviousThreshold int      `json:",omitempty"`
	}
	parts := struct {
		Prev, Next       [sha256.Size]byte
		Accepted, Rekeys []claimPart
	}{Prev: sha256.Sum256(prev), Next: sha256.Sum256(next)}
	for _, c := range accepted {
		parts.Accepted = append(parts.Accepted, claimPart{Project: c.Project, Keys: c.Keys, Threshold: c.Threshold})
	}
	for _, r := range rekeyed {
		parts.Rekeys = append(parts.Rekeys, claimPart{Project: r.claim.Project, Keys: r.claim.Keys, Threshold: r.claim.Threshold,
			PreviousKeyIDs: r.previousKeyIDs, PreviousThreshold: r.previousThreshold})
	}
	data, err := json.Marshal(parts)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(data), nil
}
