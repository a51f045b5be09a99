package metafile

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzSkipValue: on a valid JSON document, skipValue passes over exactly
// its one value, whatever it holds (strings with escaped quotes and
// brackets, nesting, scalars), and gives up on none.
func FuzzSkipValue(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, ` {"a": [1, 2, {"b": "c]}\\"}"}], "d": null} `, `"x\\\\"`, `"\\"{"`, `-1.5e3`, `true`, "[\n  [],\n  {}\n]\n",
		`{"k":{"keytype":"ed25519","keyval":{"public":"aa"}},"r":[{"name":"a\"]","paths":["p/*"]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		if !json.Valid(doc) {
			return
		}
		w := &walk{doc: doc}
		w.skipValue()
		if want := len(bytes.TrimRight(doc, " \t\r\n")); w.give || w.i != want {
			t.Fatalf("skipValue of %q: at %d (gave up: %t), want the value's end at %d", doc, w.i, w.give, want)
		}
	})
}
