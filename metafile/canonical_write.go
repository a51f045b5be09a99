package metafile

import (
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// writeFrame is an object or array the writer is inside of.
type writeFrame struct {
	kind writeKind
	obj  int    // inSorted: index in index.objects
	next uint32 // inSorted: index in index.members of the next member
}

type writeKind uint8

const (
	inArray  writeKind = iota
	inObject           // members written in the input's order, which is canonical
	inSorted           // members written from index.members
)

// write is the second pass: the canonical JSON of the indexed document.
// The index checked the whole input, so write does not check it again.
func (ix *index) write() []byte {
	in := ix.in
	out := make([]byte, 0, ix.outLen)
	var stack []writeFrame
	i := skipSpace(in, 0)
values:
	for {
		// A value starts at i.
		var end int
		switch c := in[i]; {
		case c == '{':
			if k, ok := ix.sortedAt(i); ok {
				o := ix.objects[k]
				m := ix.members[o.lo]
				stack = append(stack, writeFrame{kind: inSorted, obj: k, next: o.lo + 1})
				out = append(out, '{')
				out = ix.appendKey(out, m)
				i = int(m.value)
				continue values
			}
			out = append(out, '{')
			j := skipSpace(in, i+1)
			if in[j] == '}' {
				out = append(out, '}')
				end = j + 1
				break
			}
			stack = append(stack, writeFrame{kind: inObject})
			out, i = appendMemberKey(out, in, j)
			continue values
		case c == '[':
			out = append(out, '[')
			j := skipSpace(in, i+1)
			if in[j] == ']' {
				out = append(out, ']')
				end = j + 1
				break
			}
			stack = append(stack, writeFrame{kind: inArray})
			i = j
			continue values
		case c == '"':
			out = append(out, '"')
			out, end = appendString(out, in, i, true)
			out = append(out, '"')
		case c == 't':
			out = append(out, "true"...)
			end = i + 4
		case c == 'f':
			out = append(out, "false"...)
			end = i + 5
		case c == 'n':
			out = append(out, "null"...)
			end = i + 4
		default: // an integer, as written
			end = i + 1
			for end < len(in) && isDigit(in[end]) {
				end++
			}
			out = append(out, in[i:end]...)
		}

		// The value ends at end: close what it ends, go on to the next.
		for len(stack) > 0 {
			f := &stack[len(stack)-1]
			switch f.kind {
			case inSorted:
				o := ix.objects[f.obj]
				if f.next < o.hi {
					m := ix.members[f.next]
					f.next++
					out = append(out, ',')
					out = ix.appendKey(out, m)
					i = int(m.value)
					continue values
				}
				out = append(out, '}')
				end = int(o.end)
			case inObject:
				j := skipSpace(in, end)
				if in[j] == ',' {
					out = append(out, ',')
					out, i = appendMemberKey(out, in, skipSpace(in, j+1))
					continue values
				}
				out = append(out, '}')
				end = j + 1
			case inArray:
				j := skipSpace(in, end)
				if in[j] == ',' {
					out = append(out, ',')
					i = skipSpace(in, j+1)
					continue values
				}
				out = append(out, ']')
				end = j + 1
			}
			stack = stack[:len(stack)-1]
		}
		return out
	}
}

// sortedAt finds the sorted object that starts at offset i.
func (ix *index) sortedAt(i int) (int, bool) {
	if len(ix.objects) == 0 {
		return 0, false
	}
	return slices.BinarySearchFunc(ix.objects, uint32(i), func(o sortedObject, start uint32) int {
		return int(o.start) - int(start)
	})
}

// appendKey appends a kept member's key and the colon.
func (ix *index) appendKey(out []byte, m member) []byte {
	out = append(out, '"')
	if m.decoded == rawKey {
		out = append(out, ix.key(m)...)
	} else {
		out = appendEscaped(out, ix.key(m))
	}
	return append(out, '"', ':')
}

// appendMemberKey appends the key at i (in the input's order) and the
// colon, and returns where the member's value starts.
func appendMemberKey(out, in []byte, i int) ([]byte, int) {
	out = append(out, '"')
	out, end := appendString(out, in, i, true)
	out = append(out, '"', ':')
	j := skipSpace(in, end) // at ':'
	return out, skipSpace(in, j+1)
}

// appendString appends the decoded content of the valid JSON string whose
// opening quote is at in[i], as encoding/json decodes it, with '"' and '\'
// escaped when canonical is set (canonical JSON escapes nothing else). It
// returns the offset after the closing quote too.
func appendString(out, in []byte, i int, canonical bool) ([]byte, int) {
	j := i + 1
	for {
		start := j
		for plainByte[in[j]] {
			j++
		}
		out = append(out, in[start:j]...)
		switch c := in[j]; {
		case c == '"':
			return out, j + 1
		case c == '\\':
			r, n := decodeEscape(in, j)
			j += n
			if canonical && (r == '"' || r == '\\') {
				out = append(out, '\\', byte(r))
			} else {
				out = utf8.AppendRune(out, r)
			}
		default: // >= 0x80 (the index refused raw control characters)
			r, size := utf8.DecodeRune(in[j:])
			if r == utf8.RuneError && size == 1 {
				out = utf8.AppendRune(out, utf8.RuneError)
			} else {
				out = append(out, in[j:j+size]...)
			}
			j += size
		}
	}
}

// decodeEscape decodes the valid escape at in[j] ('\') as encoding/json
// does: a \u escape of a surrogate pair is one character, and a surrogate
// escape that is not part of a pair is U+FFFD (the escape after it is read
// on its own). It returns the character and the length of the escape.
func decodeEscape(in []byte, j int) (rune, int) {
	switch c := in[j+1]; c {
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, _ := hex4(in, j)
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if r2, ok := hex4(in, j+6); ok {
			if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
				return pair, 12
			}
		}
		return utf8.RuneError, 6
	default: // '"', '\\', '/'
		return rune(c), 2
	}
}

// hex4 reads the \uXXXX escape at in[j], if there is one.
func hex4(in []byte, j int) (rune, bool) {
	if j+6 > len(in) || in[j] != '\\' || in[j+1] != 'u' {
		return 0, false
	}
	var r rune
	for _, c := range in[j+2 : j+6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendEscaped appends decoded string content in canonical form.
func appendEscaped(out, s []byte) []byte {
	for _, c := range s {
		if c == '"' || c == '\\' {
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return out
}

// escapedCount is how many bytes of decoded content canonical JSON escapes.
func escapedCount(s []byte) int {
	n := 0
	for _, c := range s {
		if c == '"' || c == '\\' {
			n++
		}
	}
	return n
}

// plainByte marks the bytes that stand for themselves in a JSON string and
// in its canonical form: printable ASCII but '"' and '\'.
var plainByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()
