package metafile

import "bytes"

// Indenting the compact "signed" FromSigned makes.
//
// FromSigned writes "signed" as canonical JSON (control characters
// escaped): compact, valid. Marshal indents it for the file, as
// json.Indent does; json.Indent runs its full scanner over every byte
// (half a second for the 77 MB of a claimed role of 100,000 projects).
// indentCompact writes the same bytes knowing what json.Indent checks
// holds already: strings are copied a run at a time, and only the
// structure between them is looked at. It is used for bytes FromSigned
// made and nothing else (File.compact); TestIndentCompactIsJSONIndent and
// FuzzIndentCompact hold it to json.Indent.

// indentCompact appends to b what json.Indent(b, v, prefix, indent) writes,
// for v valid JSON with no whitespace outside its strings. It reports
// false, and leaves b as it was, when it meets whitespace outside a string
// or a string without its end (v is not compact): the caller then uses
// json.Indent.
func indentCompact(b *bytes.Buffer, v []byte, prefix, indent string) bool {
	start := b.Len()
	b.Grow(len(v) + len(v)/4)
	depth := 0
	newline := func() {
		b.WriteByte('\n')
		b.WriteString(prefix)
		for range depth {
			b.WriteString(indent)
		}
	}
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"':
			end, ok := stringEnd(v, i)
			if !ok {
				b.Truncate(start)
				return false
			}
			b.Write(v[i:end])
			i = end - 1
		case '{', '[':
			b.WriteByte(c)
			if i+1 < len(v) && (v[i+1] == '}' || v[i+1] == ']') {
				b.WriteByte(v[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			b.WriteByte(c)
		case ',':
			b.WriteByte(',')
			newline()
		case ':':
			b.WriteString(": ")
		case ' ', '\t', '\n', '\r':
			b.Truncate(start)
			return false
		default:
			b.WriteByte(c)
		}
	}
	return true
}
