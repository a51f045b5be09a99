package metafile

// Indenting the compact "signed" FromSigned makes.
//
// FromSigned writes "signed" as canonical JSON (control characters
// escaped): compact, valid. Marshal indents it for the file, as
// json.Indent does; json.Indent runs its full scanner over every byte
// (half a second for the 77 MB of a claimed role of 100,000 projects).
// indentTo writes the same bytes knowing what json.Indent checks holds
// already: strings are copied a run at a time, and only the structure
// between them is looked at. It is used for bytes FromSigned made and
// nothing else (File.compact); TestIndentCompactIsJSONIndent and
// FuzzIndentCompact hold it to json.Indent. Marshal counts the length
// first (indentedLen, the same walk over a byte counter) and makes its
// buffer once at that size: grown as it is written, a buffer of 77 MB
// would be made twice over.

// indentedLen is the length of what indentTo writes for v, or -1 if v is
// not compact.
func indentedLen(v []byte, prefix, indent string) int {
	var n byteCount
	if !indentTo(&n, v, prefix, indent) {
		return -1
	}
	return int(n)
}

// byteCount counts what is written to it.
type byteCount int

func (c *byteCount) WriteByte(byte) error { *c++; return nil }

func (c *byteCount) WriteString(s string) (int, error) {
	*c += byteCount(len(s))
	return len(s), nil
}

func (c *byteCount) Write(p []byte) (int, error) {
	*c += byteCount(len(p))
	return len(p), nil
}

// byteWriter is what Marshal and indentTo write to: a bytes.Buffer, a
// byteCount, or a byteMatch.
type byteWriter interface {
	WriteByte(byte) error
	WriteString(string) (int, error)
	Write([]byte) (int, error)
}

// indentTo writes to w what json.Indent(w, v, prefix, indent) writes, for v
// valid JSON with no whitespace outside its strings. It stops with false
// at whitespace outside a string or a string without its end (v is not
// compact): the caller then uses json.Indent.
func indentTo[W byteWriter](w W, v []byte, prefix, indent string) bool {
	depth := 0
	newline := func() {
		w.WriteByte('\n')
		w.WriteString(prefix)
		for range depth {
			w.WriteString(indent)
		}
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			end, ok := stringEnd(v, i)
			if !ok {
				return false
			}
			w.Write(v[i:end])
			i = end - 1
		case '{', '[':
			w.WriteByte(c)
			if i+1 < len(v) && (v[i+1] == '}' || v[i+1] == ']') {
				w.WriteByte(v[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			w.WriteByte(c)
		case ',':
			w.WriteByte(',')
			newline()
		case ':':
			w.WriteString(": ")
		case ' ', '\t', '\n', '\r':
			return false
		default:
			w.WriteByte(c)
		}
	}
	return true
}
