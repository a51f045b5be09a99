package bundle

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestPreparedWritesBytes: a prepared bundle writes exactly what Bytes
// gives for the same entries, in any order; what Bytes refuses, Prepare
// refuses.
func TestPreparedWritesBytes(t *testing.T) {
	entries := []Entry{{Name: "z.txt", Data: []byte("last")}, {Name: strings.Repeat("long/", 30) + "name", Data: make([]byte, 1500)},
		{Name: "metadata/1.root.json", Data: []byte(`{"signed":{}}`)}, {Name: "empty", Data: nil}}
	want, err := Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare([]Entry{entries[2], entries[0], entries[3], entries[1]})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	n, err := p.WriteTo(&got)
	if err != nil || n != int64(got.Len()) || !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("WriteTo wrote %d bytes (said %d), %v; equal to Bytes: %v", got.Len(), n, err, bytes.Equal(got.Bytes(), want))
	}
	bad := append(entries, Entry{Name: "Z.TXT", Data: nil})
	_, errBytes := Bytes(bad)
	_, errPrepare := Prepare(bad)
	var v *Violation
	if errBytes == nil || !errors.As(errPrepare, &v) || v.Rule != RuleDuplicateName {
		t.Errorf("Bytes: %v; Prepare: %v; want both to refuse the duplicate name", errBytes, errPrepare)
	}
}

// TestPartsAreTheBundle: the parts, one after the other, are the bundle's
// bytes; an entry's data is one part, its own slice, and the tar's headers
// are copies that do not change when the next header is made.
func TestPartsAreTheBundle(t *testing.T) {
	big := bytes.Repeat([]byte("claimed "), 1<<17)
	entries := []Entry{{Name: "metadata/2.claimed.json", Data: big}, {Name: strings.Repeat("n", 120), Data: []byte("x")}, {Name: "empty", Data: nil}}
	want, err := Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(entries)
	if err != nil {
		t.Fatal(err)
	}
	parts, err := p.Parts()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.Join(parts, nil), want) {
		t.Fatal("the parts joined are not the bundle's bytes")
	}
	shared := 0
	for _, part := range parts {
		if len(part) == len(big) && &part[0] == &big[0] {
			shared++
		}
	}
	if shared != 1 {
		t.Errorf("the big entry's data is in %d parts as its own slice, want 1", shared)
	}
}
