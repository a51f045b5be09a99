// Package bounded reads files that came from outside, or that a person
// named, without letting their size decide how much memory is used: a
// regular file only, refused when its size is over the limit, and never
// more than the limit read, whatever the size said.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrTooLarge means a file is over the limit its reader sets.
var ErrTooLarge = errors.New("over the size limit")

// tooLarge says by how much; it is ErrTooLarge.
type tooLarge struct{ msg string }

func (e *tooLarge) Error() string        { return e.msg }
func (e *tooLarge) Is(target error) bool { return target == ErrTooLarge }

// ReadFile reads the regular file at path (links followed), at most limit
// bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	// Opened without blocking (a FIFO nobody writes would hold the open),
	// then refused unless it is a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	if fi.Size() > limit {
		return nil, &tooLarge{fmt.Sprintf("%s: %d bytes, over the limit of %d", path, fi.Size(), limit)}
	}
	data, err := ReadSized(f, fi.Size(), limit)
	if errors.Is(err, ErrTooLarge) {
		return nil, &tooLarge{fmt.Sprintf("%s: grew over the limit of %d bytes while it was read", path, limit)}
	}
	return data, err
}

// ReadSized reads r to its end, expected after size bytes (a file's size
// when it was opened), and at most limit bytes: more is ErrTooLarge. One
// buffer of size+1 bytes takes the whole of an unchanged file, where
// io.ReadAll would grow its buffer some thirty times over a metadata file
// of 77 MB, allocating and clearing four times that. A file that grew
// since is read on as it comes.
func ReadSized(r io.Reader, size, limit int64) ([]byte, error) {
	size = max(0, min(size, limit))
	data := make([]byte, size+1)
	n, err := io.ReadFull(r, data)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		return data[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(io.LimitReader(r, limit+1-int64(n)))
	if err != nil {
		return nil, err
	}
	if int64(n+len(rest)) > limit {
		return nil, &tooLarge{fmt.Sprintf("over the limit of %d bytes", limit)}
	}
	return append(data, rest...), nil
}
