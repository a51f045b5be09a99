package metafile

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// marshalIndenting is Marshal as it was before writeIndented: every member,
// "signed" included, indented by json.Indent (or written as it is when
// json.Indent refuses it). It is the oracle the tests below hold Marshal to.
func marshalIndenting(f *File) []byte {
	var b bytes.Buffer
	member := func(name string, value json.RawMessage, indent string) {
		b.WriteString(indent)
		b.Write(jsonString(name))
		b.WriteString(": ")
		if err := json.Indent(&b, value, indent, "  "); err != nil {
			b.Write(value)
		}
	}
	b.WriteString("{\n")
	names := make([]string, 0, len(f.Extra))
	for name := range f.Extra {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		member(name, f.Extra[name], "  ")
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
			member(k, obj[k], "      ")
		}
		b.WriteString("\n    }")
	}
	if len(f.Signatures) > 0 {
		b.WriteString("\n  ")
	}
	b.WriteString("],\n")
	member("signed", f.Signed, "  ")
	b.WriteString("\n}\n")
	return b.Bytes()
}

// oddSigned are "signed" objects in every form the fast path must tell
// from json.Indent's: compact, spaced, tabs and CRLF, empty containers with
// space inside, quotes, backslashes and brackets inside strings, other
// indents, whitespace before and after, and JSON that is not valid.
var oddSigned = []string{
	`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","a":[1,2,{"b":[]}],"c":{}}`,
	signedText,
	"{\n  \"a\": 1,\n  \"b\": [\n    true,\n    null\n  ]\n}",
	"{\n    \"a\": 1\n}",
	"{\r\n  \"a\": 1\r\n}",
	"{\n\t\"a\": 1\n}",
	"{ }", "[ ]", "{\n}", "{\"a\":[ ]}", "{\"a\" : 1}", "{\"a\":  1}", "{\"a\":1 }",
	` {"a":1}`, `{"a":1} `, "{\"a\":1}\n",
	`{"s":"quote \" inside, comma , colon : brace { } bracket [ ] newline \n"}`,
	`{"s":"ends in a backslash \\","t":"two \\\\","u":"escaped quote then backslash \\\"\\"}`,
	`{"ü":"é","k":"\u00e9 \/"}`,
	`{"n":-12.5e+3,"m":0,"l":[false,true,null]}`,
	`{"a":{"b":{"c":{"d":[[],[{}],[[1]]]}}}}`,
	"{\n    \n  }", "{\n  \"a\": [\n      \n    ]\n}",
	`{"a":1,}`, `{"a":"unterminated}`, `{"a":tru}`, `{"a":1}}`, `]`, ``, `{"a":"\x01"}`,
}

// indentedForms are the documents of oddSigned that json.Indent takes,
// as json.Indent writes them with Marshal's prefix and indent (but for
// whitespace after the value, which json.Indent keeps and Parse never
// gives).
func indentedForms(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, s := range oddSigned {
		var b bytes.Buffer
		if json.Indent(&b, []byte(s), signedPrefix, signedIndent) == nil && !strings.HasSuffix(s, " ") && !strings.HasSuffix(s, "\n") {
			out = append(out, b.String())
		}
	}
	if len(out) < 15 {
		t.Fatalf("only %d of the odd documents indent: the table lost its valid cases", len(out))
	}
	return out
}

// TestMarshalSameAsIndenting: Marshal writes, byte for byte, what it wrote
// when it indented "signed" every time, whatever form "signed" is in.
func TestMarshalSameAsIndenting(t *testing.T) {
	sigs := []Signature{{KeyID: "aa", Sig: "0102"}, {KeyID: "bb", Sig: "", Extra: map[string]json.RawMessage{"x": json.RawMessage(`{"y": [1, 2]}`)}}}
	extra := map[string]json.RawMessage{"x-top": json.RawMessage(`{"b": 1,"a":[true, null]}`)}
	for _, s := range append(oddSigned, indentedForms(t)...) {
		for _, f := range []*File{{Signed: json.RawMessage(s)}, {Signed: json.RawMessage(s), Signatures: sigs, Extra: extra}} {
			got, err := f.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if want := marshalIndenting(f); !bytes.Equal(got, want) {
				t.Errorf("signed %q: Marshal wrote\n%s\nindenting wrote\n%s", s, got, want)
			}
			checkMarshalsTo(t, f, got)
		}
	}
}

// checkMarshalsTo holds MarshalsTo to Marshal, which wrote marshaled for f:
// it takes those bytes, and no others (a byte changed at the start, middle
// or end, one left off, one more).
func checkMarshalsTo(t *testing.T, f *File, marshaled []byte) {
	t.Helper()
	if !f.MarshalsTo(marshaled) {
		t.Errorf("MarshalsTo does not take what Marshal wrote:\n%s", marshaled)
	}
	for _, i := range []int{0, len(marshaled) / 2, len(marshaled) - 1} {
		other := bytes.Clone(marshaled)
		other[i] ^= 1
		if f.MarshalsTo(other) {
			t.Errorf("MarshalsTo takes Marshal's bytes with byte %d changed", i)
		}
	}
	if f.MarshalsTo(marshaled[:len(marshaled)-1]) {
		t.Error("MarshalsTo takes Marshal's bytes less the last")
	}
	if f.MarshalsTo(append(bytes.Clone(marshaled), '\n')) {
		t.Error("MarshalsTo takes Marshal's bytes and one more")
	}
	checkMarshalWriting(t, f, marshaled)
	checkMarshalParts(t, f, marshaled)
}

// TestMarshalSignedAgain: a file Marshal wrote, read and signed again, is
// written as re-indenting would write it, and "signed" is carried as it
// was read (the fast path's case).
func TestMarshalSignedAgain(t *testing.T) {
	f, err := Parse([]byte(envelopeText))
	if err != nil {
		t.Fatal(err)
	}
	first, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(first)
	if err != nil {
		t.Fatal(err)
	}
	if !alreadyIndented(again.Signed, signedPrefix, signedIndent) {
		t.Fatalf("the signed Marshal wrote is not seen as indented:\n%s", again.Signed)
	}
	again.AddSignature("cc", "0304")
	got, err := again.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if want := marshalIndenting(again); !bytes.Equal(got, want) {
		t.Fatalf("Marshal wrote\n%s\nindenting wrote\n%s", got, want)
	}
	if !bytes.Contains(got, again.Signed) || !strings.Contains(string(got), `"keyid": "cc"`) {
		t.Fatalf("the file signed again lost its signed bytes or the new signature:\n%s", got)
	}
}

// TestAlreadyIndented: json.Indent's output is recognized, and nothing
// json.Indent would change is.
func TestAlreadyIndented(t *testing.T) {
	for _, s := range indentedForms(t) {
		if !alreadyIndented([]byte(s), signedPrefix, signedIndent) {
			t.Errorf("json.Indent's output not recognized:\n%s", s)
		}
	}
	for _, s := range oddSigned {
		var b bytes.Buffer
		if json.Indent(&b, []byte(s), signedPrefix, signedIndent) != nil {
			continue
		}
		if b.String() != s && alreadyIndented([]byte(s), signedPrefix, signedIndent) {
			t.Errorf("%q is taken as indented, but json.Indent makes it\n%s", s, b.String())
		}
	}
	// Another prefix or indent is another form.
	var b bytes.Buffer
	if err := json.Indent(&b, []byte(`{"a":[1,{"b":2}]}`), "", "    "); err != nil {
		t.Fatal(err)
	}
	if alreadyIndented(b.Bytes(), signedPrefix, signedIndent) {
		t.Errorf("a four-space indent without prefix is taken for Marshal's:\n%s", b.String())
	}
}

// FuzzMarshalIndented: for any "signed", as given and as json.Indent
// writes it, Marshal writes what indenting every time wrote.
func FuzzMarshalIndented(f *testing.F) {
	for _, s := range oddSigned {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		forms := [][]byte{data}
		var b bytes.Buffer
		if json.Indent(&b, data, signedPrefix, signedIndent) == nil {
			forms = append(forms, b.Bytes())
			// json.Indent keeps whitespace after the value, which
			// alreadyIndented need not take.
			trailing := bytes.ContainsAny(b.Bytes()[b.Len()-1:], " \t\r\n")
			if !trailing && !alreadyIndented(b.Bytes(), signedPrefix, signedIndent) {
				t.Errorf("json.Indent's output not recognized:\n%s", b.Bytes())
			}
		}
		for _, s := range forms {
			file := &File{Signed: s, Signatures: []Signature{{KeyID: "aa", Sig: "01"}}}
			got, err := file.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if want := marshalIndenting(file); !bytes.Equal(got, want) {
				t.Fatalf("signed %q: Marshal wrote\n%s\nindenting wrote\n%s", s, got, want)
			}
			checkMarshalsTo(t, file, got)
		}
	})
}
