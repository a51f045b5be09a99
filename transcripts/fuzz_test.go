package transcripts

import (
	"bytes"
	"testing"
)

// FuzzParseLine: no line of a transcript (a hostile bundle's among them)
// makes parseLine panic; a line it takes is a valid record in its one
// encoding.
func FuzzParseLine(f *testing.F) {
	for _, seed := range []string{
		`{"kind":"note","message":"m","prev":"","seq":1,"time":"2026-01-01T00:00:00Z","who":"w"}` + "\n",
		`{"kind":"error","message":"[redacted] PIN","prev":"","redacted":["message"],"seq":1,"time":"2026-01-01T00:00:00Z"}` + "\n",
		`{"kind":"x"}`, `{}`, "\n", `{"redacted":["who","message"]}`, `{"time":"2026-01-01T00:00:00+01:00"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r, reason := parseLine(line)
		if reason != "" {
			return
		}
		again, err := encode(&r)
		if err != nil || !bytes.Equal(again, line) {
			t.Fatalf("took a line it does not write back the same: %q -> %q, %v", line, again, err)
		}
	})
}
