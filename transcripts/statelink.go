package transcripts

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// PutStateOf stores the whole content of file as a state, as PutState
// stores bytes: a file this process wrote a moment ago through atomicfile,
// so fsync'd (an init's metadata). The file is read a megabyte at a time
// and hashed and checked as it is read, never held whole, and the store
// gives it a second name instead of writing it again: claimed at
// 1,000,000 projects is 773 MB, neither held in memory by the init that
// wrote it nor written twice.
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
// exFAT), the file is copied into the store, hashed again as it is
// copied.
func (t *Transcript) PutStateOf(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		return "", fmt.Errorf("failed to read state %q: %w", file, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("failed to read state %q: %w", file, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("state %q is not a regular file (%s)", file, fi.Mode().Type())
	}
	hash, err := scanStateFile(f, file)
	if err != nil {
		return "", err
	}
	if err := atomicfile.MkdirAll(filepath.Join(t.dir, StatesDir), 0o755); err != nil {
		return "", err
	}
	p := t.statePath(hash)
	crashpoint.Hit(crashpoint.FS)
	switch err := os.Link(file, p); {
	case err == nil:
		// The name is the file read only if file was not replaced
		// between the reading and the link.
		if lfi, err := os.Stat(p); err != nil || !os.SameFile(fi, lfi) {
			os.Remove(p)
			return "", fmt.Errorf("state %q was replaced while it was stored", file)
		}
		return hash, syncDir(filepath.Dir(p))
	case errors.Is(err, fs.ErrExist):
		// Stored before, perhaps by a process killed before its fsyncs.
		return hash, syncStored(p, hash)
	}
	err = atomicfile.WriteNewFrom(p, 0o644, func(w io.Writer) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		again, err := scanState(io.TeeReader(f, w))
		if err == nil && again != hash {
			err = fmt.Errorf("state %q changed while it was stored", file)
		}
		return err
	})
	if errors.Is(err, fs.ErrExist) {
		err = syncStored(p, hash)
	}
	if err != nil {
		return "", err
	}
	return hash, nil
}

// scanStateFile is scanState of f, read from file, with file named in its
// errors.
func scanStateFile(f io.Reader, file string) (string, error) {
	hash, err := scanState(f)
	if err != nil {
		return "", fmt.Errorf("state %q: %w", file, err)
	}
	return hash, nil
}

// scanState reads a state to its end a megabyte at a time and names it by
// its SHA-256, checking it as PutState checks bytes: within MaxStateSize,
// holding no private key.
func scanState(r io.Reader) (string, error) {
	s := &stateScan{h: sha256.New()}
	n, err := io.CopyBuffer(s, io.LimitReader(r, MaxStateSize+1), make([]byte, 1<<20))
	switch {
	case err != nil:
		return "", err
	case n > MaxStateSize:
		return "", fmt.Errorf("over the limit of %d bytes", MaxStateSize)
	case s.secret:
		return "", errStateHoldsKey
	}
	return hex.EncodeToString(s.h.Sum(nil)), nil
}

// stateScan hashes what is written to it and looks for a private key's
// marker in it, across the ends of the writes too: the last bytes of one
// write are kept to be searched with the start of the next.
type stateScan struct {
	h      hash.Hash
	tail   []byte
	secret bool
}

func (s *stateScan) Write(p []byte) (int, error) {
	s.h.Write(p)
	if !s.secret && (pieces{s.tail, p}).contains([]byte(privateKeyMarker)) {
		s.secret = true
	}
	keep := len(privateKeyMarker) - 1
	if len(p) >= keep {
		s.tail = append(s.tail[:0], p[len(p)-keep:]...)
	} else {
		s.tail = append(s.tail, p...)
		s.tail = s.tail[max(0, len(s.tail)-keep):]
	}
	return len(p), nil
}
