package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A staged file's second name holds what was written, while staged, once
// moved into place and once that file is replaced in turn; Link refuses
// an existing name and a staged file put in another's place.
func TestStagedLinkKeepsWhatWasWritten(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	if err := os.Mkdir(store, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "claimed.json")
	second := filepath.Join(store, "v2.json")
	s, err := Stage(path, []byte("v2"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Link(second); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(second); string(got) != "v2" {
		t.Fatalf("the second name reads %q while staged, want v2", got)
	}
	if err := s.Link(second); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("Link over an existing name: %v, want fs.ErrExist", err)
	}
	if err := s.Replace(); err != nil {
		t.Fatal(err)
	}
	if err := s.Link(filepath.Join(store, "again.json")); err == nil {
		t.Fatal("Link after Replace succeeded")
	}
	a, _ := os.Stat(path)
	b, _ := os.Stat(second)
	if !os.SameFile(a, b) {
		t.Fatal("the target and the second name are two files, want one")
	}
	if err := Replace(path, []byte("v3"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(second); string(got) != "v2" {
		t.Fatalf("the second name reads %q once the target was replaced, want v2", got)
	}

	// A staged file replaced after it was written is not linked.
	s, err = Stage(path, []byte("v4"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Discard()
	if err := os.WriteFile(s.tmp+"-other", []byte("forged"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(s.tmp+"-other", s.tmp); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(store, "v4.json")
	if err := s.Link(other); err == nil || !strings.Contains(err.Error(), "replaced after it was written") {
		t.Fatalf("Link of a staged file replaced since: %v, want a refusal", err)
	}
	if _, err := os.Lstat(other); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the refused name is left behind: %v", err)
	}
}
