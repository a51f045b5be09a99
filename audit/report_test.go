package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
)

func TestReportDemo(t *testing.T) {
	out := t.TempDir()
	if err := demo.Run(demo.Options{Out: out, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(out, demo.BootstrapWorkspace)
	rep, err := audit.Report(ceremonytest.Engine, ws)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("the demo workspace does not report OK: %+v", rep.Replay.FirstBad)
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	text := md.String()

	seen := map[string]bool{}
	for _, h := range rep.Files {
		seen[h.Name] = true
		data, err := os.ReadFile(filepath.Join(ws, filepath.FromSlash(h.Name)))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(data)
		if h.SHA256 != hex.EncodeToString(s[:]) {
			t.Errorf("%s: sha256 %s, want %x", h.Name, h.SHA256, s)
		}
		if h.PGPWords != bundle.PGPWords(s[:]) {
			t.Errorf("%s: words %q, want %q", h.Name, h.PGPWords, bundle.PGPWords(s[:]))
		}
		if !strings.Contains(text, "### "+h.Name+"\n\n    "+h.SHA256+"\n    "+h.PGPWords+"\n") {
			t.Errorf("the Markdown lacks the hash and words of %s", h.Name)
		}
	}
	for _, name := range []string{"plan.yaml", "metadata/root.json", "metadata/targets.json"} {
		if !seen[name] {
			t.Errorf("no hash for %s", name)
		}
	}
	// The tool that made the workspace (this test binary), and its hash
	// in words, to compare with the release's SHA256SUMS.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(bin)
	if !strings.Contains(text, "Made with: ceremony ") || !strings.Contains(text, "### the ceremony binary that created the workspace\n\n    "+hex.EncodeToString(sum[:])+"\n    "+bundle.PGPWords(sum[:])+"\n") {
		t.Errorf("the report does not name the tool and its binary's hash:\n%s", text)
	}

	head, err := hex.DecodeString(rep.Replay.Head)
	if err != nil || rep.TranscriptHead == nil || rep.TranscriptHead.PGPWords != bundle.PGPWords(head) {
		t.Errorf("transcript head %+v, want the words of %s", rep.TranscriptHead, rep.Replay.Head)
	}
	sealData, err := os.ReadFile(filepath.Join(ws, "transcript", ceremony.SealFile))
	if err != nil {
		t.Fatal(err)
	}
	ss := sha256.Sum256(sealData)
	if rep.Seal == nil || rep.Seal.SHA256 != hex.EncodeToString(ss[:]) || rep.Seal.PGPWords != bundle.PGPWords(ss[:]) {
		t.Errorf("seal %+v, want sha256 %x", rep.Seal, ss)
	}

	// The demo's bootstrap: alice, bob, carol and dave sign root; alice,
	// bob and carol sign targets; alice, bob and carol seal.
	var signed []string
	for _, e := range rep.Signatures {
		signed = append(signed, e.Who+":"+e.Role)
	}
	for _, w := range []string{"alice:root", "bob:root", "carol:root", "dave:root", "alice:targets", "bob:targets", "carol:targets"} {
		if !strings.Contains(" "+strings.Join(signed, " ")+" ", " "+w+" ") {
			t.Errorf("signatures %v lack %s", signed, w)
		}
	}
	for _, w := range []string{"Sealed by: alice, bob, carol", "| alice | root |", "| dave | root |", "**OK:**"} {
		if !strings.Contains(text, w) {
			t.Errorf("the Markdown lacks %q", w)
		}
	}
}

func TestReportTampered(t *testing.T) {
	out := t.TempDir()
	if err := demo.Run(demo.Options{Out: out, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(out, demo.BootstrapWorkspace)
	path := filepath.Join(ws, "metadata", "targets.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Report(ceremonytest.Engine, ws)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("a changed metadata file reports OK")
	}
	var md bytes.Buffer
	if err := rep.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "**FAILED:**") {
		t.Errorf("the Markdown does not say FAILED:\n%s", md.String())
	}
}
