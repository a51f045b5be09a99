package transcripts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// States stored as a difference.
//
// A signature changes a metadata file's "signatures" and nothing else: at
// PyPI's scale each signature of claimed would store 77 MB again, once per
// keyholder, in the workspace and in the bundle. PutStateAfter stores such
// a state as its difference from the state it follows, in
// states/HASH.delta.json:
//
//	{"base": "<sha256 of a whole stored state>", "prefix": P, "suffix": S,
//	 "middle": "<the bytes between, base64>"}
//
// The state is the base's first P bytes, then the middle, then the base's
// last S bytes. It is still named by the SHA-256 of those bytes, records
// name it as they name any state, and reading it rebuilds the bytes and
// checks that hash: a delta can make no state but the one it names. A base
// is always a whole state (states/BASE.json), never another delta, so a
// state is at most two files and one step from its bytes. Small states
// (under MinDeltaState) and states that differ in more than a quarter of
// their bytes are stored whole, as before.

// DeltaSuffix ends the name of a state stored as a difference.
const DeltaSuffix = ".delta.json"

// MinDeltaState is the size from which a state may be stored as a
// difference.
const MinDeltaState = 1 << 20

// maxDeltaFile bounds a delta file read back: its middle is at most a
// quarter of a state.
const maxDeltaFile = MaxStateSize/4*2 + 4096

type stateDelta struct {
	Base   string `json:"base"`
	Prefix int    `json:"prefix"`
	Suffix int    `json:"suffix"`
	Middle []byte `json:"middle"`
}

// PutStateAfter is PutState of data, which follows the stored state base
// (a record's input state, say): when data is base with a small part
// changed, it is stored as that difference. baseData are base's bytes when
// the caller holds them (nil: they are read). base "" is PutState.
func (t *Transcript) PutStateAfter(data []byte, base string, baseData []byte) (string, error) {
	return t.PutStateAfterParts([][]byte{data}, base, baseData)
}

// PutStateAfterParts is PutStateAfter of the state whose bytes are parts,
// one after the other (metafile.File.MarshalParts): a signed claimed of
// 1,000,000 projects is stored without its 773 MB being copied into one
// slice first.
func (t *Transcript) PutStateAfterParts(parts [][]byte, base string, baseData []byte) (string, error) {
	data := pieces(parts)
	size := data.size()
	if base == "" || size < MinDeltaState {
		return t.putPieces(data)
	}
	if size > MaxStateSize {
		return "", fmt.Errorf("state is %d bytes, over the limit of %d", size, MaxStateSize)
	}
	if err := checkState(data); err != nil {
		return "", err
	}
	hash := data.sum()
	if err := t.stateStored(hash); err == nil {
		// Stored before, perhaps by a process killed before its fsyncs.
		return hash, t.syncStoredState(hash)
	}
	d, baseData, err := t.deltaFrom(data, base, baseData)
	if err != nil || d == nil {
		return t.putPieces(data)
	}
	file, err := json.Marshal(d)
	if err != nil {
		return "", err
	}
	if err := atomicfile.MkdirAll(filepath.Join(t.dir, StatesDir), 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(t.dir, StatesDir, hash+DeltaSuffix)
	err = atomicfile.WriteNew(p, file, 0o644)
	if errors.Is(err, fs.ErrExist) {
		return hash, t.syncStoredState(hash)
	}
	if err != nil {
		return "", err
	}
	// What is on disk now must give data back (readsBack). If it does not
	// (its base changed on disk), no record names it yet: it goes, and the
	// state is stored whole.
	if err := d.readsBack(t.dir, hash, data, base, baseData); err != nil {
		if rmErr := os.Remove(p); rmErr != nil {
			return "", fmt.Errorf("stored state %s does not read back (%v), and cannot be removed: %w", hash, err, rmErr)
		}
		return t.putPieces(data)
	}
	return hash, nil
}

// syncStoredState checks a stored state, whole or a difference, and makes
// sure it is on disk.
func (t *Transcript) syncStoredState(hash string) error {
	whole := t.statePath(hash)
	if _, err := os.Stat(whole); err == nil {
		return syncStored(whole, hash)
	}
	got, err := sumDelta(t.dir, hash, nil)
	if err != nil {
		return err
	}
	if got != hash {
		return fmt.Errorf("stored state %s hashes to %s: the state store was changed", hash, got)
	}
	p := filepath.Join(t.dir, StatesDir, hash+DeltaSuffix)
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syncFile(f); err != nil {
		return fmt.Errorf("failed to sync stored state %q: %w", p, err)
	}
	return syncDir(filepath.Dir(p))
}

// deltaFrom is data as a difference from base, resolved to a whole state;
// nil when data is better stored whole. When base is itself a difference,
// data's is taken from the same whole state: the bytes data shares with
// base before base's own middle are that state's, and so are those after.
//
// It returns base's bytes too, checked against base's name: those given,
// or those read.
func (t *Transcript) deltaFrom(data pieces, base string, baseData []byte) (*stateDelta, []byte, error) {
	if baseData == nil || Sum(baseData) != base {
		var err error
		if baseData, err = readState(t.dir, base); err != nil {
			return nil, nil, err
		}
	}
	p := data.commonPrefix(baseData)
	s := data.commonSuffix(baseData[p:], data.size()-p)
	whole := base
	if _, err := os.Stat(t.statePath(base)); err != nil {
		d, err := readDelta(t.dir, base)
		if err != nil {
			return nil, nil, err
		}
		whole, p, s = d.Base, min(p, d.Prefix), min(s, d.Suffix)
	}
	return deltaOrNil(data, whole, p, s), baseData, nil
}

// deltaOrNil is data as its difference from the whole state base that
// keeps base's first p and last s bytes; nil when the bytes between are
// more than a quarter of data, which is then better stored whole.
func deltaOrNil(data pieces, base string, p, s int) *stateDelta {
	size := data.size()
	if size-s-p > size/4 {
		return nil
	}
	return &stateDelta{Base: base, Prefix: p, Suffix: s, Middle: data.slice(p, size-s)}
}

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	if n > 0 && &a[0] == &b[0] {
		return n // the same memory
	}
	i := 0
	for i+64 <= n && bytes.Equal(a[i:i+64], b[i:i+64]) {
		i += 64
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// commonSuffix is the length of the longest common suffix of a and b,
// compared 64 bytes at a time from the end, as commonPrefix compares from
// the start: claimed's signed part, 77 MB at 100,000 projects, is the
// suffix a signature's state shares with the state before it; when the
// signed file's "signed" is the very slice of the file read
// (metafile.File.MarshalParts), it is the same memory, known at once.
func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	if n > 0 && &a[len(a)-n] == &b[len(b)-n] {
		return n
	}
	i := 0
	for i+64 <= n && bytes.Equal(a[len(a)-i-64:len(a)-i], b[len(b)-i-64:len(b)-i]) {
		i += 64
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// readDelta reads states/HASH.delta.json and checks its shape: a whole
// base, a prefix and suffix within it.
func readDelta(dir, hash string) (*stateDelta, error) {
	p := filepath.Join(dir, StatesDir, hash+DeltaSuffix)
	data, err := readStateFile(p, maxDeltaFile)
	if err != nil {
		return nil, err
	}
	var d stateDelta
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("state %q is not a state's difference: %w", p, err)
	}
	switch {
	case !isSHA256(d.Base) || d.Base == hash:
		return nil, fmt.Errorf("state %q: base %q is not another state's SHA-256", p, d.Base)
	case d.Prefix < 0 || d.Suffix < 0 || d.Prefix > MaxStateSize || d.Suffix > MaxStateSize:
		return nil, fmt.Errorf("state %q: prefix %d and suffix %d must be within 0 and %d", p, d.Prefix, d.Suffix, MaxStateSize)
	}
	return &d, nil
}

// rebuild is the state a delta names, from its whole base as whole reads
// it.
func rebuild(hash string, d *stateDelta, whole func(hash string) ([]byte, error)) ([]byte, error) {
	base, err := whole(d.Base)
	if err != nil {
		return nil, fmt.Errorf("state %s is stored as a difference from %s: %w", hash, d.Base, err)
	}
	if err := d.fits(int64(len(base)), hash); err != nil {
		return nil, err
	}
	data := make([]byte, 0, d.Prefix+len(d.Middle)+d.Suffix)
	data = append(data, base[:d.Prefix]...)
	data = append(data, d.Middle...)
	data = append(data, base[len(base)-d.Suffix:]...)
	return data, nil
}

// sumDelta is the SHA-256 of the state a delta names, read from its base
// as it is hashed: checking a transcript's states holds no state of 77 MB
// in memory. The base is hashed whole on the way and must be the state
// the delta names as its base, unless baseChecked (nil: none) says this
// process checked it against its name already: a claims ceremony's three
// signatures are three deltas of one base of 77 MB, hashed once, not
// three more times.
func sumDelta(dir, hash string, baseChecked func(base string) bool) (string, error) {
	d, err := readDelta(dir, hash)
	if err != nil {
		return "", err
	}
	f, err := os.Open(filepath.Join(dir, StatesDir, d.Base+".json"))
	if err != nil {
		return "", fmt.Errorf("state %s is stored as a difference from %s: %w", hash, d.Base, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	size := fi.Size()
	if err := d.fits(size, hash); err != nil {
		return "", err
	}
	baseSum, stateSum := sha256.New(), sha256.New()
	checkBase := baseChecked == nil || !baseChecked(d.Base)
	// The base in three stretches: its prefix (in both sums), what the
	// middle replaces (in the base's only), its suffix (in both).
	stretches := []struct {
		n       int64
		inState bool
	}{{int64(d.Prefix), true}, {size - int64(d.Prefix) - int64(d.Suffix), false}, {int64(d.Suffix), true}}
	for i, st := range stretches {
		if i == 2 {
			stateSum.Write(d.Middle)
		}
		var sums []io.Writer
		if checkBase {
			sums = append(sums, baseSum)
		}
		if st.inState {
			sums = append(sums, stateSum)
		}
		if _, err := io.CopyN(io.MultiWriter(sums...), f, st.n); err != nil {
			return "", fmt.Errorf("failed to read state %s: %w", d.Base, err)
		}
	}
	if got := hex.EncodeToString(baseSum.Sum(nil)); checkBase && got != d.Base {
		return "", fmt.Errorf("state %s is stored as a difference from %s, which hashes to %s: it was changed after it was stored", hash, d.Base, got)
	}
	return hex.EncodeToString(stateSum.Sum(nil)), nil
}

// fits says why the state hash, d applied to a base of baseSize bytes, is
// not one: a prefix or suffix past the base, or a state over the limit
// (readDelta bounds each number, so nothing here overflows).
func (d *stateDelta) fits(baseSize int64, hash string) error {
	if baseSize > MaxStateSize || int64(d.Prefix) > baseSize || int64(d.Suffix) > baseSize-int64(d.Prefix) ||
		int64(d.Prefix)+int64(len(d.Middle))+int64(d.Suffix) > MaxStateSize {
		return fmt.Errorf("state %s: its difference reaches past its base %s", hash, d.Base)
	}
	return nil
}
