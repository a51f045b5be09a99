package metafile

import "testing"

func TestSameSignatures(t *testing.T) {
	a := &File{Signed: []byte(`{"v":1}`), Signatures: []Signature{{KeyID: "k1", Sig: "s1"}, {KeyID: "k2", Sig: "s2"}}}
	for _, c := range []struct {
		name string
		b    *File
		want bool
	}{
		{"same, other order", &File{Signed: []byte(`{"v":1}`), Signatures: []Signature{{KeyID: "k2", Sig: "s2"}, {KeyID: "k1", Sig: "s1"}}}, true},
		{"one fewer", &File{Signed: []byte(`{"v":1}`), Signatures: []Signature{{KeyID: "k1", Sig: "s1"}}}, false},
		{"another signature", &File{Signed: []byte(`{"v":1}`), Signatures: []Signature{{KeyID: "k1", Sig: "s1"}, {KeyID: "k2", Sig: "s3"}}}, false},
		{"other signed bytes", &File{Signed: []byte(`{"v":2}`), Signatures: a.Signatures}, false},
	} {
		if got := SameSignatures(a, c.b); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
