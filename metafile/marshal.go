package metafile

import (
	"bytes"
	"encoding/json"
	"sort"
)

// Writing a file: Marshal, and MarshalsTo, which compares with what
// Marshal would write without making it.

// Marshal writes the file: "signatures" then "signed", indented, with a
// trailing newline. "signed" keeps its content byte for byte; only
// whitespace between tokens changes, which canonical JSON ignores.
func (f *File) Marshal() ([]byte, error) {
	size, compact := f.marshalSize()
	b := bytes.NewBuffer(make([]byte, 0, size))
	marshalTo(b, f, compact)
	return b.Bytes(), nil
}

// marshalSize is about the size of Marshal's bytes, and whether f.Signed
// is FromSigned's compact "signed" (which indentTo indents).
//
// "signed" is most of the file; the rest is a few lines a signature. The
// buffer is made once: FromSigned's compact "signed" at the size it will
// have indented. It is made by make, not Buffer.Grow: make clears a large
// buffer in pieces the collector can stop between (or not at all, when
// the memory is fresh), while Grow clears it in one go, and the collector
// waits out the page faults of 77 MB (claimed at 100,000 projects)
// signalling again and again.
func (f *File) marshalSize() (size int, compact bool) {
	signedLen, indented := len(f.Signed), -1
	if sameSlice(f.Signed, f.compact) {
		indented = indentedLen(f.Signed, signedPrefix, signedIndent)
		signedLen = max(signedLen, indented)
	}
	return signedLen + 4096 + 256*len(f.Signatures), indented >= 0
}

// MarshalsTo reports whether Marshal gives want, byte for byte, without
// making Marshal's bytes: a replay checks that a signature added to the
// state before gives the state stored (77 MB for claimed at 100,000
// projects) by comparing as it writes.
func (f *File) MarshalsTo(want []byte) bool {
	m := &byteMatch{want: want, ok: true}
	_, compact := f.marshalSize()
	marshalTo(m, f, compact)
	return m.ok && m.n == len(want)
}

// marshalTo writes what Marshal gives to b; compact says f.Signed is
// FromSigned's compact "signed", indented by indentTo.
func marshalTo[W byteWriter](b W, f *File, compact bool) {
	b.WriteString("{\n")
	names := make([]string, 0, len(f.Extra))
	for name := range f.Extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		writeMember(b, name, f.Extra[name], "  ")
		b.WriteString(",\n")
	}
	b.WriteString("  \"signatures\": [")
	for i, s := range f.Signatures {
		if i > 0 {
			b.WriteString(",")
		}
		obj := map[string]json.RawMessage{}
		for k, v := range s.Extra {
			obj[k] = v
		}
		obj["keyid"] = jsonString(s.KeyID)
		obj["sig"] = jsonString(s.Sig)
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString("\n    {")
		for j, k := range keys {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n")
			writeMember(b, k, obj[k], "      ")
		}
		b.WriteString("\n    }")
	}
	if len(f.Signatures) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("],\n")
	if compact {
		// FromSigned's compact, valid "signed": indented without
		// json.Indent's scanner (indentcompact.go).
		b.WriteString(signedPrefix)
		b.Write(jsonString("signed"))
		b.WriteString(": ")
		indentTo(b, f.Signed, signedPrefix, signedIndent)
	} else {
		writeMember(b, "signed", f.Signed, signedPrefix)
	}
	b.WriteString("\n}\n")
}

func writeMember[W byteWriter](b W, name string, value json.RawMessage, indent string) {
	b.WriteString(indent)
	b.Write(jsonString(name))
	b.WriteString(": ")
	writeIndented(b, value, indent, signedIndent)
}

// byteMatch compares what is written to it with want, from the start.
type byteMatch struct {
	want []byte
	n    int // bytes matched so far
	ok   bool
}

func (m *byteMatch) Write(p []byte) (int, error) {
	if m.ok && len(p) <= len(m.want)-m.n && bytes.Equal(m.want[m.n:m.n+len(p)], p) {
		m.n += len(p)
	} else {
		m.ok = false
	}
	return len(p), nil
}

func (m *byteMatch) WriteString(s string) (int, error) {
	if m.ok && len(s) <= len(m.want)-m.n && string(m.want[m.n:m.n+len(s)]) == s {
		m.n += len(s)
	} else {
		m.ok = false
	}
	return len(s), nil
}

func (m *byteMatch) WriteByte(c byte) error {
	if m.ok && m.n < len(m.want) && m.want[m.n] == c {
		m.n++
	} else {
		m.ok = false
	}
	return nil
}

func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}
