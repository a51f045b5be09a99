package transcripts

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// splits are data cut at every way the cuts give: none, at the start and
// end, in the middle, into single bytes and into empty pieces.
func splits(r *rand.Rand, data []byte) []pieces {
	out := []pieces{{data}, {nil, data, nil}}
	for range 20 {
		var p pieces
		rest := data
		for len(rest) > 0 {
			n := r.IntN(min(len(rest), 9) + 1)
			p = append(p, rest[:n])
			rest = rest[n:]
		}
		out = append(out, p)
	}
	return out
}

// TestPiecesAsJoined: every question pieces answer is answered as for
// their bytes joined, however they are cut.
func TestPiecesAsJoined(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, r.IntN(40))
		for i := range data {
			data[i] = "ab"[r.IntN(2)]
		}
		other := bytes.Clone(data)
		if len(other) > 0 && r.IntN(2) == 0 {
			other[r.IntN(len(other))] ^= 1
		}
		other = append(other[:r.IntN(len(other)+1)], "ab"[:r.IntN(3)]...)
		sep := []byte("abba"[:1+r.IntN(4)])
		for _, p := range splits(r, data) {
			if got := bytes.Join(p, nil); !bytes.Equal(got, data) {
				t.Fatalf("the cut lost bytes: %q", got)
			}
			if p.size() != len(data) || p.sum() != Sum(data) {
				t.Errorf("%q: size %d, sum %s", p, p.size(), p.sum())
			}
			var w bytes.Buffer
			if err := atomicfile.WriteParts(&w, p); err != nil || !bytes.Equal(w.Bytes(), data) {
				t.Errorf("%q wrote %q", p, w.Bytes())
			}
			if got, want := p.contains(sep), bytes.Contains(data, sep); got != want {
				t.Errorf("%q contains %q: %v, want %v", p, sep, got, want)
			}
			from := r.IntN(len(data) + 1)
			to := from + r.IntN(len(data)-from+1)
			if got := p.slice(from, to); !bytes.Equal(got, data[from:to]) {
				t.Errorf("%q[%d:%d] = %q", p, from, to, got)
			}
			off := r.IntN(len(data) + 2)
			b := other[min(len(other), r.IntN(len(other)+1)):]
			want := off+len(b) <= len(data) && bytes.Equal(data[off:off+len(b)], b)
			if got := p.equalAt(off, b); got != want {
				t.Errorf("%q at %d is %q: %v, want %v", p, off, b, got, want)
			}
			if got, want := p.commonPrefix(other), commonPrefix(data, other); got != want {
				t.Errorf("%q, %q: common prefix %d, want %d", p, other, got, want)
			}
			limit := r.IntN(len(data) + 1)
			if got, want := p.commonSuffix(other, limit), min(limit, commonSuffix(data, other)); got != want {
				t.Errorf("%q, %q: common suffix within %d is %d, want %d", p, other, limit, got, want)
			}
		}
	}
}
