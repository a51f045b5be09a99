package bundle

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"strings"
	"testing"
)

// TestSharedBytesDescribedAsCopies: entries that share one slice of bytes
// make the same bundle, manifest digests included, as entries holding
// copies of them; entries of other bytes after them are not given the
// shared digests.
func TestSharedBytesDescribedAsCopies(t *testing.T) {
	shared := []byte(strings.Repeat("metadata ", 1000))
	prefix := shared[:100] // same start, another length: other bytes
	entries := []Entry{{Name: "metadata/2.claimed.json", Data: shared}, {Name: "transcript/states/x.json", Data: shared},
		{Name: "a.txt", Data: prefix}, {Name: "b.txt", Data: []byte("b")}}
	copies := make([]Entry, len(entries))
	for i, e := range entries {
		copies[i] = Entry{Name: e.Name, Data: bytes.Clone(e.Data)}
	}
	got, err := Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Bytes(copies)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("a bundle of entries sharing bytes differs from one of copies")
	}
	d := describer(entries)
	first, second, other := d(entries[0]), d(entries[1]), d(entries[2])
	if first.SHA512 != second.SHA512 || second.Name != entries[1].Name || other.SHA256 == first.SHA256 || other.Size != 100 {
		t.Errorf("digests: %+v, %+v, %+v", first, second, other)
	}
}

// TestTarBoundHoldsTheBundle: the buffer a bundle is built in holds it
// without growing, for short names, names that need a PAX record, empty
// entries, entries of odd sizes and a hard link (whose bytes it does not
// count).
func TestTarBoundHoldsTheBundle(t *testing.T) {
	long := strings.Repeat("d/", 60) + strings.Repeat("n", 130)
	for _, entries := range [][]Entry{
		nil,
		{{Name: "a", Data: nil}},
		{{Name: "a", Data: make([]byte, 511)}, {Name: "b", Data: make([]byte, 512)}, {Name: "c", Data: make([]byte, 513)}},
		{{Name: long, Data: []byte("x")}, {Name: strings.Repeat("p", 101), Data: make([]byte, 1000)}},
		{{Name: "same", Data: bytes.Repeat([]byte{1}, 1<<16)}, {Name: "same-too", Data: bytes.Repeat([]byte{1}, 1<<16)}},
	} {
		data, err := Bytes(entries)
		if err != nil {
			t.Fatal(err)
		}
		p, err := prepare(entries, DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		bound := tarBound(p.sorted, p.links, p.manifest)
		if len(data) > bound {
			t.Errorf("the bundle of %d entries is %d bytes, over the bound of %d", len(entries), len(data), bound)
		}
		if len(entries) == 2 && entries[0].Name == "same" && bound > len(data)+8*blockSize {
			t.Errorf("a link's bytes are in the bound: %d for a bundle of %d bytes", bound, len(data))
		}
	}
}

// TestDigestsAhead: the digests computed ahead, two at a time, are each
// entry's SHA-256 and SHA-512; entries under a megabyte are left to
// describe, and bytes two entries share are hashed for both.
func TestDigestsAhead(t *testing.T) {
	shared := bytes.Repeat([]byte{7}, concurrentFrom+3)
	var entries []Entry
	for i, n := range []int{0, 1, concurrentFrom - 1, concurrentFrom, 3*concurrentFrom + 12345} {
		entries = append(entries, Entry{Name: fmt.Sprint(i), Data: bytes.Repeat([]byte{byte(n)}, n)})
	}
	entries = append(entries, Entry{Name: "a", Data: shared}, Entry{Name: "b", Data: shared})
	ahead := digestsAhead(entries)
	if len(ahead) != 3 {
		t.Fatalf("%d slices hashed ahead, want the 3 distinct ones of a megabyte or more", len(ahead))
	}
	for _, e := range entries {
		if len(e.Data) < concurrentFrom {
			continue
		}
		d := ahead[sameSlice{&e.Data[0], len(e.Data)}]
		if d == nil || d.s256 != sha256.Sum256(e.Data) || d.s512 != sha512.Sum512(e.Data) {
			t.Errorf("entry %s (%d bytes): digests differ from crypto's", e.Name, len(e.Data))
		}
	}
}
