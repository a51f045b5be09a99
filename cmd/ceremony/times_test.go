package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestRecordTimesFlagged: records stamped in 2023 and 2036 among a 2026
// ceremony's (a machine clock set wrong between commands) are flagged by
// replay and verify, which still pass what holds.
func TestRecordTimesFlagged(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	tr, err := transcripts.Open(ws + "/" + workspace.TranscriptDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 6, 1, 0, 0, 0, 0, time.UTC)} {
		tr.SetClock(func() time.Time { return at })
		if _, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Who: "operator", Message: "the clock was wrong"}); err != nil {
			t.Fatal(err)
		}
	}
	tr.Close()
	for _, args := range [][]string{{"replay", ws}, {"verify", ws}} {
		var stdout, stderr bytes.Buffer
		run(args, &stdout, &stderr)
		out := stdout.String() + stderr.String()
		if !strings.Contains(out, "(2023-01-01T00:00:00Z) is stamped") || !strings.Contains(out, "the clock went back") ||
			!strings.Contains(out, "(2036-06-01T00:00:00Z) comes") || !strings.Contains(out, "more than a day within one ceremony") {
			t.Errorf("ceremony %s does not flag the record times:\n%s", args[0], out)
		}
	}
}
