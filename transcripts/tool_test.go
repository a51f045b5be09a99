package transcripts_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// The init record keeps the tool that made the workspace, and it verifies
// as written; no other record may name a tool, and a tool's SHA-256 is one.
func TestToolOnTheInitRecordOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "transcript")
	tr, err := transcripts.Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	tool := &transcripts.Tool{Version: "v1.2.3", Commit: "abc", Go: "go1.26 linux/amd64", Build: "full", SHA256: strings.Repeat("ab", 32)}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Init, Tool: tool}); err != nil {
		t.Fatalf("init record with its tool: %v", err)
	}
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Message: "x", Tool: tool}); err == nil || !strings.Contains(err.Error(), "only the init record") {
		t.Errorf("a note naming a tool: %v, want a refusal", err)
	}
	bad := *tool
	bad.SHA256 = "ABCD"
	if _, err := tr.Append(transcripts.Record{Kind: transcripts.Init, Tool: &bad}); err == nil || !strings.Contains(err.Error(), "tool.sha256") {
		t.Errorf("a tool with a SHA-256 that is none: %v, want a refusal naming tool.sha256", err)
	}
	tr.Close()
	rep, err := transcripts.Verify(dir)
	if err != nil || rep.FirstBad != nil || len(rep.Records) != 1 {
		t.Fatalf("Verify: %v, %+v", err, rep)
	}
	if got := rep.Records[0].Tool; got == nil || *got != *tool {
		t.Errorf("the init record's tool read back: %+v, want %+v", got, tool)
	}
	if s := tool.String(); s != "ceremony v1.2.3 (commit abc, go1.26 linux/amd64, full build)" {
		t.Errorf("Tool.String() = %q", s)
	}
}
