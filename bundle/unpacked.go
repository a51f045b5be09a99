package bundle

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// Reading a bundle into a directory of its own.
//
// Read keeps the bundle's file open and reads an entry from it again,
// checked against the manifest, each time it is asked for: the file may
// be on a stick that changes under it. A verification asks for claimed
// (77 MB at 100,000 projects, 773 MB at 1,000,000) several times, and
// writes it out for the replay besides. ReadUnpacked writes each entry, as
// Read checks it, into a new directory that only this process writes to:
// a regular entry's bytes into a file, a hard link as a second name of its
// target's file. Get then reads that file, whose bytes were checked as
// they were written, and Unpacked names it, for a caller to give it a
// second name rather than write it again. The files are named by the
// entry's place in the manifest, not by its name, so no name a bundle may
// hold can clash with another on the disk. Close removes the directory.

// ReadUnpacked is Read that writes the entries out, as they are checked,
// into dir: an empty directory that only this process writes to (made by
// os.MkdirTemp). Close removes it, and so does a failure. See above.
func ReadUnpacked(path string, limits Limits, dir string) (*Bundle, error) {
	if names, err := os.ReadDir(dir); err != nil || len(names) > 0 {
		if err == nil {
			err = fmt.Errorf("%s is not empty", dir)
		}
		return nil, fmt.Errorf("failed to unpack bundle %q: %w", path, err)
	}
	b, err := readOpen(path, limits, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return b, nil
}

// Unpacked is the file holding the data of the entry called name, as
// ReadUnpacked checked and wrote it; false if the bundle holds no such
// entry, or was read by Read.
func (b *Bundle) Unpacked(name string) (string, bool) {
	i, ok := b.index(name)
	if !ok || b.unpacked == "" {
		return "", false
	}
	return unpackedPath(b.unpacked, i), true
}

// unpackedPath is the file of manifest entry i under dir.
func unpackedPath(dir string, i int) string {
	return filepath.Join(dir, strconv.Itoa(i))
}

// unpackedFile writes an entry's data to its file. A failed write does
// not stop the reading (which would take it for a truncated entry): the
// first error is kept, and close returns it.
type unpackedFile struct {
	f   *os.File
	err error
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
		return fmt.Errorf("failed to unpack entry: %w", err)
	}
	return nil
}
