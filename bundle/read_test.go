package bundle

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bundle.tar")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every hostile case is refused by Read with a *Violation naming the rule
// and the entry; the message carries the path, the entry and the rule.
func TestReadRefusesHostileBundles(t *testing.T) {
	for _, c := range hostileCases(t) {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.data)
			b, err := Read(p, c.limits)
			if err == nil {
				t.Fatalf("read a bundle of %d entries; want %s", len(b.Manifest.Entries), c.rule)
			}
			var v *Violation
			if !errors.As(err, &v) {
				t.Fatalf("error %v (%T) is not a *Violation", err, err)
			}
			if v.Rule != c.rule || v.Entry != c.entry || !strings.Contains(v.Detail, c.detail) {
				t.Fatalf("got rule %q entry %q detail %q; want rule %q entry %q detail containing %q",
					v.Rule, v.Entry, v.Detail, c.rule, c.entry, c.detail)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, string(c.rule)) {
				t.Errorf("message %q lacks the path or the rule", msg)
			}
			if c.entry != "" && !strings.Contains(msg, fmt.Sprintf("%q", c.entry)) {
				t.Errorf("message %q lacks the entry %q", msg, c.entry)
			}
		})
	}
}

// Go's own check (GODEBUG=tarinsecurepath=0 makes tar.Reader.Next return
// ErrInsecurePath with the header) does not hide the rule broken.
func TestReadTraversalUnderTarinsecurepath(t *testing.T) {
	t.Setenv("GODEBUG", "tarinsecurepath=0")
	for _, name := range []string{"../x", "/etc/passwd", "a/../../b"} {
		a := file("a.json", "{}\n")
		data := tarOf(t, manifestOf(t, a), a, file(name, "x"))
		_, err := read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
		var v *Violation
		if !errors.As(err, &v) || v.Entry != name || (v.Rule != RuleParentTraversal && v.Rule != RuleAbsolutePath) {
			t.Errorf("%q: got %v, want a traversal or absolute path violation", name, err)
		}
	}
}

// A header that claims 400 MiB in a 3 KiB file is refused before anything
// of that size is allocated.
func TestReadAllocatesNoMoreThanTheFileHolds(t *testing.T) {
	a := file("a.json", "{}\n")
	data := patchSize(t, honest(t, a), 0, 400<<20)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
	runtime.ReadMemStats(&after)
	var v *Violation
	if !errors.As(err, &v) || v.Rule != RuleTruncated {
		t.Fatalf("got %v, want truncated", err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("allocated %d bytes reading a %d-byte file", grew, len(data))
	}
}

func TestReadNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Read(dir, Limits{})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("got %v, want not a regular file", err)
	}
	var v *Violation
	if errors.As(err, &v) {
		t.Errorf("a path that is not a file is not a rule of the format: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), Limits{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: got %v, want not exist", err)
	}
}

func TestReadNegativeLimits(t *testing.T) {
	p := writeFile(t, honest(t))
	if _, err := Read(p, Limits{MaxTotal: -1}); err == nil || !strings.Contains(err.Error(), "negative") {
		t.Fatalf("got %v, want an error about a negative limit", err)
	}
}

// Zero limits mean the defaults; the limits are inclusive.
func TestReadLimitsAtTheEdge(t *testing.T) {
	files := []raw{file("f1", strings.Repeat("x", 100)), file("f2", strings.Repeat("y", 100))}
	data := honest(t, files...)
	manifestSize := int64(len(manifestOf(t, files...).data))
	if _, err := Read(writeFile(t, data), Limits{}); err != nil {
		t.Fatalf("zero limits were not taken as the defaults: %v", err)
	}
	l, err := Limits{}.resolve()
	if err != nil || l != DefaultLimits() {
		t.Fatalf("resolve of zero limits = %+v, %v", l, err)
	}
	exact := Limits{MaxEntries: 2, MaxEntrySize: manifestSize, MaxTotal: manifestSize + 200}
	if _, err := read(bytes.NewReader(data), int64(len(data)), exact); err != nil {
		t.Fatalf("a bundle exactly at its limits was refused: %v", err)
	}
	for _, l := range []Limits{
		{MaxEntries: 1, MaxEntrySize: exact.MaxEntrySize, MaxTotal: exact.MaxTotal},
		{MaxEntries: 2, MaxEntrySize: exact.MaxEntrySize - 1, MaxTotal: exact.MaxTotal},
		{MaxEntries: 2, MaxEntrySize: exact.MaxEntrySize, MaxTotal: exact.MaxTotal - 1},
	} {
		if _, err := read(bytes.NewReader(data), int64(len(data)), l); err == nil {
			t.Errorf("limits %+v: a bundle one over was read", l)
		}
	}
}

// An honest archive made by hand, not by Write (other header fields,
// entries out of order), is read: the rules are about content, not about
// how the archive was made.
func TestReadAcceptsAnyHonestArchive(t *testing.T) {
	b := file("b", "bee")
	a := file("a", "ay")
	a.hdr.Mode = 0o600
	a.hdr.Uid, a.hdr.Uname = 1000, "alice"
	a.hdr.Format = 0
	data := tarOf(t, manifestOf(t, a, b), b, a)
	bundle, err := read(bytes.NewReader(data), int64(len(data)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := bundle.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := names(entries); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("entries %q, want sorted [a b]", got)
	}
	if bundle.SHA256 != sha256.Sum256(data) {
		t.Error("SHA256 is not the hash of the file")
	}
}

func names(entries []Entry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}
