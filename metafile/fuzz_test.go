package metafile

import "testing"

// FuzzParse: no metadata file makes Parse or the decoders panic; one that
// Parse takes has a header, and marshals to a file Parse takes again with
// the same canonical signed bytes and signatures.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		`{"signed":{"_type":"root","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","keys":{},"roles":{}},"signatures":[]}`,
		`{"signed":{"_type":"targets","version":2,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":1,"hashes":{"sha256":"00"}}}},"signatures":[{"keyid":"ab","sig":"cd","x":1}],"x-top":true}`,
		`{"signed":{"_type":"snapshot","version":1,"expires":"2030-01-01T00:00:00Z","meta":{}},"signatures":[{},{}]}`,
		`{"signed":{"_type":"timestamp","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[null]}`,
		`{"signed":{},"signatures":[]}`, `[]`, `{"signed":{"_type":"root"},"signed":{}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := file.Header(); err != nil {
			t.Fatalf("Parse took a file whose header does not read: %v", err)
		}
		file.Root()
		file.Targets()
		file.Snapshot()
		file.Timestamp()
		out, err := file.Marshal()
		if err != nil {
			return
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse refuses what Marshal wrote: %v\n%s", err, out)
		}
		c1, err1 := file.Canonical()
		c2, err2 := again.Canonical()
		if (err1 == nil) != (err2 == nil) || string(c1) != string(c2) || len(again.Signatures) != len(file.Signatures) {
			t.Fatalf("a round trip changed what is signed or who signed:\n%s\n%s", data, out)
		}
	})
}
