package metafile

import (
	"bytes"
	"sort"
)

// SameSignatures reports whether a and b are the same signed bytes with
// the same signatures, in any order.
func SameSignatures(a, b *File) bool {
	key := func(f *File) []string {
		var out []string
		for _, s := range f.Signatures {
			out = append(out, s.KeyID+" "+s.Sig)
		}
		sort.Strings(out)
		return out
	}
	ka, kb := key(a), key(b)
	if len(ka) != len(kb) {
		return false
	}
	for i := range ka {
		if ka[i] != kb[i] {
			return false
		}
	}
	return bytes.Equal(a.Signed, b.Signed)
}
