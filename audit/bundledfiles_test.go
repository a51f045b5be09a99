package audit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// TestBundledFilesWritesSameBytesOnce: an entry with bytes written already
// is a second name of that file; other bytes are a file of their own; an
// entry the bundle does not hold is an error naming none of the others.
func TestBundledFilesWritesSameBytesOnce(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.tar")
	state, other := []byte(`{"signed":{"version":2}}`), []byte(`{"signed":{"version":1}}`)
	if _, err := bundle.Write(path, []bundle.Entry{
		{Name: "metadata/claimed.json", Data: state},
		{Name: "transcript/states/s.json", Data: state},
		{Name: "trusted/claimed.json", Data: other},
	}); err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ws := filepath.Join(dir, "ws")
	files := newBundledFiles(b, ws)
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
