package metafile

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// checkMarshalWriting holds MarshalWriting to Marshal's bytes: what it
// wrote.
func checkMarshalWriting(t *testing.T, f *File, marshaled []byte) {
	t.Helper()
	var written bytes.Buffer
	if err := f.MarshalWriting(&written); err != nil {
		t.Fatalf("MarshalWriting: %v", err)
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
	writes.Grow(len(marshaled) + 1)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := f.MarshalWriting(&writes); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if held := after.TotalAlloc - before.TotalAlloc; held > stretches*stretch+1<<20 {
		t.Errorf("MarshalWriting of %d bytes allocated %d: it holds them whole, not %d stretches", len(marshaled), held, stretches)
	}
	if !bytes.Equal(writes.Bytes(), marshaled) {
		t.Fatalf("MarshalWriting wrote %d bytes, not Marshal's %d", writes.Len(), len(marshaled))
	}
	if want := (len(marshaled) + stretch - 1) / stretch; writes.calls != want {
		t.Errorf("MarshalWriting wrote %d bytes in %d writes, want %d stretches", len(marshaled), writes.calls, want)
	}

	// Read and signed again, the file is written with its "signed" handed
	// over as it is, between what comes before and after it.
	read, err := Parse(marshaled)
	if err != nil {
		t.Fatal(err)
	}
	read.AddSignature(strings.Repeat("ef", 32), strings.Repeat("01", 64))
	again, err := read.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var rewrites countingWriter
	if err := read.MarshalWriting(&rewrites); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rewrites.Bytes(), again) {
		t.Fatalf("MarshalWriting of the file read and signed again wrote %d bytes, not Marshal's %d", rewrites.Len(), len(again))
	}
	if rewrites.calls != 3 || !sameSlice(rewrites.writes[1], read.Signed) {
		t.Errorf("MarshalWriting of the file read and signed again wrote in %d writes, want 3 with \"signed\" handed over as it is", rewrites.calls)
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
	err = f.MarshalWriting(w)
	if !errors.Is(err, full) {
		t.Fatalf("MarshalWriting to a writer that fails: %v, want its error", err)
	}
	if w.calls != 2 {
		t.Errorf("the writer was called %d times: once it failed, nothing more is written", w.calls)
	}
	if len(marshaled) <= 2*stretch {
		t.Errorf("the file is %d bytes, two stretches or less: a third write would not have come", len(marshaled))
	}
}

type countingWriter struct {
	bytes.Buffer
	calls  int
	writes [][]byte
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.calls++
	c.writes = append(c.writes, p)
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
