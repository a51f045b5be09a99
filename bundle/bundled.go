package bundle

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
)

// Bundle is a bundle that Read checked. It keeps its file open and reads
// an entry's data again when asked (Get), checked against the manifest, so
// that a bundle as large as Limits allow is never held in memory whole.
// One that ReadUnpacked checked reads an entry's data from the file it
// wrote as it checked them (unpacked.go). Close it when done.
type Bundle struct {
	// Manifest is the manifest the entries were checked against. Its
	// entries, sorted by name, are every entry of the bundle but the
	// manifest itself.
	Manifest Manifest
	// SHA256 is the SHA-256 of the whole file.
	SHA256 [32]byte

	path  string
	src   io.ReaderAt
	at    []int64 // where each manifest entry's data starts
	close func() error
	// unpacked is the directory ReadUnpacked wrote the entries into, "" for
	// a bundle Read read; file[i] is the entry whose file holds entry i's
	// data (a link's target).
	unpacked string
	file     []int

	mu  sync.Mutex
	err error
}

// Has reports whether the bundle holds an entry called name.
func (b *Bundle) Has(name string) bool {
	_, ok := b.index(name)
	return ok
}

// Entry is the manifest's entry for name: its size and digests, which Read
// checked the entry's bytes against, so that an entry can be compared with
// other bytes by hash without reading it again.
func (b *Bundle) Entry(name string) (ManifestEntry, bool) {
	i, ok := b.index(name)
	if !ok {
		return ManifestEntry{}, false
	}
	return b.Manifest.Entries[i], true
}

func (b *Bundle) index(name string) (int, bool) {
	entries := b.Manifest.Entries
	i := sort.Search(len(entries), func(i int) bool { return entries[i].Name >= name })
	return i, i < len(entries) && entries[i].Name == name
}

// Get returns the data of the entry called name, read from the file again
// and checked against the manifest's size and SHA-256 (what Read checked),
// or, for a bundle ReadUnpacked read, from the file it wrote.
// It returns false if the bundle holds no such entry, and also if the
// reading fails: the file changed since Read checked it (for an unpacked
// one, only a change of size is seen), or an I/O error.
// Then Err says so, every later Get fails too, and whatever was concluded
// from the bundle must be dropped for that error.
func (b *Bundle) Get(name string) ([]byte, bool) {
	i, ok := b.index(name)
	if !ok || b.Err() != nil {
		return nil, false
	}
	data, err := b.readAt(i)
	if err != nil {
		b.mu.Lock()
		if b.err == nil {
			b.err = err
		}
		b.mu.Unlock()
		return nil, false
	}
	return data, true
}

// readAt reads the data of manifest entry i.
func (b *Bundle) readAt(i int) ([]byte, error) {
	e := b.Manifest.Entries[i]
	if b.unpacked != "" {
		data, err := readUnpackedFile(unpackedPath(b.unpacked, b.file[i]), e.Size)
		if err != nil {
			return nil, fmt.Errorf("failed to read entry %q of bundle %q as it was unpacked: %w", e.Name, b.path, err)
		}
		return data, nil
	}
	data := make([]byte, e.Size)
	if _, err := b.src.ReadAt(data, b.at[i]); err != nil && !(err == io.EOF && len(data) == 0) {
		return nil, fmt.Errorf("failed to read entry %q of bundle %q again: %w", e.Name, b.path, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != e.SHA256 {
		return nil, fmt.Errorf("bundle %q: entry %q changed after it was checked, or was read back differently (sha256 %x, the manifest says %s): copy the bundle to a disk nothing else writes to, and check it again", b.path, e.Name, sum, e.SHA256)
	}
	return data, nil
}

// Err is the first failure of Get, or nil.
func (b *Bundle) Err() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// ReadAll reads every entry, sorted by name: for tools and tests on
// bundles small enough to hold.
func (b *Bundle) ReadAll() ([]Entry, error) {
	out := make([]Entry, len(b.Manifest.Entries))
	for i, e := range b.Manifest.Entries {
		data, err := b.readAt(i)
		if err != nil {
			return nil, err
		}
		out[i] = Entry{Name: e.Name, Data: data}
	}
	return out, nil
}

// Close closes the bundle's file, and removes the directory ReadUnpacked
// wrote; Get fails after it.
func (b *Bundle) Close() error {
	if b.close == nil {
		return nil
	}
	err := b.close()
	b.close = nil
	if b.unpacked != "" {
		if rerr := os.RemoveAll(b.unpacked); err == nil {
			err = rerr
		}
	}
	return err
}
