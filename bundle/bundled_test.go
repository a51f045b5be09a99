package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

// An entry is read from the file when asked for, so a file changed after
// Read checked it must not hand out the new bytes: Get refuses, Err says
// which entry changed, and every later Get refuses too.
func TestGetRefusesAnEntryChangedAfterRead(t *testing.T) {
	in := ceremonyEntries()
	p, _ := writeBundle(t, in)
	b, err := Read(p, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !b.Has("transcript.jsonl") || b.Has("transcript") || b.Has(ManifestName) {
		t.Fatal("Has does not answer for exactly the entries")
	}
	if d, ok := b.Get("transcript.jsonl"); !ok || string(d) != "{\"seq\":1}\n{\"seq\":2}\n" {
		t.Fatalf("Get before the change: %q, %v", d, ok)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte(`{"seq":2}`))
	if at < 0 {
		t.Fatal("the entry's bytes are not in the file")
	}
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(`{"seq":3}`), int64(at)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if d, ok := b.Get("transcript.jsonl"); ok {
		t.Fatalf("Get handed out the changed entry: %q", d)
	}
	if err := b.Err(); err == nil || !strings.Contains(err.Error(), `entry "transcript.jsonl" changed after it was checked, or was read back differently`) {
		t.Fatalf("Err = %v, want the changed entry named", err)
	}
	if _, ok := b.Get("empty"); ok {
		t.Error("Get still answers after the bundle was found changed")
	}
}

func TestGetAfterClose(t *testing.T) {
	p, _ := writeBundle(t, ceremonyEntries())
	b, err := Read(p, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := b.Get("binary"); ok || b.Err() == nil {
		t.Fatalf("Get after Close: %v, Err %v", ok, b.Err())
	}
}

// An entry of a megabyte or more has its SHA-512 computed on a second
// goroutine as it is read (twoDigests): a digest that does not match is
// still refused, and one that does gives the entry back whole.
func TestReadLargeEntryDigests(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", (3<<20)/16+5)
	small := file("a.json", "{}")
	large := file("large.bin", big)
	good := tarOf(t, manifestOf(t, small, large), small, large)
	b, err := read(bytes.NewReader(good), int64(len(good)), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := b.Get("large.bin"); !ok || string(d) != big {
		t.Fatalf("the large entry came back as %d bytes, %v", len(d), ok)
	}
	for _, digest := range []string{"sha256", "sha512"} {
		m := manifestOf(t, small, large)
		var parsed Manifest
		if err := json.Unmarshal(m.data, &parsed); err != nil {
			t.Fatal(err)
		}
		other := describe(Entry{Data: []byte(big + "!")})
		if digest == "sha256" {
			parsed.Entries[1].SHA256 = other.SHA256
		} else {
			parsed.Entries[1].SHA512 = other.SHA512
		}
		bad := tarOf(t, manifestEntry(t, parsed), small, large)
		_, err := read(bytes.NewReader(bad), int64(len(bad)), DefaultLimits())
		var v *Violation
		if !errors.As(err, &v) || v.Rule != RuleManifestMismatch || v.Entry != "large.bin" || !strings.HasPrefix(v.Detail, digest+" ") {
			t.Errorf("a wrong %s of the large entry: %v", digest, err)
		}
	}
}
