package metafile

import (
	"bytes"
	"encoding/json"
)

// Writing "signed" without indenting it again.
//
// Marshal writes "signed" as json.Indent gives it. A file this tool wrote
// holds "signed" in that form already, so after a signature is added the
// only bytes that change are the signatures': re-indenting the whole of
// "signed" (77 MB for a claimed role delegating to 100,000 projects, half a
// second and twice its size in memory) gives back the bytes it was given.
// writeIndented checks that the bytes are in that form, which costs one
// look at each byte and allocates nothing, and copies them; anything else
// is indented as before.

// signedPrefix and signedIndent are what Marshal indents "signed" with.
const signedPrefix, signedIndent = "  ", "  "

// writeIndented writes value to b as writeMember does (json.Indent with
// prefix and indent, or value as it is when it is not valid JSON), without
// the indenting when value is in that form already.
//
// Why the output is the same: when value is valid JSON and alreadyIndented
// holds, json.Indent would give value back byte for byte; when value is not
// valid JSON, json.Indent fails without writing and writeMember writes
// value as it is. Either way the bytes written are value's.
func writeIndented[W byteWriter](b W, value json.RawMessage, prefix, indent string) {
	if alreadyIndented(value, prefix, indent) {
		b.Write(value)
		return
	}
	buf, direct := any(b).(*bytes.Buffer)
	if !direct {
		buf = &bytes.Buffer{}
	}
	if err := json.Indent(buf, value, prefix, indent); err != nil {
		// value came from a JSON decoder or encoder; keep it as it is.
		b.Write(value)
		return
	}
	if !direct {
		b.Write(buf.Bytes())
	}
}

// alreadyIndented reports whether v, if it is valid JSON, is exactly what
// json.Indent(v, prefix, indent) gives: members and elements each on a
// line of its own (a newline, prefix, then indent once per level of
// nesting), ": " after every key, the closing bracket of a non-empty object
// or array on a line of its own one level out, an empty one written "{}"
// or "[]", and no other whitespace outside strings. It may say false for
// some inputs that are in that form (whitespace before the value, after
// it); the caller then indents them, which is only slower. What it says of
// invalid JSON does not matter (see writeIndented).
func alreadyIndented(v []byte, prefix, indent string) bool {
	depth := 0
	for i := 0; i < len(v); {
		switch c := v[i]; c {
		case '"':
			end, ok := stringEnd(v, i)
			if !ok {
				return false
			}
			i = end
		case '{', '[':
			i++
			if i < len(v) && (v[i] == '}' || v[i] == ']') {
				i++ // empty: json.Indent writes it with nothing inside
				continue
			}
			depth++
			if i = lineAt(v, i, prefix, indent, depth); i < 0 || i >= len(v) || v[i] == '\n' {
				// An empty line inside: json.Indent writes {} or [].
				return false
			}
		case ',':
			if i = lineAt(v, i+1, prefix, indent, depth); i < 0 {
				return false
			}
		case ':':
			if i+1 >= len(v) || v[i+1] != ' ' {
				return false
			}
			i += 2
		case '\n':
			// Only the line a non-empty object or array closes on.
			if depth == 0 {
				return false
			}
			depth--
			if i = lineAt(v, i, prefix, indent, depth); i < 0 || i >= len(v) || (v[i] != '}' && v[i] != ']') {
				return false
			}
			i++
		case ' ', '\t', '\r', '}', ']':
			// Whitespace json.Indent does not write, or a bracket that
			// does not close on a line of its own.
			return false
		default:
			i++ // a byte of a number or a literal
		}
	}
	return depth == 0
}

// lineAt returns where the line json.Indent starts at i ends: after a
// newline, prefix and depth times indent; -1 if that is not at i.
func lineAt(v []byte, i int, prefix, indent string, depth int) int {
	if i >= len(v) || v[i] != '\n' {
		return -1
	}
	i++
	if !hasAt(v, i, prefix) {
		return -1
	}
	i += len(prefix)
	for range depth {
		if !hasAt(v, i, indent) {
			return -1
		}
		i += len(indent)
	}
	return i
}

// hasAt reports whether s is in v at i.
func hasAt(v []byte, i int, s string) bool {
	return len(v)-i >= len(s) && string(v[i:i+len(s)]) == s
}

// stringEnd returns where the string whose opening quote is at i ends: after
// the first quote not escaped by a backslash. Its bytes are json.Indent's
// to copy as they are.
func stringEnd(v []byte, i int) (int, bool) {
	j := i + 1
	for {
		k := bytes.IndexByte(v[j:], '"')
		if k < 0 {
			return 0, false
		}
		j += k
		backslashes := 0
		for p := j - 1; p > i && v[p] == '\\'; p-- {
			backslashes++
		}
		j++
		if backslashes%2 == 0 {
			return j, true
		}
	}
}
