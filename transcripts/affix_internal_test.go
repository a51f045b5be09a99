package transcripts

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// commonPrefix and commonSuffix, which compare 64 bytes at a time, agree
// with a byte-by-byte count, wherever the first difference falls against
// those 64-byte steps.
func TestCommonAffixes(t *testing.T) {
	naivePrefix := func(a, b []byte) int {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		return i
	}
	naiveSuffix := func(a, b []byte) int {
		i := 0
		for i < len(a) && i < len(b) && a[len(a)-1-i] == b[len(b)-1-i] {
			i++
		}
		return i
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, 63, 64, 65, 127, 128, 129, 1000, 4096 + 7} {
		base := make([]byte, size)
		for i := range base {
			base[i] = byte(r.IntN(256))
		}
		for _, cut := range []int{0, 1, 63, 64, 65, size / 2, size - 1, size} {
			if cut < 0 || cut > size {
				continue
			}
			other := bytes.Clone(base)
			if cut < size {
				other[cut] ^= 0xff // differs at cut
			}
			longer := append(bytes.Clone(base[:cut]), append([]byte("inserted"), base[cut:]...)...)
			for _, b := range [][]byte{other, longer, base[:cut], base[cut:]} {
				if got, want := commonPrefix(base, b), naivePrefix(base, b); got != want {
					t.Errorf("size %d, cut %d: commonPrefix %d, want %d", size, cut, got, want)
				}
				if got, want := commonSuffix(base, b), naiveSuffix(base, b); got != want {
					t.Errorf("size %d, cut %d: commonSuffix %d, want %d", size, cut, got, want)
				}
				if got, want := commonSuffix(b, base), naiveSuffix(b, base); got != want {
					t.Errorf("size %d, cut %d: commonSuffix reversed %d, want %d", size, cut, got, want)
				}
			}
		}
	}
}
