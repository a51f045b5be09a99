package metafile

import (
	"bytes"
	"testing"
)

// checkMarshalParts holds MarshalParts to Marshal, which wrote marshaled
// for f: its pieces, one after the other, are those bytes.
func checkMarshalParts(t *testing.T, f *File, marshaled []byte) [][]byte {
	t.Helper()
	parts := f.MarshalParts()
	if got := bytes.Join(parts, nil); !bytes.Equal(got, marshaled) {
		t.Errorf("MarshalParts gives %d bytes in %d pieces that are not Marshal's %d", len(got), len(parts), len(marshaled))
	}
	return parts
}

// TestMarshalPartsKeepsSigned: a large file read and signed again is
// written in pieces whose largest is its "signed" itself, not a copy, and
// which are Marshal's bytes; a small one, and FromSigned's compact one
// that Marshal indents, are Marshal's bytes too.
func TestMarshalPartsKeepsSigned(t *testing.T) {
	compact := bigTargets(t, 3000)
	marshaled, err := compact.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if parts := checkMarshalParts(t, compact, marshaled); len(parts) != 1 {
		t.Errorf("a compact \"signed\" is marshaled in %d pieces, want Marshal's one", len(parts))
	}
	read, err := Parse(marshaled)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Signed) < 4*minPart {
		t.Fatalf("signed is %d bytes, too few to be kept as a piece", len(read.Signed))
	}
	read.AddSignature("aa", "0102")
	again, err := read.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	parts := checkMarshalParts(t, read, again)
	kept := 0
	for _, p := range parts {
		if sameSlice(p, read.Signed) {
			kept++
		} else if len(p) >= minPart {
			t.Errorf("a piece of %d bytes is not signed itself", len(p))
		}
	}
	if kept != 1 {
		t.Errorf("signed is %d of the %d pieces, want one: it was copied", kept, len(parts))
	}
	small := &File{Signed: []byte(`{"_type": "root"}`)}
	want, err := small.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if parts := checkMarshalParts(t, small, want); len(parts) != 1 {
		t.Errorf("a small file is marshaled in %d pieces, want one", len(parts))
	}
}
