package metafile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdataDir = "../testdata"

// Each expected output is written by hand from OLPC canonical JSON as
// go-securesystemslib writes it, and also checked against that path
// (canonicalizeGeneric): the table proves the rules, the oracle proves that
// the rules are cjson's.
func TestCanonicalizeTable(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty object", `{}`, `{}`},
		{"empty array", `[]`, `[]`},
		{"empty containers nested", `{"b":[],"a":{},"c":[{},[]]}`, `{"a":{},"b":[],"c":[{},[]]}`},
		{"deep nesting", `[[[[{"z":[[{}]]}]]]]`, `[[[[{"z":[[{}]]}]]]]`},
		{"whitespace everywhere", " \t\r\n{ \"b\" :\t[ 1 ,\n2 ] ,\r\n \"a\" : null }\n\t ", `{"a":null,"b":[1,2]}`},
		{"keys sorted by bytes", `{"b":1,"a":2,"B":3,"_":4,"é":5,"z":6,"aa":7,"":8,"a0":9}`,
			`{"":8,"B":3,"_":4,"a":2,"a0":9,"aa":7,"b":1,"z":6,"é":5}`},
		{"keys sorted by decoded bytes", `{"\\":1,"\"":2,"#":3,"\u0061":4}`, `{"\"":2,"#":3,"\\":1,"a":4}`},
		{"members already in order", `{"a":1,"b":{"c":2,"d":[3]},"e":4}`, `{"a":1,"b":{"c":2,"d":[3]},"e":4}`},
		{"sorted inside unsorted inside sorted", `{"a":{"z":{"x":1,"y":2},"m":[{"q":1,"p":2}]},"b":0}`,
			`{"a":{"m":[{"p":2,"q":1}],"z":{"x":1,"y":2}},"b":0}`},
		{"array order kept", `[3,1,2,"b","a"]`, `[3,1,2,"b","a"]`},
		{"escapes", `"q\" b\\ s\/ b\b f\f n\n r\r t\t"`, "\"q\\\" b\\\\ s/ b\b f\f n\n r\r t\t\""},
		{"control characters raw", `"\u0000\u0001\u001f\u007f"`, "\"\x00\x01\x1f\x7f\""},
		{"unicode escapes", `"\u0041\u00e9\u00E9\u20ac\uffff"`, "\"Aéé€\uffff\""},
		{"escaped quote and backslash by \\u", `"\u0022\u005c"`, `"\"\\"`},
		{"non-ASCII raw", `"é😀 日本"`, `"é😀 日本"`},
		{"HTML characters raw", `"<a href='x'>&amp;</a>"`, `"<a href='x'>&amp;</a>"`},
		{"line separators raw", "\"\u2028\u2029\"", "\"\u2028\u2029\""},
		{"surrogate pair", `"\ud83d\ude00"`, `"😀"`},
		{"surrogate pair upper case", `"\uD83D\uDE00"`, `"😀"`},
		{"lone high surrogate", `"\ud800"`, "\"\ufffd\""},
		{"lone low surrogate", `"\udc00x"`, "\"\ufffdx\""},
		{"high surrogate then letter", `"\ud800a"`, "\"\ufffda\""},
		{"high surrogate then non-surrogate escape", `"\ud800\u0041"`, "\"\ufffdA\""},
		{"high surrogate then pair", `"\ud800\ud83d\ude00"`, "\"\ufffd😀\""},
		{"pair reversed", `"\ude00\ud83d"`, "\"\ufffd\ufffd\""},
		{"high surrogate then newline escape", `"\ud800\n"`, "\"\ufffd\n\""},
		{"invalid UTF-8 byte", "\"a\xffb\"", "\"a\ufffdb\""},
		{"truncated UTF-8", "\"\xc3\"", "\"\ufffd\""},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", "\"\ufffd\ufffd\ufffd\""},
		{"overlong UTF-8", "\"\xc0\xaf\"", "\"\ufffd\ufffd\""},
		{"U+FFFD kept", "\"\ufffd\"", "\"\ufffd\""},
		{"key escapes", `{"a\"b":1,"c\\d":2,"e\nf":3,"\u00e9":4}`, "{\"a\\\"b\":1,\"c\\\\d\":2,\"e\nf\":3,\"é\":4}"},
		{"invalid UTF-8 in key", "{\"\xff\":1,\"a\":2}", "{\"a\":2,\"\ufffd\":1}"},
		{"integers", `[0,-0,1,-1,123,-123,9007199254740993]`, `[0,-0,1,-1,123,-123,9007199254740993]`},
		{"int64 limits", `[9223372036854775807,-9223372036854775808]`, `[9223372036854775807,-9223372036854775808]`},
		{"literals", `[true,false,null]`, `[true,false,null]`},
		{"top-level string", `"x"`, `"x"`},
		{"top-level number", ` 42 `, `42`},
		{"top-level literal", `true`, `true`},
		{"TUF-like", `{"signed":{"version":1,"_type":"root","keys":{"b":{"keyval":{"public":"-----BEGIN\nX\n"}}}}}`,
			"{\"signed\":{\"_type\":\"root\",\"keys\":{\"b\":{\"keyval\":{\"public\":\"-----BEGIN\nX\n\"}}},\"version\":1}}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err != nil {
				t.Fatalf("Canonicalize(%q): %v", tt.in, err)
			}
			if string(got) != tt.want {
				t.Errorf("Canonicalize(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
			old, err := canonicalizeGeneric([]byte(tt.in))
			if err != nil {
				t.Fatalf("the old path refuses %q: %v", tt.in, err)
			}
			if !bytes.Equal(got, old) {
				t.Errorf("Canonicalize(%q) = %q, the old path wrote %q", tt.in, got, old)
			}
		})
	}
}

// What Canonicalize refuses, and where it says the problem is. oldAccepts
// marks the two refusals that are new: the old path kept the last of two
// equal keys and ignored what came after the first value.
func TestCanonicalizeRefuses(t *testing.T) {
	tests := []struct {
		name, in   string
		kind       refusal
		where      string // the error's place: path, line and column
		oldAccepts bool
	}{
		{"fraction", `{"a":1.5}`, refusedNumber, "a at line 1, column 6 (byte 5)", false},
		{"fraction zero", `[1.0]`, refusedNumber, "[0] at line 1, column 2", false},
		{"negative zero fraction", `-0.0`, refusedNumber, "line 1, column 1", false},
		{"exponent", `{"a":{"b":[1,1e5]}}`, refusedNumber, "a.b[1] at line 1, column 14 (byte 13)", false},
		{"exponent upper case signed", `1E+2`, refusedNumber, "line 1, column 1", false},
		{"zero exponent", `0e0`, refusedNumber, "line 1, column 1", false},
		{"above int64", `9223372036854775808`, refusedNumber, "line 1, column 1", false},
		{"below int64", `-9223372036854775809`, refusedNumber, "line 1, column 1", false},
		{"huge integer", `[` + strings.Repeat("9", 400) + `]`, refusedNumber, "[0] at line 1, column 2", false},
		{"duplicate key", `{"a":1,"a":1}`, refusedDuplicate, "a at line 1, column 8", true},
		{"duplicate key out of order", `{"b":1,"a":2,"b":3}`, refusedDuplicate, "b at line 1, column 14", true},
		{"duplicate key by escape", `{"a":1,"\u0061":2}`, refusedDuplicate, "a at line 1, column 8", true},
		{"duplicate key by replacement", `{"\ud800":1,"\udc00":2}`, refusedDuplicate, "[\"\ufffd\"] at line 1, column 13", true},
		{"duplicate key nested", "{\"x\":[{\"k\":1},\n{\"z\":0,\"k\":1,\"k\":2}]}", refusedDuplicate, "x[1].k at line 2, column 14", true},
		{"data after the value", `{} {}`, refusedSyntax, "line 1, column 4", true},
		{"letter after the value", `{}x`, refusedSyntax, "line 1, column 3", true},
		{"leading zero", `01`, refusedSyntax, "line 1, column 2", true},
		{"two numbers", `1 2`, refusedSyntax, "line 1, column 3", true},
		{"empty", ``, refusedSyntax, "line 1, column 1", false},
		{"whitespace only", " \n\t", refusedSyntax, "line 2, column 2", false},
		{"byte order mark", "\xef\xbb\xbf{}", refusedSyntax, "line 1, column 1", false},
		{"trailing comma in array", `[1,]`, refusedSyntax, "[1] at line 1, column 4", false},
		{"trailing comma in object", `{"a":1,}`, refusedSyntax, "a at line 1, column 8", false},
		{"comma only", `{,}`, refusedSyntax, "line 1, column 2", false},
		{"missing colon", `{"a" 1}`, refusedSyntax, "line 1, column 6", false},
		{"number key", `{1:2}`, refusedSyntax, "line 1, column 2", false},
		{"missing comma", `[1 2]`, refusedSyntax, "[0] at line 1, column 4", false},
		{"unclosed string", `"abc`, refusedSyntax, "line 1, column 1", false},
		{"raw control character", "[\"a\x01b\"]", refusedSyntax, "[0] at line 1, column 4", false},
		{"raw newline", "{\"a\":\"x\ny\"}", refusedSyntax, "a at line 1, column 8", false},
		{"bad escape", `"\x"`, refusedSyntax, "line 1, column 2", false},
		{"short unicode escape", `"\u12"`, refusedSyntax, "line 1, column 2", false},
		{"bad unicode escape", `"\u12G4"`, refusedSyntax, "line 1, column 2", false},
		{"single quotes", `'a'`, refusedSyntax, "line 1, column 1", false},
		{"truncated literal", `tru`, refusedSyntax, "line 1, column 1", false},
		{"capital literal", `True`, refusedSyntax, "line 1, column 1", false},
		{"NaN", `NaN`, refusedSyntax, "line 1, column 1", false},
		{"minus only", `-`, refusedSyntax, "line 1, column 2", false},
		{"plus sign", `+1`, refusedSyntax, "line 1, column 1", false},
		{"dot first", `.5`, refusedSyntax, "line 1, column 1", false},
		{"dot last", `1.`, refusedSyntax, "line 1, column 3", false},
		{"bare exponent", `1e`, refusedSyntax, "line 1, column 3", false},
		{"unclosed array", `[1,[2]`, refusedSyntax, "[1] at line 1, column 7", false},
		{"unclosed object", `{"a":{"b":1}`, refusedSyntax, "a at line 1, column 13", false},
		{"missing value", `{"a":}`, refusedSyntax, "a at line 1, column 6", false},
		{"comment", "{} // note", refusedSyntax, "line 1, column 4", true},
		{"column counts characters", "{\"é\":\"ü\",\n \"ü\": 1.5}", refusedNumber, `["ü"] at line 2, column 7`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize([]byte(tt.in))
			if err == nil {
				t.Fatalf("Canonicalize(%q) = %q, want a refusal", tt.in, got)
			}
			var ce *canonicalError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is a %T", err, err)
			}
			if ce.kind != tt.kind {
				t.Errorf("Canonicalize(%q): %v: kind %d, want %d", tt.in, err, ce.kind, tt.kind)
			}
			if !strings.HasPrefix(err.Error(), tt.where) {
				t.Errorf("Canonicalize(%q): %q, want it to start with %q", tt.in, err, tt.where)
			}
			if _, oldErr := canonicalizeGeneric([]byte(tt.in)); (oldErr == nil) != tt.oldAccepts {
				t.Errorf("the old path: err %v, want accepted=%v", oldErr, tt.oldAccepts)
			}
		})
	}
}

// The whole message of each kind of refusal, as a caller prints it.
func TestCanonicalizeErrorText(t *testing.T) {
	doc := "{\n  \"delegations\": {\n    \"roles\": [\n      {\"name\": \"a\", \"threshold\": 1.5}\n    ]\n  }\n}"
	_, err := Canonicalize([]byte(doc))
	want := "delegations.roles[0].threshold at line 4, column 34 (byte 69): number 1.5 is not an integer: canonical JSON has integers only"
	if err == nil || err.Error() != want {
		t.Errorf("float:\n got %v\nwant %s", err, want)
	}

	f, err := Parse([]byte(`{"signatures":[],"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z","keys":{"k":1,"k":2}}}`))
	if err != nil {
		t.Fatalf("Parse keeps encoding/json's reading of the envelope: %v", err)
	}
	_, err = f.Canonical()
	want = `signed: keys.k at line 1, column 76 (byte 75): key "k" appears twice in one object (first at line 1, column 70): ` +
		"parsers disagree on which one counts, so it has no canonical form"
	if err == nil || err.Error() != want {
		t.Errorf("duplicate:\n got %v\nwant %s", err, want)
	}

	_, err = Canonicalize([]byte("[1,\n 2 x]"))
	want = "[1] at line 2, column 4 (byte 7): invalid character 'x' after an array element: want ',' or ']'"
	if err == nil || err.Error() != want {
		t.Errorf("syntax:\n got %v\nwant %s", err, want)
	}
}

// encoding/json allows 10,000 levels; so does Canonicalize, without
// recursion: a million levels are refused, not a stack overflow.
func TestCanonicalizeDepth(t *testing.T) {
	nested := func(n int, open, leaf, close string) []byte {
		return []byte(strings.Repeat(open, n) + leaf + strings.Repeat(close, n))
	}
	for _, doc := range [][]byte{nested(maxDepth, "[", "", "]"), nested(maxDepth, `{"a":`, "0", "}"), nested(maxDepth/2, `[{"b":0,"a":`, "1", "}]")} {
		got, err := Canonicalize(doc)
		if err != nil {
			t.Fatalf("%d levels: %v", maxDepth, err)
		}
		old, err := canonicalizeGeneric(doc)
		if err != nil || !bytes.Equal(got, old) {
			t.Errorf("%d levels: differs from the old path (err %v)", maxDepth, err)
		}
	}
	for _, doc := range [][]byte{nested(maxDepth+1, "[", "", "]"), nested(1_000_000, `{"a":`, "0", "}"), []byte(strings.Repeat("[", 5_000_000))} {
		_, err := Canonicalize(doc)
		var ce *canonicalError
		if !errors.As(err, &ce) || ce.kind != refusedDepth {
			t.Errorf("%d bytes of nesting: err %v, want a depth refusal", len(doc), err)
		}
		if err == nil || !strings.Contains(err.Error(), "nested deeper than 10000") || !strings.Contains(err.Error(), "levels]") {
			t.Errorf("error %q does not say where the limit was passed", err)
		}
	}
	if _, err := canonicalizeGeneric(nested(maxDepth+1, "[", "", "]")); err == nil {
		t.Error("the old path accepts 10,001 levels: the limits differ")
	}
}

// Every JSON file of the test data (python-tuf's repository data,
// RSTUF payloads), and the "signed" part of each that has one, gives the
// same bytes as the old path, or both refuse.
func TestCanonicalizeSharedTestdata(t *testing.T) {
	var files []string
	err := filepath.WalkDir(testdataDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			files = append(files, path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
	}
	if len(files) < 50 {
		t.Fatalf("found %d JSON files under %s, want the test data (over 50)", len(files), testdataDir)
	}
	compared, signed := 0, 0
	for _, path := range files {
		data := readTestdata(t, path)
		docs := [][]byte{data}
		var top map[string]json.RawMessage
		if json.Unmarshal(data, &top) == nil && top["signed"] != nil {
			docs = append(docs, top["signed"])
			signed++
		}
		for _, doc := range docs {
			got, err := Canonicalize(doc)
			want, oldErr := canonicalizeGeneric(doc)
			switch {
			case err == nil && oldErr == nil:
				if !bytes.Equal(got, want) {
					t.Errorf("%s: canonical JSON differs from the old path:\n got %.200q\nwant %.200q", path, got, want)
				}
				compared++
			case err != nil && oldErr != nil:
			default:
				t.Errorf("%s: Canonicalize err %v, the old path err %v", path, err, oldErr)
			}
		}
	}
	t.Logf("%d files: %d documents compared, %d of them signed parts", len(files), compared, signed)
	if signed < 20 || compared < 50 {
		t.Errorf("compared %d documents (%d signed parts): the test data is not what this test is for", compared, signed)
	}
}

// FuzzCanonical compares Canonicalize with the old path on any input: the
// same bytes, or both refuse, except for the two refusals that are new (a
// key twice in an object, anything after the value), which an independent
// check must confirm. It also checks that the grammar-only index accepts
// exactly what encoding/json's scanner accepts, since Parse relies on it.
//
//	go test -run '^$' -fuzz '^FuzzCanonical$' -fuzztime 2000000x ./metafile/
//
// (A count, not a duration: with Go 1.26 a duration can end in a spurious
// "context deadline exceeded" without a failing input, golang/go#75804.)
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `{"b":1,"a":[1,2,{"d":null,"c":true}]}`, `"\ud83d\ude00\ud800\u0041"`, "\"\xff\xed\xa0\x80\"",
		`{"a":1.5}`, `{"a":1,"a":2}`, `-0`, `9223372036854775808`, `{} x`, `[1,]`, `{"\\":1,"\"":2}`,
		"{\"signed\":{\"_type\":\"root\",\"keys\":{\"k\":{\"public\":\"a\\nb\"}}},\"signatures\":[]}",
	} {
		f.Add([]byte(s))
	}
	for _, path := range []string{
		pythonTUFMetadata + "/root.json",
		pythonTUFMetadata + "/targets.json",
		pythonTUFMetadata + "/snapshot.json",
	} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		got, err := Canonicalize(doc)
		want, oldErr := canonicalizeGeneric(doc)
		valid := json.Valid(doc)
		if _, checkErr := indexJSON(doc, false); (checkErr == nil) != valid {
			t.Fatalf("grammar check of %q: err %v, json.Valid %v", doc, checkErr, valid)
		}
		if err == nil {
			if oldErr != nil {
				t.Fatalf("Canonicalize(%q) = %q, the old path refuses: %v", doc, got, oldErr)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("Canonicalize(%q)\n got %q\nwant %q", doc, got, want)
			}
			if !valid {
				t.Fatalf("Canonicalize accepted invalid JSON %q", doc)
			}
			return
		}
		var ce *canonicalError
		if !errors.As(err, &ce) {
			t.Fatalf("Canonicalize(%q): error %v is a %T", doc, err, err)
		}
		if valid && (ce.kind == refusedSyntax || ce.kind == refusedDepth) {
			t.Fatalf("Canonicalize(%q) calls valid JSON invalid: %v", doc, err)
		}
		if oldErr != nil {
			return
		}
		switch {
		case ce.kind == refusedDuplicate:
			if !hasDuplicateKey(doc) {
				t.Fatalf("Canonicalize(%q): %v, but no object has a key twice", doc, err)
			}
		case !valid:
			// The old path ignored what followed the first value.
		default:
			t.Fatalf("Canonicalize(%q) refuses what the old path accepts (%q): %v", doc, want, err)
		}
	})
}

// hasDuplicateKey reports whether an object in doc has a key twice, as
// encoding/json decodes keys; it is independent of Canonicalize.
func hasDuplicateKey(doc []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(doc))
	type frame struct {
		seen      map[string]bool
		object    bool
		expectKey bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			if key, ok := tok.(string); ok {
				if stack[n-1].seen[key] {
					return true
				}
				stack[n-1].seen[key] = true
				stack[n-1].expectKey = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{seen: map[string]bool{}, object: true, expectKey: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
}

// A large object out of order keeps its members where they were read
// (closeObject's stealFrom); what comes after it (more members of the
// objects around it, further objects out of order, small and large) must
// still come out in canonical order.
func TestCanonicalizeLargeObjectsOutOfOrder(t *testing.T) {
	var doc bytes.Buffer
	object := func(n int, extra string) {
		doc.WriteString("{")
		for i := n - 1; i >= 0; i-- {
			fmt.Fprintf(&doc, `"k%d":%d,`, i, i)
		}
		doc.WriteString(extra + "}")
	}
	doc.WriteString(`{"z":1,"signed":{"b":2,"targets":`)
	object(stealFrom+10, `"a":[]`)
	doc.WriteString(`,"a":{"y":1,"x":2},"more":`)
	object(stealFrom+3, `"0":{"q":1,"p":2}`)
	doc.WriteString(`},"a":0}`)
	got, err := Canonicalize(doc.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	want, err := canonicalizeGeneric(doc.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("canonical form differs from the generic one (%d and %d bytes)", len(got), len(want))
	}
}
