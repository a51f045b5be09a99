package bundle

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"testing"
)

// TestHashAheadAsHashedWhenWritten: entries hashed ahead give the bundle
// entries hashed when written give; a Hashing is taken only for the very
// slice it hashes (not for equal bytes elsewhere, nor other bytes), and a
// small entry is hashed when written.
func TestHashAheadAsHashedWhenWritten(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 3<<20)
	other := bytes.Repeat([]byte("y"), 2<<20)
	small := []byte("small")
	if HashAhead(small) != nil {
		t.Fatal("HashAhead of a small slice started hashing")
	}
	entries := func(a, b, c *Hashing) []Entry {
		return []Entry{{Name: "a.json", Data: big, Hashing: a}, {Name: "b.json", Data: other, Hashing: b}, {Name: "c.txt", Data: small, Hashing: c}}
	}
	want, err := Bytes(entries(nil, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, es := range map[string][]Entry{
		"hashed ahead":              entries(HashAhead(big), HashAhead(other), HashAhead(small)),
		"equal bytes, another copy": entries(HashAhead(bytes.Clone(big)), nil, nil),
		"another entry's bytes":     entries(HashAhead(other), HashAhead(big), nil),
	} {
		got, err := Bytes(es)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the bundle differs from one hashed when written", name)
		}
	}

	// What a Hashing of the entry's slice computed is what the manifest
	// says: it is not hashed again.
	h := HashAhead(big)
	h.wait()
	h.digests.s256[0] ^= 1
	p, err := Prepare(entries(h, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(p.p.manifest, &m); err != nil {
		t.Fatal(err)
	}
	if got := m.Entries[0].SHA256; got != hex.EncodeToString(h.digests.s256[:]) {
		t.Errorf("the manifest gives a.json SHA-256 %s, not the one hashed ahead", got)
	}
}
