package metafile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// checkMarshalWriting holds MarshalWriting to Marshal's bytes: what it
// returns and what it wrote.
func checkMarshalWriting(t *testing.T, f *File, marshaled []byte) {
	t.Helper()
	var written bytes.Buffer
	got, err := f.MarshalWriting(&written)
	if err != nil {
		t.Fatalf("MarshalWriting: %v", err)
	}
	if !bytes.Equal(got, marshaled) {
		t.Errorf("MarshalWriting returns %d bytes that are not Marshal's %d", len(got), len(marshaled))
	}
	if !bytes.Equal(written.Bytes(), marshaled) {
		t.Errorf("MarshalWriting wrote %d bytes that are not Marshal's %d", written.Len(), len(marshaled))
	}
}

// bigTargets is an unsigned targets file of n delegations, several
// stretches long once marshaled.
func bigTargets(t *testing.T, n int) *File {
	t.Helper()
	tt := metadata.Targets(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	tt.Signed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	for i := range n {
		tt.Signed.Delegations.Roles = append(tt.Signed.Delegations.Roles, metadata.DelegatedRole{
			Name: fmt.Sprintf("project-%06d", i), KeyIDs: []string{strings.Repeat("ab", 32)}, Threshold: 1,
			Terminating: true, Paths: []string{fmt.Sprintf("project-%06d/*", i)}})
	}
	f, err := FromSigned(&tt.Signed)
	if err != nil {
		t.Fatal(err)
	}
	f.AddSignature(strings.Repeat("cd", 32), strings.Repeat("ef", 64))
	return f
}

func TestMarshalWritingInStretches(t *testing.T) {
	f := bigTargets(t, 60000)
	marshaled, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if len(marshaled) < 3*stretch {
		t.Fatalf("the file is %d bytes, under three stretches of %d", len(marshaled), stretch)
	}
	var writes countingWriter
	got, err := f.MarshalWriting(&writes)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, marshaled) || !bytes.Equal(writes.Bytes(), marshaled) {
		t.Fatalf("MarshalWriting returned %d and wrote %d bytes, not Marshal's %d", len(got), writes.Len(), len(marshaled))
	}
	if want := (len(marshaled) + stretch - 1) / stretch; writes.calls < want-1 || writes.calls > want+1 {
		t.Errorf("MarshalWriting wrote %d bytes in %d writes, want about %d stretches", len(marshaled), writes.calls, want)
	}
}

// A writer that fails is written no more; the bytes are still returned
// whole, with its error.
func TestMarshalWritingStopsAtAnError(t *testing.T) {
	f := bigTargets(t, 30000)
	marshaled, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	full := errors.New("no space left on device")
	w := &failingWriter{after: 1, err: full}
	got, err := f.MarshalWriting(w)
	if !errors.Is(err, full) {
		t.Fatalf("MarshalWriting to a writer that fails: %v, want its error", err)
	}
	if w.calls != 2 {
		t.Errorf("the writer was called %d times: once it failed, nothing more is written", w.calls)
	}
	if !bytes.Equal(got, marshaled) {
		t.Error("MarshalWriting returned bytes that are not Marshal's")
	}
}

type countingWriter struct {
	bytes.Buffer
	calls int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.calls++
	return c.Buffer.Write(p)
}

type failingWriter struct {
	after, calls int
	err          error
}

func (f *failingWriter) Write(p []byte) (int, error) {
	f.calls++
	if f.calls > f.after {
		return 0, f.err
	}
	return len(p), nil
}
