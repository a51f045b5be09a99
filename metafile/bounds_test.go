package metafile

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// A list of empty signature objects as long as a metadata file may be was
// once decoded whole before its first entry was checked (11 times its size
// in memory); now the first entry ends the reading, and the error names it.
func TestParseSignaturesStopsAtTheFirstBadEntry(t *testing.T) {
	var in bytes.Buffer
	in.WriteString(`{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[{"keyid":"a","sig":"00"},{}`)
	for range 200_000 {
		in.WriteString(`,{}`)
	}
	in.WriteString(`]}`)
	_, err := Parse(in.Bytes())
	if err == nil || !strings.Contains(err.Error(), "signatures[1].keyid") {
		t.Fatalf("Parse: err = %v, want signatures[1].keyid named", err)
	}
	// Decoding stops at the first bad entry: a test can tell by what it
	// allocates, far less than the 200,000 maps the whole list would be.
	allocs := testing.AllocsPerRun(3, func() { Parse(in.Bytes()) })
	if allocs > 1000 {
		t.Errorf("Parse made %.0f allocations for a list whose second entry is bad; it decoded the whole list", allocs)
	}
}

func TestParseSignaturesKeepsEachEntry(t *testing.T) {
	in := `{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":[` +
		`{"keyid":"a","sig":"00"},{"keyid":"b","sig":"","x":[1]},{"keyid":"c","sig":"01"}]}`
	f, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%d %s %s %s %s", len(f.Signatures), f.Signatures[0].KeyID, f.Signatures[1].KeyID, string(f.Signatures[1].Extra["x"]), f.Signatures[2].Sig)
	if got != "3 a b [1] 01" {
		t.Errorf("signatures read as %q", got)
	}
	for _, bad := range []string{`[null]`, `[1]`, `[[]]`, `[{"keyid":"a","sig":"0"},"x"]`} {
		in := `{"signed":{"_type":"root","version":1,"expires":"2030-01-01T00:00:00Z"},"signatures":` + bad + `}`
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), "signatures[") {
			t.Errorf("signatures %s: err = %v, want the entry named", bad, err)
		}
	}
}

// A root, snapshot or timestamp far larger than a TUF client fetches is
// refused before it is decoded; one just under the limit is decoded.
func TestDecodeLimits(t *testing.T) {
	for typ, bound := range maxDecoded {
		limit := bound.limit
		head := fmt.Sprintf(`{"_type":%q,"spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","x-padding":"`, typ)
		tail := `"}`
		for _, size := range []int{limit, limit + 1} {
			signed := head + strings.Repeat("a", size-len(head)-len(tail)) + tail
			f, err := Parse([]byte(`{"signed":` + signed + `,"signatures":[]}`))
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			switch typ {
			case metadata.ROOT:
				_, err = f.Root()
			case metadata.SNAPSHOT:
				_, err = f.Snapshot()
			case metadata.TIMESTAMP:
				_, err = f.Timestamp()
			}
			over := err != nil && strings.Contains(err.Error(), "over the limit")
			if over != (size > limit) {
				t.Errorf("%s of %d bytes (limit %d): err = %v", typ, size, limit, err)
			}
		}
	}
}
