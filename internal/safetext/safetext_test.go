package safetext

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, tabs\tand\nnewlines":                      "plain text, tabs\tand\nnewlines",
		"refused evil\x1b[2J\x1b[H\x1b[32mALL CLAIMS ACCEPTED": `refused evil\u001b[2J\u001b[H\u001b[32mALL CLAIMS ACCEPTED`,
		"path\x1b[1A\x1b[2K  targets: none\x1b[8m":             `path\u001b[1A\u001b[2K  targets: none\u001b[8m`,
		"abc\u202edcba":         `abc\u202edcba`,
		"a\u2066b\u2069c\u200f": `a\u2066b\u2069c\u200f`,
		"carriage\rreturn":      `carriage\u000dreturn`,
		"c1\u009bcsi":           `c1\u009bcsi`,
		"bad\xffutf8":           `bad\xffutf8`,
		"naïve 日本":              "naïve 日本",
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWriter: a rune split across writes is kept whole; JSON written
// through the Writer still decodes to the same strings.
func TestWriter(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	in := "x\u202ey 日本\x1b"
	for i := 0; i < len(in); i++ {
		if n, err := w.Write([]byte{in[i]}); n != 1 || err != nil {
			t.Fatalf("Write: %d, %v", n, err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != `x\u202ey 日本\u001b` {
		t.Errorf("byte by byte: %q", got)
	}
	out.Reset()
	doc, _ := json.Marshal(map[string]string{"name": "evil\u202e\x1b[2J"})
	w.Write(doc)
	var back map[string]string
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || back["name"] != "evil\u202e\x1b[2J" {
		t.Errorf("JSON through the Writer: %s -> %q, %v", out.Bytes(), back, err)
	}
	if strings.ContainsAny(out.String(), "\x1b\u202e") {
		t.Errorf("raw controls left: %q", out.String())
	}
}
