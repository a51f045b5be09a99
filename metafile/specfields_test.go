package metafile

import (
	"strings"
	"testing"
)

// A root or targets to be signed holds only the members the spec defines;
// unknown members deeper in, and other types, pass.
func TestCheckSpecFields(t *testing.T) {
	for _, c := range []struct {
		doc, want string
	}{
		{strings.Replace(twinRoot, "%s", "", 1), ""},
		{strings.Replace(twinRoot, "%s", `,"x-extra":1`, 1), `signed.x-extra: root metadata has no such field`},
		{`{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{"a":{"length":1,"hashes":{"sha256":"aa"},"custom":{"x":1}}}},"signatures":[]}`, ""},
		{`{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{},"delegation":{}},"signatures":[]}`, `signed.delegation: targets metadata has no such field`},
		{`{"signed":{"_type":"timestamp","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","meta":{},"x":1},"signatures":[]}`, ""},
	} {
		f, err := Parse([]byte(c.doc))
		if err != nil {
			t.Fatal(err)
		}
		err = f.CheckSpecFields()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%.60s: %v", c.doc, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%.60s: %v, want %q", c.doc, err, c.want)
		}
	}
}
