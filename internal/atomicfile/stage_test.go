package atomicfile

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A staged file leaves its target as it was until Replace; Discard leaves
// nothing behind, and Discard after Replace takes nothing away.
func TestStageReplaceDiscard(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "claimed.json")
	if err := WriteNew(path, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Stage(path, []byte("v2"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != "v1" {
		t.Fatalf("the target reads %q while staged, want v1", got)
	}
	if len(names(t, dir)) != 2 {
		t.Fatalf("staged: %v, want the target and one temporary file", names(t, dir))
	}
	if err := s.Replace(); err != nil {
		t.Fatal(err)
	}
	s.Discard()
	if got, _ := os.ReadFile(path); string(got) != "v2" {
		t.Fatalf("the target reads %q after Replace and Discard, want v2", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"claimed.json"}) {
		t.Errorf("after Replace: %v, want the target alone", got)
	}

	d, err := Stage(path, []byte("v3"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	d.Discard()
	if got, _ := os.ReadFile(path); string(got) != "v2" {
		t.Fatalf("the target reads %q after a discarded stage, want v2", got)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"claimed.json"}) {
		t.Errorf("after Discard: %v, want the target alone", got)
	}
}
