package metafile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// indentCompact appends to b what Marshal writes for v: indentTo into a
// buffer grown to indentedLen; false, and b as it was, when v is not
// compact.
func indentCompact(b *bytes.Buffer, v []byte, prefix, indent string) bool {
	n := indentedLen(v, prefix, indent)
	if n < 0 {
		return false
	}
	start := b.Len()
	b.Grow(n)
	indentTo(b, v, prefix, indent)
	if b.Len()-start != n {
		panic(fmt.Sprintf("indentedLen counted %d bytes, indentTo wrote %d", n, b.Len()-start))
	}
	return true
}

// checkIndentCompact fails unless indentCompact writes what json.Indent
// writes for the canonical form of doc (as FromSigned makes it), or, for
// input that is not compact, writes nothing and says so.
func checkIndentCompact(t *testing.T, doc []byte) {
	t.Helper()
	c, err := Canonicalize(doc)
	if err != nil {
		return
	}
	compact := escapeControl(c)
	// A file FromSigned makes keeps c as its canonical form: c must be
	// what canonicalizing its "signed" gives (threshold.VerifyFile keys
	// what verified by "signed" alone).
	if again, err := Canonicalize(compact); err != nil || !bytes.Equal(again, c) {
		t.Fatalf("canonical form of %q is %q (%v), not %q", compact, again, err, c)
	}
	var want, got bytes.Buffer
	want.WriteString("x")
	got.WriteString("x")
	if err := json.Indent(&want, compact, "  ", "  "); err != nil {
		t.Fatalf("json.Indent refused canonical bytes %q: %v", compact, err)
	}
	if !indentCompact(&got, compact, "  ", "  ") {
		t.Fatalf("indentCompact refused canonical bytes %q", compact)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		t.Fatalf("indentCompact of %q:\n%s\njson.Indent:\n%s", compact, got.Bytes(), want.Bytes())
	}
}

func TestIndentCompactIsJSONIndent(t *testing.T) {
	for _, doc := range append([]string{sampleTargets, encodableTargets,
		`{"a":[[],[{}],[[1]],{"b":{}}],"s":"quote \" brace { comma , colon : newline \n tab \t"}`,
		`{}`, `[]`, `"s"`, `1`, `[{"a":"\u0001"}]`}, oddSigned...) {
		checkIndentCompact(t, []byte(doc))
	}
	// Not compact: nothing written, and false.
	var b bytes.Buffer
	b.WriteString("kept")
	if indentCompact(&b, []byte(`{"a": 1}`), "  ", "  ") || b.String() != "kept" {
		t.Errorf("indentCompact of spaced JSON: wrote %q", b.String())
	}
}

func FuzzIndentCompact(f *testing.F) {
	f.Add([]byte(sampleTargets))
	f.Add([]byte(`{"a":[[],[{}],{"b":"\\\""}]}`))
	f.Fuzz(func(t *testing.T, doc []byte) { checkIndentCompact(t, doc) })
}

// Marshal of what FromSigned made writes the bytes it wrote before
// (json.Indent).
func TestMarshalFromSignedAsBefore(t *testing.T) {
	v, err := goTUFTargets([]byte(encodableTargets))
	if err != nil {
		t.Fatal(err)
	}
	f, err := FromSigned(v)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSlice(f.Signed, f.compact) {
		t.Fatal("FromSigned did not mark its signed as compact")
	}
	fast, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	checkMarshalsTo(t, f, fast)
	f.compact = nil
	slow, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fast, slow) {
		t.Errorf("Marshal of FromSigned's file:\n%s\nbefore:\n%s", fast, slow)
	}
}
