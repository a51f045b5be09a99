package claimed

import (
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// A member whose name holds a control character is walked like any other
// (canonical JSON writes it raw): what it adds to claimed is reported,
// wherever it sorts.
func TestClaimedChangeSeesEveryMember(t *testing.T) {
	prev := []byte(`{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":[]}}`)
	for name, next := range map[string]string{
		"top level":   `{"_type":"targets","spec_version":"1.0.31","version":2,"expires":"2030-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":[]},"w\n":{"anything":"unreviewed"}}`,
		"delegations": `{"_type":"targets","spec_version":"1.0.31","version":2,"expires":"2030-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":[],"zz\u0001":"smuggled"}}`,
		"keys":        `{"_type":"targets","spec_version":"1.0.31","version":2,"expires":"2030-01-01T00:00:00Z","targets":{},"delegations":{"keys":{"g\n":{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"00"}}},"roles":[]}}`,
	} {
		problems := compareClaimed(&metafile.File{Signed: prev}, &metafile.File{Signed: []byte(next)}, nil, nil)
		if len(problems) == 0 {
			t.Errorf("%s: a member named with a control character goes unreported", name)
		}
		for _, p := range problems {
			if strings.Contains(p, "not a JSON object") {
				t.Errorf("%s: %s", name, p)
			}
		}
	}
}
