package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/fattest"
)

// TestWriteNewOnUSBStickFilesystems: on FAT and exFAT, which have no hard
// links, WriteNew still writes a new file, still refuses to replace one,
// and leaves no temporary file; Replace replaces.
func TestWriteNewOnUSBStickFilesystems(t *testing.T) {
	for _, kind := range fattest.Kinds {
		t.Run(kind, func(t *testing.T) {
			mnt := fattest.Mount(t, kind)
			probe := filepath.Join(mnt, "probe")
			if err := os.WriteFile(probe, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Link(probe, probe+"2"); err == nil {
				t.Fatal("the filesystem takes hard links: it does not stand for a USB stick")
			}
			if err := os.Remove(probe); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(mnt, "bundle.tar")
			if err := WriteNew(path, []byte("first"), 0o644); err != nil {
				t.Fatalf("WriteNew: %v", err)
			}
			err := WriteNew(path, []byte("second"), 0o644)
			if !errors.Is(err, fs.ErrExist) {
				t.Fatalf("WriteNew over an existing file: %v, want fs.ErrExist", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "first" {
				t.Fatalf("the existing file holds %q", got)
			}
			if err := Replace(path, []byte("third"), 0o644); err != nil {
				t.Fatalf("Replace: %v", err)
			}
			if got, _ := os.ReadFile(path); string(got) != "third" {
				t.Fatalf("after Replace the file holds %q", got)
			}
			long := filepath.Join(mnt, strings.Repeat("b", 236)+".tar")
			if err := WriteNew(long, []byte("long"), 0o644); err != nil {
				t.Fatalf("WriteNew of a 240-character name: %v", err)
			}
			mustHoldOnly(t, mnt, "bundle.tar", filepath.Base(long))
			staged, err := Stage(path, []byte("fourth"), 0o644)
			if err != nil {
				t.Fatal(err)
			}
			if err := staged.Link(filepath.Join(mnt, "second")); !errors.Is(err, ErrNoHardLinks) {
				t.Fatalf("Link on %s: %v, want ErrNoHardLinks", kind, err)
			}
			staged.Discard()
			mustHoldOnly(t, mnt, "bundle.tar", filepath.Base(long))
		})
	}
}

// mustHoldOnly fails unless dir holds exactly want (no temporary file).
func mustHoldOnly(t *testing.T, dir string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("%s holds %q, want %q", dir, got, want)
	}
}
