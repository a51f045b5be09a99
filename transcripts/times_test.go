package transcripts

import (
	"strings"
	"testing"
	"time"
)

func TestTimeFlags(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	recs := []Record{
		{Seq: 1, Time: at("2026-12-06T10:00:00Z")},
		{Seq: 2, Time: at("2026-12-06T10:05:00Z")},
		{Seq: 3, Time: at("2023-01-01T00:00:00Z")},
		{Seq: 4, Time: at("2026-12-06T11:00:00Z")},
		{Seq: 5, Time: at("2036-12-06T11:00:00Z")},
		{Seq: 6, Time: at("2036-12-06T11:00:00Z")},
	}
	flags := TimeFlags(recs)
	if len(flags) != 3 {
		t.Fatalf("flags %q, want 3 (3 back, 4 and 5 jumps; 2 and 6 in order)", flags)
	}
	if !strings.Contains(flags[0], "record 3") || !strings.Contains(flags[0], "the clock went back") {
		t.Errorf("flag 0: %q", flags[0])
	}
	if !strings.Contains(flags[1], "record 4") || !strings.Contains(flags[1], "more than a day") {
		t.Errorf("flag 1: %q", flags[1])
	}
	if !strings.Contains(flags[2], "record 5") || !strings.Contains(flags[2], "more than a day") {
		t.Errorf("flag 2: %q", flags[2])
	}
	if TimeFlags(recs[:2]) != nil {
		t.Error("two records five minutes apart are flagged")
	}
}
