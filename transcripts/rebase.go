package transcripts

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// A signature's state stored whole, the state before it as a difference.
//
// A claims ceremony's init stores claimed's new version whole, as a
// second name of the metadata file it wrote (PutStateOf), and each
// signature used to store its state as a difference from it: once signed,
// the workspace held claimed's 77 MB (at 100,000 projects) twice, the
// init's state and the signed metadata. Now a signature of a large role
// stores its state whole, as a second name of the signed metadata it
// stages (PutStateStaged: nothing written twice), and once the record is
// appended and the metadata in place, Rebase stores the state before it,
// and every state stored as a difference from that one, as differences
// from the new one, and removes the old whole: the store then holds the
// role's bytes once, the metadata's, whatever the number of signatures.
//
// Each step leaves every state readable: the new whole is on disk before
// any difference names it, each difference is replaced atomically (the
// old one and the new one give the same bytes), and the old whole goes
// only once every difference from it is replaced and fsync'd. A kill
// between two steps leaves a state stored both whole and as a difference,
// which readers take whole; the next signature's Rebase finishes the work.

// PutSignedState stores the state a signature leaves, whose bytes are
// parts, following the state base whose bytes are baseData. A large
// state whose state before is stored whole is stored whole, as a second
// name of the file staged holds it in (PutStateStaged), for Rebase to make
// the one before a difference from it: the workspace then holds the
// role's bytes once, in its metadata (claimed at 100,000 projects: 77
// MB). Any other state, and any on a filesystem without hard links, is
// stored as PutStateAfterParts stores it.
func (t *Transcript) PutSignedState(parts [][]byte, base string, baseData []byte, staged func() (*atomicfile.Staged, error)) (string, error) {
	if pieces(parts).size() >= MinDeltaState && t.StoredWhole(base) {
		state, err := t.PutStateStaged(parts, staged)
		if !errors.Is(err, atomicfile.ErrNoHardLinks) {
			return state, err
		}
	}
	return t.PutStateAfterParts(parts, base, baseData)
}

// PutStateStaged stores the state whose bytes are parts, one after the
// other, as a second name of the file that staged holds them in (written
// and fsync'd by this process: workspace.StageMetadataParts), once they
// are checked and hashed as PutState checks and hashes them. staged is
// called once they are, so that the caller may write the file meanwhile.
// A state stored before is checked and kept. On a filesystem without hard
// links the error is atomicfile.ErrNoHardLinks, and nothing is stored.
func (t *Transcript) PutStateStaged(parts [][]byte, staged func() (*atomicfile.Staged, error)) (string, error) {
	hash, err := t.admitState(pieces(parts))
	if err != nil {
		return "", err
	}
	if err := t.stateStored(hash); err == nil {
		return hash, t.syncStoredState(hash)
	}
	s, err := staged()
	if err != nil {
		return "", err
	}
	p := t.statePath(hash)
	err = s.Link(p)
	if errors.Is(err, fs.ErrExist) {
		err = syncStored(p, hash)
	}
	if err != nil {
		return "", err
	}
	return hash, nil
}

// StoredWhole says whether the state hash is stored whole
// (states/HASH.json).
func (t *Transcript) StoredWhole(hash string) bool {
	fi, err := os.Lstat(t.statePath(hash))
	return err == nil && fi.Mode().IsRegular()
}

// Rebase stores prev, a state stored whole whose bytes are prevData, and
// every state stored as a difference from it, as differences from next, a
// state stored whole whose bytes are nextParts (PutStateStaged), and then
// removes prev's whole file; see above. prevData and nextParts must hash
// to prev and next (the caller read and wrote them). A state that differs
// from next in more than a quarter of its bytes stays as it is, and prev
// whole with it. It does nothing unless both are stored whole and prev is
// MinDeltaState bytes or more. On an error every state is still stored,
// perhaps twice.
func (t *Transcript) Rebase(next string, nextParts [][]byte, prev string, prevData []byte) error {
	if next == prev || len(prevData) < MinDeltaState || !t.StoredWhole(next) || !t.StoredWhole(prev) {
		return nil
	}
	dir := filepath.Join(t.dir, StatesDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	nextData := pieces(nextParts)
	// next is prevData's first p and last s bytes with a signature
	// between; so, within those, is every state that is prevData's with
	// a signature between.
	p := nextData.commonPrefix(prevData)
	s := nextData.commonSuffix(prevData[p:], nextData.size()-p)
	// prev itself, as prevData's first p and last s bytes around the
	// bytes between: the shape of every other member.
	members := []*stateDelta{{Base: prev, Prefix: p, Middle: prevData[p : len(prevData)-s], Suffix: s}}
	names := []string{prev}
	// bases are the wholes the differences that stay name: none of them
	// may go.
	bases := map[string]bool{}
	for _, e := range entries {
		hash, ok := strings.CutSuffix(e.Name(), DeltaSuffix)
		if !ok || !isSHA256(hash) || hash == next || hash == prev {
			continue
		}
		d, err := readDelta(t.dir, hash)
		if err != nil {
			return err
		}
		if d.Base != prev {
			bases[d.Base] = true
			continue
		}
		if err := d.fits(int64(len(prevData)), hash); err != nil {
			return err
		}
		members, names = append(members, d), append(names, hash)
	}
	keepPrev := false
	// Wholes that a difference from next replaces: prev's, and any a kill
	// left beside a state's difference from prev (one kill in an earlier
	// Rebase, after the difference and before the whole went) that no
	// difference staying as it is names as its base.
	var replaced []string
	for i, d := range members {
		// The state's bytes, as prevData's with d's middle.
		state := pieces{prevData[:d.Prefix], d.Middle, prevData[len(prevData)-d.Suffix:]}
		from, to := min(d.Prefix, p), min(d.Suffix, s)
		rebased := deltaOrNil(state, next, from, to)
		if rebased == nil {
			keepPrev = true
			continue
		}
		if !equalRange(state, 0, nextData, 0, from) || !equalRange(state, state.size()-to, nextData, nextData.size()-to, to) {
			return fmt.Errorf("state %s: rebased on %s, it would not give its bytes back", names[i], next)
		}
		file, err := json.Marshal(rebased)
		if err != nil {
			return err
		}
		if err := atomicfile.Replace(filepath.Join(dir, names[i]+DeltaSuffix), file, 0o644); err != nil {
			return err
		}
		if i > 0 && t.StoredWhole(names[i]) && !bases[names[i]] {
			replaced = append(replaced, names[i]+".json")
		}
	}
	// A difference of next itself, from a store an older build made or
	// a kill left, goes with the wholes: next is whole.
	stale := append([]string{next + DeltaSuffix}, replaced...)
	if !keepPrev {
		stale = append(stale, prev+".json")
	}
	for _, name := range stale {
		crashpoint.Hit(crashpoint.FS)
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return atomicfile.SyncDir(dir)
}

// DiscardState removes the stored state hash, whole or a difference,
// unless a record names it: the state of a signature whose step failed
// before its record was appended (the signature did not verify, the
// metadata could not be staged), which no record will name. A large
// role's is a whole file (PutStateStaged), not a difference of a few
// hundred bytes. Never call it once an append was tried: a record whose
// append failed may still be on disk.
func (t *Transcript) DiscardState(hash string) error {
	t.mu.Lock()
	records := t.records
	t.mu.Unlock()
	for _, r := range records {
		for _, named := range []map[string]string{r.Inputs, r.States} {
			for _, h := range named {
				if h == hash {
					return nil
				}
			}
		}
	}
	dir := filepath.Join(t.dir, StatesDir)
	for _, name := range []string{hash + ".json", hash + DeltaSuffix} {
		crashpoint.Hit(crashpoint.FS)
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return atomicfile.SyncDir(dir)
}
