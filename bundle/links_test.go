package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// linkedEntries hold the same bytes under several names: in separate
// slices (a.json, c/a-again.json), in one slice (big, big-too), under a
// first name too long to link to, and empty.
func linkedEntries() []Entry {
	same := []byte(`{"signed":{"_type":"targets","version":2},"signatures":[]}`)
	big := bytes.Repeat([]byte("claimed "), 1<<18)
	long := strings.Repeat("l", maxLinkName+1)
	return []Entry{
		{Name: "a.json", Data: same},
		{Name: "b.json", Data: []byte("other")},
		{Name: "c/a-again.json", Data: bytes.Clone(same)},
		{Name: "big", Data: big},
		{Name: "big-too", Data: big},
		{Name: long, Data: []byte("after a long name")},
		{Name: long + "2", Data: []byte("after a long name")},
		{Name: "empty", Data: nil},
		{Name: "empty-too", Data: nil},
	}
}

// An entry holding an earlier entry's bytes is written as a hard link to
// the first that holds them, with no data; Read takes it back and Get
// gives the bytes under both names.
func TestWriteLinksEntriesOfTheSameBytes(t *testing.T) {
	entries := linkedEntries()
	data, err := build(entries, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"c/a-again.json": "a.json", "big-too": "big"}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		target, linked := want[hdr.Name]
		switch {
		case linked && (hdr.Typeflag != tar.TypeLink || hdr.Linkname != target || hdr.Size != 0 || len(hdr.PAXRecords) != 0):
			t.Errorf("%q: %+v; want a hard link to %q", hdr.Name, hdr, target)
		case !linked && hdr.Typeflag != tar.TypeReg:
			t.Errorf("%q: type %q; want a regular file", hdr.Name, hdr.Typeflag)
		}
		delete(want, hdr.Name)
	}
	if len(want) != 0 {
		t.Errorf("not in the archive: %v", want)
	}
	// The big entry's bytes are in the file once.
	if n := bytes.Count(data, []byte("claimed claimed ")); n > 1<<18 {
		t.Errorf("the big entry's bytes are in the archive more than once (%d repeats)", n)
	}
	b, err := read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
	if err != nil {
		t.Fatalf("Read refused what Write made: %v", err)
	}
	for _, e := range entries {
		got, ok := b.Get(e.Name)
		if !ok || !bytes.Equal(got, e.Data) {
			t.Errorf("Get(%q) = %d bytes, %v; want the %d bytes written", e.Name, len(got), ok, len(e.Data))
		}
	}
	// The same entries, none sharing a slice, give the same bytes.
	var copies []Entry
	for _, e := range entries {
		copies = append(copies, Entry{Name: e.Name, Data: bytes.Clone(e.Data)})
	}
	again, err := build(copies, DefaultLimits())
	if err != nil || !bytes.Equal(again, data) {
		t.Errorf("the same bytes in separate slices gave another bundle (%v)", err)
	}
}

// A hard link counts in the total as the bytes it stands for: what a
// reader may unpack stays bounded.
func TestWriteCountsLinksInTheTotal(t *testing.T) {
	same := bytes.Repeat([]byte("s"), 4000)
	var entries []Entry
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		entries = append(entries, Entry{Name: name, Data: same})
	}
	_, err := build(entries, smallLimits)
	var v *Violation
	if !errors.As(err, &v) || v.Rule != RuleTotalTooLarge || v.Entry != "e" {
		t.Fatalf("five names for 4000 bytes within a total of %d: %v; want %s at \"e\"", smallLimits.MaxTotal, err, RuleTotalTooLarge)
	}
}

// tar(1) extracts a hard link as a second name for the first entry's
// file.
func TestWriteLinksReadableByTar(t *testing.T) {
	tarPath, err := exec.LookPath("tar")
	if err != nil {
		t.Fatalf("tar(1) is not installed: %v", err)
	}
	entries := linkedEntries()
	p, _ := writeBundle(t, entries)
	dir := t.TempDir()
	if out, err := exec.Command(tarPath, "-x", "-f", p, "-C", dir).CombinedOutput(); err != nil {
		t.Fatalf("tar -x: %v\n%s", err, out)
	}
	for _, e := range entries {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.Name)))
		if err != nil || !bytes.Equal(got, e.Data) {
			t.Errorf("tar extracted %q as %d bytes (%v)", e.Name, len(got), err)
		}
	}
	a, errA := os.Stat(filepath.Join(dir, "a.json"))
	c, errC := os.Stat(filepath.Join(dir, "c", "a-again.json"))
	if errA != nil || errC != nil || !os.SameFile(a, c) {
		t.Errorf("c/a-again.json is not extracted as a second name of a.json (%v, %v)", errA, errC)
	}
}
