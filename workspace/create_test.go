package workspace_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A hook alongside the metadata writes its files while the metadata is
// written; the hooks after see both as written. A hook alongside that
// fails fails the init, and nothing of the workspace is left.
func TestCreateAlongside(t *testing.T) {
	trusted := bytes.Repeat([]byte("t"), 1<<20)
	roles := func() map[string]*metafile.File {
		return map[string]*metafile.File{"root": rootFile(t, 1), "targets": targetsFile(t)}
	}
	dir := filepath.Join(t.TempDir(), "ws")
	var seenTrusted, seenRoot []byte
	w, err := workspace.CreateAlongside(dir, testState(), planBytes, nil, roles(), func(w *workspace.Workspace) error {
		return w.WriteNewFile("trusted/claimed.json", trusted)
	}, func(w *workspace.Workspace) error {
		var err error
		if seenTrusted, err = w.ReadFile("trusted/claimed.json"); err != nil {
			return err
		}
		seenRoot, err = w.MetadataBytes("root")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(seenTrusted, trusted) || len(seenRoot) == 0 {
		t.Errorf("the hook after saw %d bytes of the file written alongside (want %d) and %d of root", len(seenTrusted), len(trusted), len(seenRoot))
	}
	if onDisk, err := os.ReadFile(filepath.Join(dir, "trusted", "claimed.json")); err != nil || !bytes.Equal(onDisk, trusted) {
		t.Errorf("the file written alongside is not on disk as written (%v)", err)
	}
	if _, err := workspace.Open(w.Dir); err != nil {
		t.Errorf("the workspace made does not open: %v", err)
	}

	failed := filepath.Join(t.TempDir(), "failed")
	full := errors.New("no space left on device")
	ran := false
	_, err = workspace.CreateAlongside(failed, testState(), planBytes, nil, roles(), func(w *workspace.Workspace) error {
		if err := w.WriteNewFile("trusted/claimed.json", trusted); err != nil {
			return err
		}
		return full
	}, func(*workspace.Workspace) error {
		ran = true
		return nil
	})
	if !errors.Is(err, full) {
		t.Fatalf("CreateAlongside with a failing hook alongside: %v, want its error", err)
	}
	if ran {
		t.Error("the hooks after ran although the hook alongside failed")
	}
	if _, err := os.Stat(failed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed init left %s (%v)", failed, err)
	}
}
