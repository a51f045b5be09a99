package metafile

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// goTUFTargets is go-tuf's own decoding of signed, the reference.
func goTUFTargets(signed []byte) (*metadata.TargetsType, error) {
	var t metadata.TargetsType
	err := t.UnmarshalJSON(signed)
	return &t, err
}

// checkSameTargets fails unless decodeTargets either gives up on signed
// or gives exactly go-tuf's value; it reports whether it decoded.
func checkSameTargets(t *testing.T, name string, signed []byte) bool {
	t.Helper()
	got, ok := decodeTargets(signed)
	if !ok {
		return false
	}
	if !json.Valid(signed) {
		t.Fatalf("%s: decoded a document that is not JSON: %q", name, signed)
	}
	want, err := goTUFTargets(signed)
	if err != nil {
		t.Fatalf("%s: decoded what go-tuf refuses (%v): %q", name, err, signed)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: decoded\n%#v\ngo-tuf decodes\n%#v", name, got, want)
	}
	return true
}

const sampleTargets = `{
  "_type": "targets", "spec_version": "1.0.31", "version": 7, "expires": "2030-01-02T03:04:05Z",
  "targets": {"a/b.tar.gz": {"length": 12, "hashes": {"sha256": "00ff", "blake2b-256": "ab"}, "custom": {"x": [1, 2.5, null]}},
              "ü/c": {"length": 0, "hashes": {"sha256": "aa"}, "vendor": "v"}},
  "delegations": {
    "keys": {"k1": {"keytype": "ed25519", "scheme": "ed25519", "keyval": {"public": "ab", "private": ""}, "x-note": 1}},
    "roles": [
      {"name": "p", "keyids": ["k1"], "threshold": 1, "terminating": true, "paths": ["a/*"], "x": {"y": true}},
      {"name": "q", "keyids": [], "threshold": -3, "terminating": false, "path_hash_prefixes": ["00"]},
      {"name": "r", "keyids": ["k1"], "threshold": 2, "terminating": false, "paths": []}
    ],
    "z": "kept"
  },
  "x-top": [true, "s"]
}`

func TestDecodeTargetsAsGoTUF(t *testing.T) {
	if !checkSameTargets(t, "sample", []byte(sampleTargets)) {
		t.Fatal("gave up on the sample, which has nothing it cannot decode")
	}
	var paths []string
	err := filepath.WalkDir("../testdata", func(path string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".json") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	decoded := 0
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(data)
		if err != nil {
			continue
		}
		if h, err := f.Header(); err != nil || h.Type != metadata.TARGETS {
			continue
		}
		if checkSameTargets(t, path, f.Signed) {
			decoded++
		}
	}
	if decoded == 0 {
		t.Fatal("decoded no targets role of the test data")
	}
}

// Each of these is read exactly by go-tuf, and each is something the walk
// must leave to go-tuf rather than decode differently.
func TestDecodeTargetsGivesUp(t *testing.T) {
	for name, change := range map[string][2]string{
		"escape in a string":     {`"name": "p"`, `"name": "\u0070"`},
		"escape in a key":        {`"name": "p"`, `"n\u0061me": "p"`},
		"folded key":             {`"name": "p"`, `"NAME": "p"`},
		"kelvin sign":            {`"keytype"`, `"\u212aeytype"`},
		"a key twice":            {`"name": "p",`, `"name": "p", "name": "o",`},
		"null":                   {`"paths": ["a/*"]`, `"paths": null`},
		"not an integer":         {`"threshold": 2`, `"threshold": 2.0`},
		"exponent":               {`"version": 7`, `"version": 7e0`},
		"succinct roles":         {`"z": "kept"`, `"succinct_roles": {"keyids": [], "threshold": 1, "bit_length": 8, "name_prefix": "bin"}`},
		"custom null":            {`"custom": {"x": [1, 2.5, null]}`, `"custom": null`},
		"unknown twice":          {`"x-top": [true, "s"]`, `"x-top": 1, "x-top": 2`},
		"invalid UTF-8":          {`"name": "q"`, "\"name\": \"q\xff\""},
		"data after the object":  {`"s"]` + "\n}", `"s"]` + "\n} {}"},
		"hashes empty":           {`"hashes": {"sha256": "aa"}`, `"hashes": {}`},
		"hex odd":                {`"sha256": "aa"`, `"sha256": "aaa"`},
		"version out of range":   {`"version": 7`, `"version": 9223372036854775808`},
		"threshold not a number": {`"threshold": 2`, `"threshold": "2"`},
		"custom past float64":    {`"custom": {"x": [1, 2.5, null]}`, `"custom": {"n": 1e400}`},
		"custom 400 digits":      {`"custom": {"x": [1, 2.5, null]}`, `"custom": {"n": 1` + strings.Repeat("0", 400) + `}`},
		"version leading zero":   {`"version": 7`, `"version": 07`},
	} {
		doc := strings.Replace(sampleTargets, change[0], change[1], 1)
		if doc == sampleTargets {
			t.Fatalf("%s: the change does not apply", name)
		}
		if _, ok := decodeTargets([]byte(doc)); ok {
			t.Errorf("%s: decoded; want it left to go-tuf", name)
		}
	}
}

func FuzzDecodeTargets(f *testing.F) {
	f.Add([]byte(sampleTargets))
	f.Add([]byte(`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","targets":{}}`))
	f.Add([]byte(`{"delegations":{"keys":{},"roles":[]}}`))
	f.Add([]byte(`{"targets":{"a":{"length":1,"hashes":{"s":"00"},"custom":{"n":-1e999}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		checkSameTargets(t, "fuzz", doc)
	})
}

// DecodeDelegations gives json.Unmarshal's value and error, whether it
// decodes itself or leaves it to encoding/json.
func TestDecodeDelegationsAsEncodingJSON(t *testing.T) {
	f, err := Parse([]byte(`{"signatures": [], "signed": ` + sampleTargets + `}`))
	if err != nil {
		t.Fatal(err)
	}
	members, err := f.Members()
	if err != nil {
		t.Fatal(err)
	}
	var sample []byte
	for _, m := range members {
		if m.Name == "delegations" {
			sample = m.Value
		}
	}
	for _, raw := range []string{
		string(sample),
		" null ",
		`{"keys": {}, "roles": [], "succinct_roles": {"keyids": [], "threshold": 1, "bit_length": 8, "name_prefix": "bin"}}`,
		`{"keys": {"k": {"keytype": "\u0065d25519"}}}`,
		`{"roles": [{"threshold": 1.5}]}`,
	} {
		got, err := DecodeDelegations([]byte(raw))
		var want *metadata.Delegations
		wantErr := json.Unmarshal([]byte(raw), &want)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || err == nil && !reflect.DeepEqual(got, want) {
			t.Errorf("DecodeDelegations(%s) = %+v, %v; json.Unmarshal gives %+v, %v", raw, got, err, want, wantErr)
		}
	}
	if len(sample) == 0 {
		t.Fatal("the sample has no delegations")
	}
}

// String, StringList and Int give json.Unmarshal's value and error.
func TestValueDecodersAsEncodingJSON(t *testing.T) {
	for _, v := range []string{`01`, `-01`, `"a"`, ` "é" `, `"\u0061"`, `"a\"b"`, `1`, `-0`, `1.5`, `null`, `["x", "y"]`, `[]`, `[1]`, `"a" x`, `{}`, `9223372036854775808`, "\"\xff\""} {
		s, err := String([]byte(v))
		var ws string
		werr := json.Unmarshal([]byte(v), &ws)
		if s != ws || fmt.Sprint(err) != fmt.Sprint(werr) {
			t.Errorf("String(%s) = %q, %v; json.Unmarshal gives %q, %v", v, s, err, ws, werr)
		}
		list, err := StringList([]byte(v))
		var wl []string
		werr = json.Unmarshal([]byte(v), &wl)
		if fmt.Sprint(err) != fmt.Sprint(werr) || err == nil && !reflect.DeepEqual(list, wl) {
			t.Errorf("StringList(%s) = %#v, %v; json.Unmarshal gives %#v, %v", v, list, err, wl, werr)
		}
		n, err := Int([]byte(v))
		var wn int
		werr = json.Unmarshal([]byte(v), &wn)
		if fmt.Sprint(err) != fmt.Sprint(werr) || err == nil && n != wn {
			t.Errorf("Int(%s) = %d, %v; json.Unmarshal gives %d, %v", v, n, err, wn, werr)
		}
	}
}

// Members and Elements walk canonical JSON too, whose strings hold control
// characters raw, and never leave a member out: what they cannot walk is
// an error.
func TestMembersOfCanonicalJSON(t *testing.T) {
	got, err := Members([]byte("{\"a\":1,\"b\x01\\\"\":\"x\ny\",\"c\":[\"\\\\\",{}]}"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Member{{"a", []byte("1")}, {"b\x01\"", []byte("\"x\ny\"")}, {"c", []byte(`["\\",{}]`)}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Members = %q, want %q", got, want)
	}
	if s, err := String(got[1].Value); err != nil || s != "x\ny" {
		t.Errorf("String of a canonical string with a raw newline = %q, %v", s, err)
	}
	for _, doc := range []string{`{"a":1 "b":2}`, `{"a":1,`, `{"a"}`, `{"a":1,}`, `{"a\q":1}`, `{1:2}`, `["x"]`} {
		if m, err := Members([]byte(doc)); err == nil {
			t.Errorf("Members(%s) = %q, want an error", doc, m)
		}
	}
	for _, doc := range []string{`[1 2]`, `[1,`, `{}`, `[1,]`} {
		if e, err := Elements([]byte(doc)); err == nil {
			t.Errorf("Elements(%s) = %q, want an error", doc, e)
		}
	}
}

// A document go-tuf's own decoder crashes on is an error.
func TestTargetsNullEntryIsAnError(t *testing.T) {
	f, err := Parse([]byte(`{"signatures":[],"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":null}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Targets(); err == nil || !strings.Contains(err.Error(), "not valid targets metadata") {
		t.Errorf("Targets() of a null target entry: %v", err)
	}
}

// FuzzFastDecodeHasOneReading: whatever the fast decoder decodes passes
// checkOneReading, which File.Targets therefore runs only on what the fast
// decoder gives up on.
func FuzzFastDecodeHasOneReading(f *testing.F) {
	f.Add([]byte(sampleTargets))
	f.Add([]byte(`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":1,"hashes":{"sha256":"aa"},"LENGTH":2}}}`))
	f.Add([]byte(`{"delegations":{"keys":{"k":{"keytype":"x","KEYVAL":{}}},"roles":[{"Name":"p"}]}}`))
	f.Add([]byte(`{"_type":"targets","version":1,"targets":{},"KEYS":1}`))
	f.Add([]byte(`{"targets":{"a":{"length":1,"hashes":{"sha256":"aa"},"Version":2}},"keys":{"k":{"KEYTYPE":"x"}}}`))
	f.Add([]byte(`{"delegations":{"keys":{"k":{"keytype":"a","keyval":{"public":"c","Name":"x"},"Threshold":1}},"roles":[{"name":"p","Keys":{}}],"Meta":1}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		if _, ok := decodeTargets(doc); !ok {
			return
		}
		if err := checkOneReading(doc); err != nil {
			t.Fatalf("decoded fast, but read two ways: %v\n%s", err, doc)
		}
	})
}
