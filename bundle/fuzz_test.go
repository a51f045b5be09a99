package bundle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"slices"
	"testing"
)

// FuzzRead feeds read arbitrary bytes: it never panics, every refusal is a
// *Violation, and what it accepts is a consistent bundle that Write's
// format reproduces. The seed corpus (a good bundle and every hostile
// case) runs with every go test.
func FuzzRead(f *testing.F) {
	good, err := build(ceremonyEntries()[:4], smallLimits)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	linked, err := build([]Entry{{Name: "a", Data: []byte("same")}, {Name: "b/a", Data: []byte("same")}, {Name: "c", Data: []byte("other")}}, smallLimits)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(linked)
	for _, c := range hostileCases(f) {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := read(bytes.NewReader(data), int64(len(data)), smallLimits)
		if err != nil {
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("refused with %v (%T), not a *Violation", err, err)
			}
			if v.Rule == "" || v.Detail == "" {
				t.Fatalf("a violation without rule or detail: %#v", v)
			}
			return
		}
		if b.SHA256 != sha256.Sum256(data) {
			t.Fatal("SHA256 is not the hash of the input")
		}
		entries, err := b.ReadAll()
		if err != nil {
			t.Fatalf("an accepted bundle's entries cannot be read again: %v", err)
		}
		if len(entries) != len(b.Manifest.Entries) || len(entries) > smallLimits.MaxEntries {
			t.Fatalf("%d entries, %d in the manifest", len(entries), len(b.Manifest.Entries))
		}
		var total int64
		for i, e := range entries {
			if i > 0 && entries[i-1].Name >= e.Name {
				t.Fatalf("entries not sorted or not unique: %q, %q", entries[i-1].Name, e.Name)
			}
			if err := CheckName(e.Name); err != nil {
				t.Fatalf("accepted a bad name: %v", err)
			}
			if describe(e) != b.Manifest.Entries[i] {
				t.Fatalf("entry %q does not match its manifest entry", e.Name)
			}
			total += int64(len(e.Data))
		}
		if total > smallLimits.MaxTotal {
			t.Fatalf("accepted %d bytes", total)
		}
		// What was accepted, Write's format holds and gives back.
		again, err := build(entries, smallLimits)
		if err != nil {
			t.Fatalf("build refuses what read accepted: %v", err)
		}
		b2, err := read(bytes.NewReader(again), int64(len(again)), smallLimits)
		if err != nil {
			t.Fatalf("read refuses what build made: %v", err)
		}
		entries2, err := b2.ReadAll()
		if err != nil {
			t.Fatalf("entries of what build made cannot be read again: %v", err)
		}
		if !slices.EqualFunc(entries, entries2, func(x, y Entry) bool {
			return x.Name == y.Name && bytes.Equal(x.Data, y.Data)
		}) {
			t.Fatal("entries changed through build and read")
		}
	})
}
