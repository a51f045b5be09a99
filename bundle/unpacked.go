package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/tuf-ceremony/ceremony/internal/bounded"
)

// Reading a bundle into a directory of its own.
//
// Read keeps the bundle's file open and reads an entry from it again,
// checked against the manifest, each time it is asked for: the file may
// be on a stick that changes under it. A verification asks for claimed
// (77 MB at 100,000 projects, 773 MB at 1,000,000) several times, and
// writes it out for the replay besides. ReadUnpacked writes each entry, as
// Read checks it, into a new directory that only this process writes to:
// a regular entry's bytes into a file (a hard link in the bundle is read
// from its target's). Get then reads that file, whose bytes were checked
// as they were written, checking only its size: from then on the copy is
// trusted as this process's own files are, not the bundle's file. Unpacked
// names it, for a caller to give it a second name rather than write it
// again. The files are named by the entry's place in the manifest, not by
// its name, so no name a bundle may hold can clash with another on the
// disk. Close removes the directory. A failure to write the copy (a full
// disk) is an *UnpackError, not the bundle's fault.

// ReadUnpacked is Read that writes the entries out, as they are checked,
// into dir: an empty directory that only this process writes to (made by
// os.MkdirTemp). Close removes it, and so does a failure to read the
// bundle. See above.
func ReadUnpacked(path string, limits Limits, dir string) (*Bundle, error) {
	if names, err := os.ReadDir(dir); err != nil || len(names) > 0 {
		if err == nil {
			err = fmt.Errorf("%s is not empty", dir)
		}
		return nil, &UnpackError{Err: err}
	}
	b, err := readOpen(path, limits, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return b, nil
}

// Unpacked is the file holding the data of the entry called name, as
// ReadUnpacked checked and wrote it (a link's target's); false if the
// bundle holds no such entry, or was read by Read.
func (b *Bundle) Unpacked(name string) (string, bool) {
	i, ok := b.index(name)
	if !ok || b.unpacked == "" {
		return "", false
	}
	return unpackedPath(b.unpacked, b.file[i]), true
}

// readUnpackedFile reads an unpacked file of size bytes, and no more.
func readUnpackedFile(p string, size int64) ([]byte, error) {
	data, err := bounded.ReadFile(p, size)
	if err == nil && int64(len(data)) != size {
		err = fmt.Errorf("%d bytes, the manifest says %d", len(data), size)
	}
	return data, err
}

// UnpackError is ReadUnpacked's failure to write the checked entries out:
// the directory's, not the bundle's.
type UnpackError struct {
	// Entry is the entry being written, "" for the directory itself.
	Entry string
	Err   error
}

func (e *UnpackError) Error() string {
	if e.Entry == "" {
		return fmt.Sprintf("failed to unpack the bundle: %v", e.Err)
	}
	return fmt.Sprintf("failed to unpack entry %q: %v", e.Entry, e.Err)
}

func (e *UnpackError) Unwrap() error { return e.Err }

// unpackedPath is the file of manifest entry i under dir.
func unpackedPath(dir string, i int) string {
	return filepath.Join(dir, strconv.Itoa(i))
}

// unpackedFile writes an entry's data to its file. A failed write does
// not stop the reading (which would take it for a truncated entry): the
// first error is kept, and close returns it as an *UnpackError.
type unpackedFile struct {
	f     *os.File
	entry string
	err   error
}

func (u *unpackedFile) Write(p []byte) (int, error) {
	if u.err == nil {
		_, u.err = u.f.Write(p)
	}
	return len(p), nil
}

func (u *unpackedFile) close() error {
	err := u.f.Close()
	if u.err != nil {
		err = u.err
	}
	if err != nil {
		return &UnpackError{Entry: u.entry, Err: err}
	}
	return nil
}
