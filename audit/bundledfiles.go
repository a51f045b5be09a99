package audit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// bundledFiles writes a bundle's entries out as a workspace, in a private
// temporary directory, for the replay and the rebuild to read.
//
// Each entry becomes a second name of the file bundle.ReadUnpacked wrote
// as it checked the entry (readUnpacked): nothing is read from the
// bundle, checked or written again, and bytes the bundle holds under two
// names (a role's last transcript state and its metadata, 77 MB for
// claimed at 100,000 projects) are one file. Where a second name cannot
// be made (no hard links; a bundle Read read), the bytes Get reads are
// written.
type bundledFiles struct {
	b   *bundle.Bundle
	dir string
}

func newBundledFiles(b *bundle.Bundle, dir string) *bundledFiles {
	return &bundledFiles{b: b, dir: dir}
}

// write writes entry at rel under the directory, a new file: a second
// name of the entry's unpacked file, else the bytes Get reads. The error
// is b.Err() when the entry could not be read as it was checked.
func (w *bundledFiles) write(entry, rel string) error {
	p := filepath.Join(w.dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	if first, ok := w.b.Unpacked(entry); ok {
		// A name that is there already is an error, not a file to
		// write over (it may be a second name of another).
		if err := os.Link(first, p); err == nil || errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	data, ok := w.b.Get(entry)
	if !ok {
		if err := w.b.Err(); err != nil {
			return err
		}
		return fmt.Errorf("the bundle does not hold it")
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readUnpacked reads the bundle at path as hostile input (DefaultLimits),
// writing its entries as they are checked into a new private temporary
// directory (bundle.ReadUnpacked), which Close removes: what verify and
// replay read of an entry, and the workspace they write it out as, are
// that file, not the bundle's file read again.
func readUnpacked(path string) (*bundle.Bundle, error) {
	tmp, err := os.MkdirTemp("", "ceremony-bundle-")
	if err != nil {
		return nil, &bundle.UnpackError{Err: err}
	}
	return bundle.ReadUnpacked(path, bundle.DefaultLimits(), tmp)
}
