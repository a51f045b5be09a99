package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// sameBytesTwice is a bundle with a state and its metadata's bytes under
// two names, and other bytes, unpacked (or only read), to be written out
// in a new directory.
func sameBytesTwice(t *testing.T, unpacked bool) (files *bundledFiles, state, other []byte) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "b.tar")
	state, other = []byte(`{"signed":{"version":2}}`), []byte(`{"signed":{"version":1}}`)
	if _, err := bundle.Write(path, []bundle.Entry{
		{Name: "metadata/claimed.json", Data: state},
		{Name: "transcript/states/s.json", Data: state},
		{Name: "trusted/claimed.json", Data: other},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if unpacked {
		entries := filepath.Join(dir, "entries")
		if err := os.Mkdir(entries, 0o700); err != nil {
			t.Fatal(err)
		}
		b, err = bundle.ReadUnpacked(path, bundle.DefaultLimits(), entries)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return newBundledFiles(b, filepath.Join(dir, "ws")), state, other
}

// TestBundledFilesWritesSameBytesOnce: entries of one unpacked file are
// second names of it; other bytes are a file of their own; an entry the
// bundle does not hold is an error naming none of the others.
func TestBundledFilesWritesSameBytesOnce(t *testing.T) {
	files, state, other := sameBytesTwice(t, true)
	ws := files.dir
	for entry, rel := range map[string]string{"metadata/claimed.json": "metadata/claimed.json", "trusted/claimed.json": "trusted/claimed.json"} {
		if err := files.write(entry, rel); err != nil {
			t.Fatal(err)
		}
	}
	if err := files.write("transcript/states/s.json", "transcript/states/s.json"); err != nil {
		t.Fatal(err)
	}
	stat := func(rel string) os.FileInfo {
		fi, err := os.Stat(filepath.Join(ws, rel))
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if !os.SameFile(stat("metadata/claimed.json"), stat("transcript/states/s.json")) {
		t.Error("the state with the metadata's bytes was written again, not named again")
	}
	if os.SameFile(stat("metadata/claimed.json"), stat("trusted/claimed.json")) {
		t.Error("other bytes were named as the metadata")
	}
	for rel, want := range map[string][]byte{"transcript/states/s.json": state, "trusted/claimed.json": other} {
		if got, err := os.ReadFile(filepath.Join(ws, rel)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s holds %q (%v), want %q", rel, got, err, want)
		}
	}
	if err := files.write("plan.yaml", "plan.yaml"); err == nil {
		t.Error("an entry the bundle does not hold was written")
	}
}

// TestBundledFilesWritesNoNameTwice: a name written already is an error,
// and the file under it, a second name of another, is left as it was.
func TestBundledFilesWritesNoNameTwice(t *testing.T) {
	files, state, _ := sameBytesTwice(t, true)
	ws := files.dir
	for _, entry := range []string{"metadata/claimed.json", "transcript/states/s.json"} {
		if err := files.write(entry, entry); err != nil {
			t.Fatal(err)
		}
	}
	for _, entry := range []string{"trusted/claimed.json", "metadata/claimed.json"} {
		if err := files.write(entry, "transcript/states/s.json"); err == nil {
			t.Errorf("%s was written where a file is already", entry)
		}
	}
	if got, err := os.ReadFile(filepath.Join(ws, "metadata/claimed.json")); err != nil || !bytes.Equal(got, state) {
		t.Errorf("the first name holds %q (%v), want %q", got, err, state)
	}
}

// TestBundledFilesWritesWhatGetReads: a bundle Read read (nothing
// unpacked to name again) is written out with the bytes Get reads.
func TestBundledFilesWritesWhatGetReads(t *testing.T) {
	files, state, other := sameBytesTwice(t, false)
	for entry, want := range map[string][]byte{"metadata/claimed.json": state, "transcript/states/s.json": state, "trusted/claimed.json": other} {
		if err := files.write(entry, entry); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(filepath.Join(files.dir, entry)); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s holds %q (%v), want %q", entry, got, err, want)
		}
	}
}
