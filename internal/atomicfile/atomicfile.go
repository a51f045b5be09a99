// Package atomicfile writes files so that a reader, or a workspace after a
// crash or power cut, sees either the old content or the new content in full,
// never a torn file.
//
// Every write goes to a temporary file in the same directory, is fsync'd,
// then moved into place, and the directory is fsync'd so that the move
// itself survives a power cut. WriteNew never replaces an existing file: it
// is used for outputs (keys, bundles, reports) that must not be overwritten.
// It moves the file into place with a hard link, which fails if the target
// exists; on a filesystem without hard links (FAT and exFAT, what most USB
// sticks hold) with a rename that refuses an existing target, or, where
// the filesystem has none either (FUSE's FAT and exFAT), with a rename
// after checking that the target is absent.
//
// A temporary file's name is the target's, cut to fit within a file name's
// 255 bytes, so that any name the filesystem takes can be written.
//
// Stage writes the temporary file and leaves the move to its caller, for a
// step that must record something first (a signature): Staged.Replace
// moves it into place, Discard removes it. A process killed in between
// leaves the temporary file, hidden (its name starts with a dot) and never
// read as the target.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unicode/utf8"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// ErrExists is returned by WriteNew when the target already exists.
var ErrExists = fs.ErrExist

// WriteNew writes data to path, refusing if path exists.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	return WriteNewFrom(path, perm, writeBytes(data))
}

// WriteNewFrom is WriteNew of the bytes write writes, as it writes them:
// a file of hundreds of megabytes made piece by piece need not be held
// whole in memory first. An error from write leaves nothing behind.
func WriteNewFrom(path string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := writeTemp(path, write, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A hard link fails if the target exists, so no output is ever replaced,
	// even by a concurrent writer.
	crashpoint.Hit(crashpoint.FS)
	err = os.Link(tmp, path)
	switch {
	case err == nil:
		crashpoint.Hit(crashpoint.FS)
		if err := os.Remove(tmp); err != nil {
			return fmt.Errorf("failed to remove temporary file for %q: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("refusing to overwrite %q: %w", path, fs.ErrExist)
	case noHardLinks(err):
		if err := renameNew(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("refusing to overwrite %q: %w", path, fs.ErrExist)
			}
			return fmt.Errorf("failed to write %q: %w", path, err)
		}
	default:
		return fmt.Errorf("failed to write %q: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// Replace writes data to path, replacing any previous content atomically.
func Replace(path string, data []byte, perm os.FileMode) error {
	s, err := Stage(path, data, perm)
	if err != nil {
		return err
	}
	return s.Replace()
}

// Staged is a file written and fsync'd beside its target, not yet in
// place: a step writes it while it does what must come first (a
// signature's record), and moves it into place after.
type Staged struct {
	tmp, path string
	// written is the staged file as it was written, to tell it from a
	// file put in its place (Link).
	written os.FileInfo
}

// Stage writes data to a temporary file beside path and fsyncs it. The
// caller then calls Replace or Discard.
func Stage(path string, data []byte, perm os.FileMode) (*Staged, error) {
	return StageFrom(path, perm, writeBytes(data))
}

// StageFrom is Stage of the bytes write writes, as it writes them. An
// error from write leaves nothing behind.
func StageFrom(path string, perm os.FileMode, write func(io.Writer) error) (*Staged, error) {
	tmp, err := writeTemp(path, write, perm)
	if err != nil {
		return nil, err
	}
	written, err := os.Lstat(tmp)
	if err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("failed to write %q: %w", path, err)
	}
	return &Staged{tmp: tmp, path: path, written: written}, nil
}

// ErrNoHardLinks is Link's error on a filesystem without hard links (FAT
// and exFAT).
var ErrNoHardLinks = errors.New("the filesystem has no hard links")

// Link gives the staged file a second name, name, which must not exist
// (fs.ErrExist), and fsyncs name's directory: a store that keeps the same
// bytes under a name of its own (a transcript's state) gets them without
// their being written twice. The second name keeps the bytes when Replace
// moves the file into place, and when that file is replaced in turn; the
// tool never changes a file in place. On a filesystem without hard links
// it fails with ErrNoHardLinks and makes nothing.
func (s *Staged) Link(name string) error {
	if s.tmp == "" {
		return fmt.Errorf("failed to link %q: the staged file for %q was moved into place or discarded already", name, s.path)
	}
	crashpoint.Hit(crashpoint.FS)
	switch err := os.Link(s.tmp, name); {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("refusing to overwrite %q: %w", name, fs.ErrExist)
	case err != nil && noHardLinks(err):
		return fmt.Errorf("failed to link %q: %w", name, ErrNoHardLinks)
	case err != nil:
		return fmt.Errorf("failed to link %q: %w", name, err)
	}
	// The name must be the file written, not one put in its place since.
	if fi, err := os.Lstat(name); err != nil || !os.SameFile(fi, s.written) {
		os.Remove(name)
		return fmt.Errorf("failed to link %q: the staged file for %q was replaced after it was written", name, s.path)
	}
	return syncDir(filepath.Dir(name))
}

// Replace moves the staged file into place, replacing any previous
// content atomically, and fsyncs the directory.
func (s *Staged) Replace() error {
	if s.tmp == "" {
		return fmt.Errorf("failed to write %q: its staged file was moved into place or discarded already", s.path)
	}
	crashpoint.Hit(crashpoint.FS)
	tmp := s.tmp
	s.tmp = ""
	if err := os.Rename(tmp, s.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("failed to write %q: %w", s.path, err)
	}
	return syncDir(filepath.Dir(s.path))
}

// Discard removes the staged file, unless Replace moved it into place.
func (s *Staged) Discard() {
	if s.tmp != "" {
		os.Remove(s.tmp)
		s.tmp = ""
	}
}

// MkdirAll creates dir and its parents and fsyncs each directory it made and
// the parent that holds it.
func MkdirAll(dir string, perm os.FileMode) error {
	dir = filepath.Clean(dir)
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%q exists and is not a directory", dir)
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := MkdirAll(parent, perm); err != nil {
			return err
		}
	}
	crashpoint.Hit(crashpoint.FS)
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("failed to create directory %q: %w", dir, err)
	}
	return syncDir(parent)
}

// maxTempBase is how much of the target's name a temporary name keeps: with
// the leading dot, ".tmp-" and CreateTemp's random digits (at most 20), it
// stays within the 255 bytes a file name may have.
const maxTempBase = 255 - len(".") - len(".tmp-") - 20

// tempPattern is the CreateTemp pattern for a temporary file beside path:
// the target's name, cut at a character boundary if need be.
func tempPattern(path string) string {
	base := filepath.Base(path)
	if len(base) > maxTempBase {
		cut := maxTempBase
		for cut > 0 && !utf8.RuneStart(base[cut]) {
			cut--
		}
		base = base[:cut]
	}
	return "." + base + ".tmp-*"
}

func writeBytes(data []byte) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}
}

// WriteParts writes parts to w, one after the other: a file made of
// pieces (a signed role whose "signed" is the bytes read, a bundle whose
// entries are the files' bytes) is written without joining them first.
func WriteParts(w io.Writer, parts [][]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// writeParts is WriteParts of parts, as WriteNewFrom and StageFrom take it.
func writeParts(parts [][]byte) func(io.Writer) error {
	return func(w io.Writer) error { return WriteParts(w, parts) }
}

// WriteNewParts is WriteNew of parts, one after the other.
func WriteNewParts(path string, parts [][]byte, perm os.FileMode) error {
	return WriteNewFrom(path, perm, writeParts(parts))
}

// StageParts is Stage of parts, one after the other.
func StageParts(path string, parts [][]byte, perm os.FileMode) (*Staged, error) {
	return StageFrom(path, perm, writeParts(parts))
}

func writeTemp(path string, write func(io.Writer) error, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), tempPattern(path))
	if err != nil {
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	// CreateTemp made the file 0600; a filesystem that keeps no modes
	// (FAT through FUSE) says so, and the file is written all the same.
	if err := f.Chmod(perm); err != nil && !noModes(err) {
		return fail(err)
	}
	crashpoint.Hit(crashpoint.FS)
	if err := write(f); err != nil {
		return fail(err)
	}
	crashpoint.Hit(crashpoint.FS)
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	return name, nil
}

// renameIfAbsent moves tmp to path after checking that path is absent.
func renameIfAbsent(tmp, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fs.ErrExist
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	crashpoint.Hit(crashpoint.FS)
	return os.Rename(tmp, path)
}

// SyncDir fsyncs a directory, so that the names made or moved in it
// survive a power cut.
func SyncDir(dir string) error { return syncDir(dir) }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("failed to open directory %q: %w", dir, err)
	}
	defer d.Close()
	crashpoint.Hit(crashpoint.FS)
	if err := d.Sync(); err != nil {
		return fmt.Errorf("failed to sync directory %q: %w", dir, err)
	}
	return nil
}
