package transcripts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
)

// pieces are a state's bytes as slices one after the other: a signed
// metadata file as metafile.File.MarshalParts gives it, whose largest
// piece is the "signed" of the file it was read from, not a copy
// (PutStateAfterParts). One slice is a state held whole.
type pieces [][]byte

// size is the number of bytes.
func (p pieces) size() int {
	n := 0
	for _, s := range p {
		n += len(s)
	}
	return n
}

// sum is the SHA-256 of the bytes, as Sum names a state.
func (p pieces) sum() string {
	if len(p) == 1 {
		return Sum(p[0])
	}
	h := sha256.New()
	for _, s := range p {
		h.Write(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// contains says whether sep is in the bytes: within a piece, or across
// the end of one, where sep would start at most len(sep)-1 bytes before it
// and end as far after.
func (p pieces) contains(sep []byte) bool {
	end := 0
	for i, s := range p {
		if bytes.Contains(s, sep) {
			return true
		}
		end += len(s)
		if i < len(p)-1 && len(sep) > 1 && p.hasAcross(sep, end) {
			return true
		}
	}
	return false
}

// hasAcross says whether sep starts less than len(sep) bytes before at and
// ends after it.
func (p pieces) hasAcross(sep []byte, at int) bool {
	from, to := max(0, at-len(sep)+1), min(p.size(), at+len(sep)-1)
	return bytes.Contains(p.slice(from, to), sep)
}

// slice is the bytes from from to to: a slice of a piece when they lie
// within one, else a copy.
func (p pieces) slice(from, to int) []byte {
	off := 0
	for _, s := range p {
		if from >= off && to <= off+len(s) {
			return s[from-off : to-off]
		}
		off += len(s)
	}
	out := make([]byte, 0, to-from)
	off = 0
	for _, s := range p {
		lo, hi := max(from, off), min(to, off+len(s))
		if lo < hi {
			out = append(out, s[lo-off:hi-off]...)
		}
		off += len(s)
	}
	return out
}

// equalAt says whether the bytes from off are b.
func (p pieces) equalAt(off int, b []byte) bool {
	if off < 0 || off+len(b) > p.size() {
		return false
	}
	start := 0
	for _, s := range p {
		if len(b) == 0 {
			break
		}
		end := start + len(s)
		if off < end {
			if off < start {
				return false
			}
			n := min(len(b), end-off)
			if !bytes.Equal(s[off-start:off-start+n], b[:n]) {
				return false
			}
			off, b = off+n, b[n:]
		}
		start = end
	}
	return len(b) == 0
}

// commonPrefix is the length of the longest common prefix of the bytes
// and b.
func (p pieces) commonPrefix(b []byte) int {
	n := 0
	for _, s := range p {
		c := commonPrefix(s, b[n:])
		n += c
		if c < len(s) {
			break
		}
	}
	return n
}

// commonSuffix is the length of the longest common suffix of the bytes
// and b, at most limit.
func (p pieces) commonSuffix(b []byte, limit int) int {
	n := 0
	for i := len(p) - 1; i >= 0 && n < limit; i-- {
		s := p[i]
		s = s[max(0, len(s)-(limit-n)):]
		c := commonSuffix(s, b[:len(b)-n])
		n += c
		if c < len(s) {
			break
		}
	}
	return n
}

// equalRange says whether a's n bytes from ai are b's n bytes from bi,
// compared piece by piece: where both are the same memory (a signed
// role's "signed", a slice of the file read), at once.
func equalRange(a pieces, ai int, b pieces, bi int, n int) bool {
	for n > 0 {
		x, y := a.from(ai), b.from(bi)
		k := min(n, len(x), len(y))
		if k == 0 || !bytes.Equal(x[:k], y[:k]) {
			return false
		}
		ai, bi, n = ai+k, bi+k, n-k
	}
	return true
}

// from is the rest of the piece that holds the byte at off, nil past the
// end.
func (p pieces) from(off int) []byte {
	for _, s := range p {
		if off < len(s) {
			return s[off:]
		}
		off -= len(s)
	}
	return nil
}
