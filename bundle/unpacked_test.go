package bundle

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ReadUnpacked gives what Read gives, from files it wrote as it checked
// them: a link is read from its target's file; the bundle's file changed
// afterwards changes nothing read; a file of the wrong size is an error;
// Close removes the directory.
func TestReadUnpacked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "b.tar")
	entries := linkedEntries()
	if _, err := Write(path, entries); err != nil {
		t.Fatal(err)
	}
	unpacked := filepath.Join(dir, "unpacked")
	if err := os.Mkdir(unpacked, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := ReadUnpacked(path, DefaultLimits(), unpacked)
	if err != nil {
		t.Fatal(err)
	}
	// What is read comes from the files written, not the bundle's.
	if err := os.WriteFile(path, []byte("not a bundle"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got, ok := b.Get(e.Name)
		if !ok || !bytes.Equal(got, e.Data) {
			t.Errorf("%q: got %d bytes (%v), want %d", e.Name, len(got), b.Err(), len(e.Data))
		}
		if _, ok := b.Unpacked(e.Name); !ok {
			t.Errorf("%q has no file", e.Name)
		}
	}
	stat := func(name string) os.FileInfo {
		p, _ := b.Unpacked(name)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi
	}
	if !os.SameFile(stat("big"), stat("big-too")) || !os.SameFile(stat("a.json"), stat("c/a-again.json")) {
		t.Error("a link was written again, not named again")
	}
	if os.SameFile(stat("a.json"), stat("b.json")) {
		t.Error("two entries of other bytes share a file")
	}
	if _, ok := b.Unpacked("nothing"); ok {
		t.Error("a name the bundle does not hold has a file")
	}
	p, _ := b.Unpacked("b.json")
	if err := os.WriteFile(p, []byte("other, longer"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get("b.json"); ok || b.Err() == nil {
		t.Error("a file of another size than the manifest's was read")
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(unpacked); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory is still there after Close: %v", err)
	}
}

// ReadUnpacked refuses what Read refuses, by the same rule, and leaves no
// directory behind; it refuses a directory that is not empty.
func TestReadUnpackedRefuses(t *testing.T) {
	dir := t.TempDir()
	for i, c := range hostileCases(t) {
		path := filepath.Join(dir, "hostile.tar")
		if err := os.WriteFile(path, c.data, 0o600); err != nil {
			t.Fatal(err)
		}
		unpacked := filepath.Join(dir, "unpacked")
		if err := os.Mkdir(unpacked, 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := ReadUnpacked(path, c.limits, unpacked)
		var v *Violation
		if !errors.As(err, &v) || v.Rule != c.rule {
			t.Errorf("case %d %s: %v, want rule %s", i, c.name, err, c.rule)
		}
		if _, err := os.Stat(unpacked); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("case %d %s: the directory is left: %v", i, c.name, err)
		}
	}
	if _, err := Write(filepath.Join(dir, "b.tar"), linkedEntries()); err != nil {
		t.Fatal(err)
	}
	var u *UnpackError
	if _, err := ReadUnpacked(filepath.Join(dir, "b.tar"), DefaultLimits(), dir); !errors.As(err, &u) {
		t.Errorf("a directory that is not empty: %v, want an UnpackError", err)
	}
}
