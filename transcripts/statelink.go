package transcripts

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// PutStateOf stores data as PutState does, where data is the whole
// content of file: a file this process wrote a moment ago through
// atomicfile, so fsync'd (an init's metadata). The store gives file a
// second name instead of writing data again: claimed at 1,000,000
// projects is 773 MB, written once instead of twice.
//
// The tool replaces a metadata file whole (atomicfile), never changes one
// in place, so the state's name keeps these bytes when file is replaced
// by its signed version. Anything that did change file in place (cp over
// it, or an editor that keeps a file's other names) would change the
// state with it: every later read of the state refuses it for not hashing
// to its name, as it refuses any change to the store, and the init's
// state is lost with the metadata. Metadata files are never edited by
// hand.
//
// Where no hard link can be made (a filesystem without them, FAT or
// exFAT), or file is not a regular file of data's size, data is written
// as PutState writes it.
func (t *Transcript) PutStateOf(data []byte, file string) (string, error) {
	hash, err := t.admitState(pieces{data})
	if err != nil {
		return "", err
	}
	if fi, err := os.Lstat(file); err != nil || !fi.Mode().IsRegular() || fi.Size() != int64(len(data)) {
		return t.writeState(pieces{data}, hash)
	}
	p := t.statePath(hash)
	crashpoint.Hit(crashpoint.FS)
	switch err := os.Link(file, p); {
	case err == nil:
		return hash, syncDir(filepath.Dir(p))
	case errors.Is(err, fs.ErrExist):
		// Stored before, perhaps by a process killed before its fsyncs.
		return hash, syncStored(p, hash)
	}
	return t.writeState(pieces{data}, hash)
}
