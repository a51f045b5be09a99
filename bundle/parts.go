package bundle

import "bytes"

// Parts returns the bundle's bytes as parts which, written one after the
// other, give WriteTo's bytes: the tar's headers and padding, copied, and
// the entries' data, not copied (the entries' own slices). Nothing writes
// to them, so several goroutines may read them at once: a 310 MB bundle
// can be hashed on one core while it is written on another.
func (b *Prepared) Parts() ([][]byte, error) {
	r := &partsRecorder{entries: b.p.sorted}
	if err := b.p.writeTar(r); err != nil {
		return nil, err
	}
	return r.parts, nil
}

// partsRecorder keeps what the tar writer writes: an entry's data, which
// the writer passes on whole, is kept as it is; anything else (headers and
// padding from the writer's own buffers, which it reuses) is copied.
type partsRecorder struct {
	entries []Entry
	parts   [][]byte
}

func (r *partsRecorder) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if r.isEntryData(p) {
		r.parts = append(r.parts, p)
	} else {
		r.parts = append(r.parts, bytes.Clone(p))
	}
	return len(p), nil
}

// isEntryData reports whether p is the very data of one of the entries
// (the same bytes in memory, whole).
func (r *partsRecorder) isEntryData(p []byte) bool {
	for _, e := range r.entries {
		if len(e.Data) == len(p) && &e.Data[0] == &p[0] {
			return true
		}
	}
	return false
}
