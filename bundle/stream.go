package bundle

import (
	"fmt"
	"io"
)

// Prepared is a bundle checked against every rule Write checks, to be
// written as its bytes are made: a ceremony's bundle can be hundreds of
// megabytes, which Bytes holds whole in memory beside the entries. WriteTo
// gives exactly the bytes Bytes gives for the same entries.
type Prepared struct{ p *prepared }

// Prepare checks entries as Write does (see Write) and makes the manifest.
func Prepare(entries []Entry) (*Prepared, error) {
	p, err := prepare(entries, DefaultLimits())
	if err != nil {
		return nil, fmt.Errorf("failed to make the bundle: %w", err)
	}
	return &Prepared{p}, nil
}

// WriteTo writes the bundle's bytes to w.
func (b *Prepared) WriteTo(w io.Writer) (int64, error) {
	cw := &countingWriter{w: w}
	err := b.p.writeTar(cw)
	return cw.n, err
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
