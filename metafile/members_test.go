package metafile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Documents on which Parse's and Header's shortcuts must do what
// encoding/json does: odd keys, repeated keys, case and Unicode folding,
// wrong types, and what is not an object or not JSON.
var envelopeCases = []string{
	`{}`,
	` {"signed": {"a": 1}, "signatures": [] } `,
	`{"signed":{"x":1},"signed":{"y":2},"signatures":[]}`,
	`{"sig\u006eed":{"x":1},"signatures":[],"extra":{"deep":[1,{"signed":2}]}}`,
	`{"\ud800":1,"\udc00":2,"a\"b":"c\\d","e":null,"f":true,"g":-0,"h":1.5e3}`,
	"{\"\xff\":1}",
	`{"version":1,"_type":"root","expires":"2030-01-01T00:00:00Z"}`,
	`{"Version":2,"VERSION":3,"_TYPE":"targets","Expires":"2031-01-01T00:00:00Z","spec_version":"1"}`,
	`{"version":1,"Version":2}`,
	`{"Version":2,"version":1}`,
	`{"ſpec_version":"long s","_type":"x","version":1,"expires":"2030-01-01T00:00:00Z"}`,
	`{"\u0076ersion":7,"_type":"x","expires":"2030-01-01T00:00:00Z"}`,
	`{"_type":"x","version":"1","expires":"2030-01-01T00:00:00Z"}`,
	`{"_type":"x","version":1,"expires":"next year"}`,
	`{"_type":"x","version":1.5,"expires":"2030-01-01T00:00:00Z"}`,
	`{"_type":["x"],"version":{},"expires":null,"spec_version":false}`,
	`{"_type":"x","version":1,"expires":"2030-01-01T00:00:00Z","delegations":{"version":9,"_type":"nested"},"targets":{}}`,
	`{"versions":1,"xversion":2,"_type_":3,"expire":4,"_type":"ok","version":1,"expires":"2030-01-01T00:00:00Z"}`,
	`null`, `[]`, `[{"signed":{}}]`, `"signed"`, `1`, ``, ` `, `{`, `{"a":1,}`, `{"a":1} {}`, `{"a":1}x`,
	"\xef\xbb\xbf{}", `{"a":01}`, `{"a":"\x"}`,
}

func TestDecodeEnvelopeIsEncodingJSON(t *testing.T) {
	for _, doc := range envelopeCases {
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal([]byte(doc), &want)
		got, err := decodeEnvelope([]byte(doc), true)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("decodeEnvelope(%q) = %q, %v\nencoding/json gives %q, %v", doc, got, err, want, wantErr)
		}
	}
	// The values are copies: Parse keeps nothing of its input.
	doc := []byte(`{"signed":{"a":1},"signatures":[]}`)
	top, err := decodeEnvelope(doc, true)
	if err != nil {
		t.Fatal(err)
	}
	doc[11] = 'b'
	if string(top["signed"]) != `{"a":1}` {
		t.Errorf("signed changed with the input: %s", top["signed"])
	}
}

func TestHeaderFieldsIsEncodingJSON(t *testing.T) {
	for _, doc := range envelopeCases {
		var want, got Header
		wantErr := json.Unmarshal([]byte(doc), &want)
		cut := headerFields([]byte(doc), false)
		err := json.Unmarshal(cut, &got)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("Header of %q from %q = %+v, %v\nencoding/json gives %+v, %v", doc, cut, got, err, want, wantErr)
		}
		if json.Valid([]byte(doc)) && doc[0] == '{' {
			if valid := headerFields([]byte(doc), true); string(valid) != string(cut) {
				t.Errorf("headerFields of the valid %q: %q without a check, %q with it", doc, valid, cut)
			}
		}
	}
	// What is cut: members that cannot be Header fields, nothing else.
	for _, valid := range []bool{false, true} {
		cut := headerFields([]byte(` {"a":1, "_type" :"t","delegations":{"version":9},"Version":1,"\u0061":2,"é":3,"expires":"x"}`), valid)
		if want := `{"_type":"t","Version":1,"\u0061":2,"é":3,"expires":"x"}`; string(cut) != want {
			t.Errorf("headerFields (valid: %v) kept %s, want %s", valid, cut, want)
		}
	}
}

// decodeAs calls go-tuf's UnmarshalJSON itself; the value and the error are
// those of json.Unmarshal.
func TestTypedViewIsEncodingJSON(t *testing.T) {
	for _, signed := range []string{
		`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":1,"hashes":{"sha256":"00"}}},"x-vendor":[1]}`,
		`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":"one"}}}`,
		`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","targets":[]}`,
		`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","delegations":{"keys":{},"roles":[{"name":"p","keyids":[],"threshold":1,"terminating":true,"paths":["a/*"],"path_hash_prefixes":["00"]}]}}`,
		` {"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","x":7} `,
		`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","delegations":{"roles":[{"name":1}]}}`,
	} {
		f := &File{Signed: json.RawMessage(signed)}
		got, err := f.Targets()
		var want metadata.TargetsType
		wantErr := json.Unmarshal(f.Signed, &want)
		if wantErr != nil {
			wantErr = fmt.Errorf("signed: not valid targets metadata: %w", wantErr)
		}
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("Targets() of %s: err %v, json.Unmarshal gives %v", signed, err, wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(*got, want) {
			t.Errorf("Targets() of %s = %+v, json.Unmarshal gives %+v", signed, *got, want)
		}
	}
}

// FuzzEnvelope: on any input, Parse's and Header's shortcuts give what
// encoding/json gives.
func FuzzEnvelope(f *testing.F) {
	for _, doc := range envelopeCases {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal(doc, &want)
		got, err := decodeEnvelope(doc, true)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeEnvelope(%q) = %q, %v\nencoding/json gives %q, %v", doc, got, err, want, wantErr)
		}
		var wantH, gotH Header
		wantErr = json.Unmarshal(doc, &wantH)
		cut := headerFields(doc, false)
		err = json.Unmarshal(cut, &gotH)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || !reflect.DeepEqual(gotH, wantH) {
			t.Fatalf("Header of %q = %+v, %v\nencoding/json gives %+v, %v", doc, gotH, err, wantH, wantErr)
		}
		if _, ok := objectMembers(doc); ok {
			if valid := headerFields(doc, true); string(valid) != string(cut) {
				t.Fatalf("headerFields of the valid %q: %q without a check, %q with it", doc, valid, cut)
			}
		}
	})
}

// RawMembers walks what Members walks, giving each name as written: the
// same members, the same values, the names decoding to Members' names;
// and it refuses what Members refuses. EachRawMember stops where asked.
func TestRawMembersAreMembers(t *testing.T) {
	for _, doc := range envelopeCases {
		want, wantErr := Members([]byte(doc))
		got, err := RawMembers([]byte(doc))
		if (err == nil) != (wantErr == nil) || len(got) != len(want) {
			t.Errorf("RawMembers(%q) = %d members, %v; Members gives %d, %v", doc, len(got), err, len(want), wantErr)
			continue
		}
		for i, m := range got {
			name, err := String(m.Quoted)
			if err != nil || name != want[i].Name || string(m.Value) != string(want[i].Value) {
				t.Errorf("RawMembers(%q)[%d] = %s: %s (%q, %v), Members gives %q: %s", doc, i, m.Quoted, m.Value, name, err, want[i].Name, want[i].Value)
			}
		}
	}
	var seen []string
	doc := []byte(`{"a":1,"b":[2,{"c":3}],"d":"x"}`)
	if !EachRawMember(doc, func(quoted, _ []byte) bool {
		seen = append(seen, string(quoted))
		return string(quoted) != `"b"`
	}) || fmt.Sprint(seen) != `["a" "b"]` {
		t.Errorf("EachRawMember stopping at b saw %v", seen)
	}
}
