package strictjson

import (
	"errors"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	type doc struct {
		A int            `json:"a"`
		B map[string]int `json:"b"`
		C []struct {
			D int `json:"d"`
		} `json:"c"`
	}
	var v doc
	if err := Decode("x", []byte(`{"a": 1, "b": {"k": 2}, "c": [{"d": 3}]}`), 1<<10, &v); err != nil || v.A != 1 || v.B["k"] != 2 || v.C[0].D != 3 {
		t.Fatalf("good document: %+v, %v", v, err)
	}
	for _, c := range []struct {
		name, data string
		want       error
		text       string
	}{
		{"too large", `{"a": 1}` + strings.Repeat(" ", 64), ErrTooLarge, "over the limit of 64"},
		{"key twice at the top", `{"a": 1, "a": 2}`, ErrMalformed, `the top-level object has the key "a" twice`},
		{"key twice in an object", `{"b": {"k": 1, "k": 2}}`, ErrMalformed, `b has the key "k" twice`},
		{"key twice in a list's object", `{"c": [{"d": 1, "d": 2}]}`, ErrMalformed, `c[] has the key "d" twice`},
		{"unknown field", `{"e": 1}`, ErrMalformed, "unknown field"},
		{"data after", `{"a": 1} {}`, ErrMalformed, "data after the JSON object"},
		{"not JSON", `{"a": `, ErrMalformed, "x:"},
	} {
		var v doc
		err := Decode("x", []byte(c.data), 64, &v)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.want, c.text)
		}
	}
}

// Two top-level keys that differ only in case are two readings of one
// field for encoding/json; nested data keys (role names, paths) are not.
func TestCaseTwins(t *testing.T) {
	for _, doc := range []string{`{"role":"root","ROLE":"targets"}`, `{"keys":1,"keyſ":2}`} {
		if err := CheckNoDuplicates([]byte(doc)); err == nil || !strings.Contains(err.Error(), "differ only in case") {
			t.Errorf("%s: %v, want case twins refused", doc, err)
		}
	}
	if err := CheckNoDuplicates([]byte(`{"targets":{"README":1,"readme":2}}`)); err != nil {
		t.Errorf("nested names differing in case: %v", err)
	}
}
