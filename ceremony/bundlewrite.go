package ceremony

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// putBundle writes the bundle p to out as its bytes are made (a claims
// bundle at PyPI's scale is 310 MB: built whole in memory, then hashed,
// then written, it was held twice at once), hashing them on another core
// as they are written. A file already at out that holds these very bytes,
// compared part by part, is left as it is (same); one that holds anything
// else, or is no regular file, is refused with an error matching
// fs.ErrExist, never replaced.
func putBundle(out string, p *bundle.Prepared) (sum [sha256.Size]byte, same bool, err error) {
	parts, err := p.Parts()
	if err != nil {
		return sum, false, err
	}
	hashed := make(chan [sha256.Size]byte, 1)
	go func() {
		h := sha256.New()
		for _, part := range parts {
			h.Write(part)
		}
		var s [sha256.Size]byte
		copy(s[:], h.Sum(nil))
		hashed <- s
	}()
	fi, err := os.Lstat(out)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = atomicfile.WriteNewParts(out, parts, 0o644)
	case err == nil:
		if same, err = holdsParts(out, fi, parts); err == nil && !same {
			err = fmt.Errorf("refusing to overwrite %q: %w", out, fs.ErrExist)
		}
	}
	sum = <-hashed
	if err != nil {
		return sum, false, err
	}
	return sum, same, nil
}

// holdsParts reports whether the file at path (fi, from Lstat) is a
// regular file holding exactly the bytes of parts, one after the other.
func holdsParts(path string, fi fs.FileInfo, parts [][]byte) (bool, error) {
	if !fi.Mode().IsRegular() {
		return false, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	if err := atomicfile.WriteParts(&comparingWriter{r: f}, parts); err != nil {
		if errors.Is(err, errDiffers) {
			return false, nil
		}
		return false, err
	}
	// Equal so far: the file must end where the bundle does.
	n, err := f.Read(make([]byte, 1))
	if n > 0 {
		return false, nil
	}
	if err != io.EOF {
		return false, err
	}
	return true, nil
}

// errDiffers stops a comparison at the first byte that differs.
var errDiffers = errors.New("the file differs")

// comparingWriter compares what is written to it with what r reads next.
type comparingWriter struct {
	r   io.Reader
	buf []byte
}

func (c *comparingWriter) Write(p []byte) (int, error) {
	const chunk = 1 << 20
	for done := 0; done < len(p); {
		n := min(len(p)-done, chunk)
		if cap(c.buf) < n {
			c.buf = make([]byte, chunk)
		}
		got := c.buf[:n]
		if _, err := io.ReadFull(c.r, got); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return done, errDiffers
			}
			return done, err
		}
		if !bytes.Equal(got, p[done:done+n]) {
			return done, errDiffers
		}
		done += n
	}
	return len(p), nil
}
