package metafile

// minPart is the size from which MarshalParts keeps a slice written to it
// as a piece of its own instead of copying it.
const minPart = 64 << 10

// MarshalParts is Marshal's bytes as pieces to be written one after the
// other. A file read and signed again writes "signed" as it holds it,
// and that is most of the file: MarshalParts gives it as f.Signed itself,
// not a copy (claimed at 1,000,000 projects: 773 MB neither allocated nor
// copied when a keyholder adds a signature). The pieces may be slices of
// f.Signed, so of the bytes f was parsed from, which must not change
// while the pieces are used. A "signed" that Marshal indents (FromSigned's
// compact one) is copied as Marshal copies it.
func (f *File) MarshalParts() [][]byte {
	_, compact := f.marshalSize()
	if compact {
		b, _ := f.Marshal()
		return [][]byte{b}
	}
	w := &partsWriter{}
	marshalTo(w, f, false)
	w.cut()
	return w.parts
}

// partsWriter keeps each slice of minPart bytes or more written to it as a
// piece, and gathers everything else into pieces of its own between them.
// Marshal's writers only ever write slices they do not change afterwards:
// f.Signed, a string within it, json.Indent's output.
type partsWriter struct {
	parts [][]byte
	small []byte
}

func (w *partsWriter) Write(p []byte) (int, error) {
	if len(p) < minPart {
		w.small = append(w.small, p...)
		return len(p), nil
	}
	w.cut()
	w.parts = append(w.parts, p)
	return len(p), nil
}

func (w *partsWriter) WriteString(s string) (int, error) {
	w.small = append(w.small, s...)
	return len(s), nil
}

func (w *partsWriter) WriteByte(c byte) error {
	w.small = append(w.small, c)
	return nil
}

// cut ends the piece being gathered.
func (w *partsWriter) cut() {
	if len(w.small) > 0 {
		w.parts = append(w.parts, w.small)
		w.small = nil
	}
}
