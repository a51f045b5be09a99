package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteNewFromWritesPieces: the pieces written become the file, with
// the mode asked, and nothing else is left in the directory.
func TestWriteNewFromWritesPieces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bundle.tar")
	err := WriteNewFrom(path, 0o640, func(w io.Writer) error {
		for _, piece := range []string{"one ", "two ", "three"} {
			if _, err := io.WriteString(w, piece); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(readFile(t, path)); got != "one two three" {
		t.Errorf("file holds %q", got)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, %v; want 0640", fi.Mode(), err)
	}
	if got := names(t, dir); !equalNames(got, []string{"bundle.tar"}) {
		t.Errorf("directory holds %v", got)
	}
}

// TestWriteNewFromFailsCleanly: an error from write is returned and leaves
// no file and no temporary file; an existing file is refused and kept.
func TestWriteNewFromFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bundle.tar")
	broken := errors.New("the source broke")
	err := WriteNewFrom(path, 0o644, func(w io.Writer) error {
		io.WriteString(w, "half")
		return broken
	})
	if !errors.Is(err, broken) {
		t.Fatalf("error %v, want the write's", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("a failed write left %v", got)
	}
	if err := os.WriteFile(path, []byte("kept"), 0o644); err != nil {
		t.Fatal(err)
	}
	err = WriteNewFrom(path, 0o644, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err })
	if !errors.Is(err, fs.ErrExist) || string(readFile(t, path)) != "kept" {
		t.Errorf("error %v, file %q: want the existing file refused and kept", err, readFile(t, path))
	}
	if got := names(t, dir); !equalNames(got, []string{"bundle.tar"}) {
		t.Errorf("directory holds %v", got)
	}
}
