package metafile

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// TestParseOwnedIsParse: ParseOwned reads every envelope as Parse does,
// with the same result or the same error, and its values are slices of
// the input that an append cannot write through.
func TestParseOwnedIsParse(t *testing.T) {
	docs := append([]string{envelopeText}, envelopeCases...)
	for _, doc := range docs {
		doc := `{"signed":` + doc + `,"signatures":[{"keyid":"aa","sig":"01","x":[1]}],"x-top":{"b":2}}`
		want, wantErr := Parse([]byte(doc))
		got, err := ParseOwned([]byte(doc))
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: ParseOwned error %v, Parse %v", doc, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		if string(got.Signed) != string(want.Signed) || !reflect.DeepEqual(got.Signatures, want.Signatures) || !reflect.DeepEqual(got.Extra, want.Extra) {
			t.Errorf("%s: ParseOwned read %+v, Parse %+v", doc, got, want)
		}
		gh, _ := got.Header()
		wh, _ := want.Header()
		if gh != wh {
			t.Errorf("%s: header %+v, Parse's %+v", doc, gh, wh)
		}
	}
	data := []byte(`{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[],"z":1}`)
	f, err := ParseOwned(data)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(f.Signed, 'x')
	_ = append(f.Extra["z"], 'x')
	if string(data) != `{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[],"z":1}` {
		t.Errorf("an append to a value wrote into the input: %s", data)
	}
	if &f.Signed[0] != &data[10] {
		t.Error("ParseOwned copied signed")
	}
}

// TestParseHeaderInOnePass: the header Parse reads with the envelope, in
// the same pass, is the header (or the error) a pass over "signed" alone
// gives, also when "signed" comes twice (the last is kept) or holds
// objects with members named like the header's.
func TestParseHeaderInOnePass(t *testing.T) {
	var docs []string
	for _, body := range envelopeCases {
		docs = append(docs,
			`{"signatures":[],"signed":`+body+`}`,
			`{"signed":{"_type":"first","version":7,"expires":"2031-01-01T00:00:00Z"},"signatures":[],"signed":`+body+`}`,
			`{"signed":`+body+`,"signatures":[{"keyid":"a","sig":"","version":2}],"x":{"_type":"other","version":3}}`)
	}
	taken := 0
	for _, doc := range docs {
		var top map[string]json.RawMessage
		if json.Unmarshal([]byte(doc), &top) != nil || len(top["signed"]) == 0 || top["signed"][0] != '{' {
			continue
		}
		want, wantErr := readHeader(top["signed"])
		f, err := Parse([]byte(doc))
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%s: Parse error %v, a pass over signed gives %v", doc, err, wantErr)
			continue
		}
		if err != nil {
			continue
		}
		taken++
		if got, _ := f.Header(); got != want {
			t.Errorf("%s: header %+v, a pass over signed gives %+v", doc, got, want)
		}
	}
	if taken < 10 {
		t.Fatalf("only %d documents parsed: the cases lost their valid headers", taken)
	}
}
