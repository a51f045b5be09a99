package transcripts_test

import (
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

func TestLastState(t *testing.T) {
	recs := []transcripts.Record{
		{States: map[string]string{"root": "r1", "targets": "t1"}},
		{States: map[string]string{"root": "r2"}},
		{},
	}
	for role, want := range map[string]string{"root": "r2", "targets": "t1", "snapshot": ""} {
		if got := transcripts.LastState(recs, role); got != want {
			t.Errorf("LastState(%s) = %q, want %q", role, got, want)
		}
	}
}
