// Package atomicfile writes files so that a reader, or a workspace after a
// crash or power cut, sees either the old content or the new content in full,
// never a torn file.
//
// Every write goes to a temporary file in the same directory, is fsync'd,
// then moved into place, and the directory is fsync'd so that the move
// itself survives a power cut. WriteNew never replaces an existing file: it
// is used for outputs (keys, bundles, reports) that must not be overwritten.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrExists is returned by WriteNew when the target already exists.
var ErrExists = fs.ErrExist

// WriteNew writes data to path, refusing if path exists.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	// A hard link fails if the target exists, so no output is ever replaced,
	// even by a concurrent writer.
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("refusing to overwrite %q: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("failed to write %q: %w", path, err)
	}
	if err := os.Remove(tmp); err != nil {
		return fmt.Errorf("failed to remove temporary file for %q: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// Replace writes data to path, replacing any previous content atomically.
func Replace(path string, data []byte, perm os.FileMode) error {
	tmp, err := writeTemp(path, data, perm)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("failed to write %q: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
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
	if err := os.Mkdir(dir, perm); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("failed to create directory %q: %w", dir, err)
	}
	return syncDir(parent)
}

func writeTemp(path string, data []byte, perm os.FileMode) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", fmt.Errorf("failed to write %q: %w", path, err)
	}
	return name, nil
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
	if err := d.Sync(); err != nil {
		return fmt.Errorf("failed to sync directory %q: %w", dir, err)
	}
	return nil
}
