package script_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/script"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

// bootstrapMarkdown is the bootstrap script of the test plan, and its
// Markdown.
func bootstrapMarkdown(t *testing.T) (*script.Script, string) {
	t.Helper()
	s, err := bootstrap.Script(ceremonytest.ScriptPlan(t), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	return s, b.String()
}

func TestScriptMarkdown(t *testing.T) {
	s, md := bootstrapMarkdown(t)
	if n := strings.Count(md, "Witness initials: ________  Time: ________"); n != len(s.Steps) {
		t.Errorf("%d initials lines for %d steps", n, len(s.Steps))
	}
	for _, st := range s.Steps {
		head := "\n## " + itoa(st.Number) + ". " + st.Title + "\n"
		i := strings.Index(md, head)
		if i < 0 {
			t.Fatalf("no heading %q", head)
		}
		next := strings.Index(md[i+1:], "\n## ")
		body := md[i:]
		if next >= 0 {
			body = md[i : i+1+next]
		}
		if !strings.Contains(body, "Witness initials:") {
			t.Errorf("step %d has no initials line", st.Number)
		}
		for _, c := range st.Commands {
			if !strings.Contains(body, "$ "+c+"\n") {
				t.Errorf("step %d lacks command %q", st.Number, c)
			}
		}
	}
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestScriptHTML(t *testing.T) {
	s, err := bootstrap.Script(ceremonytest.ScriptPlan(t), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<b>") || strings.Contains(page, "</b>") {
		t.Error("the contact or repository was not escaped")
	}
	for _, w := range []string{"&lt;b&gt;carol &amp; co&lt;/b&gt;", "pypi.org &lt;b&gt;&amp;amp", "@media print", "page-break-inside: avoid",
		"<th>Witness initials</th><th>Time</th>", "yubikey:serial=19088743;slot-id=9c"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, bad := range []string{"http:", "https:", "<script", "<link", "src="} {
		if strings.Contains(page, bad) {
			t.Errorf("page is not self-contained: it holds %q", bad)
		}
	}
	if n := strings.Count(page, `<tr class="step"`); n != len(s.Steps) {
		t.Errorf("%d step rows for %d steps", n, len(s.Steps))
	}
	// Well-formed enough: every element the page opens is closed, in order
	// (the only void element, meta, is written self-closed).
	d := xml.NewDecoder(strings.NewReader(strings.Replace(page, "<!DOCTYPE html>", "", 1)))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced elements: depth %d at the end", depth)
	}
}

// The script's check of the tool names the SHA-256 of the binary that
// printed it, in hex and as PGP words, for the laptop's 'ceremony version'
// to be compared with.
func TestScriptNamesThisBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	_, md := bootstrapMarkdown(t)
	for _, want := range []string{"SHA-256 " + hex.EncodeToString(sum[:]), bundle.PGPWords(sum[:])} {
		if !strings.Contains(md, want) {
			t.Errorf("the script does not name this binary's %q", want)
		}
	}
}
