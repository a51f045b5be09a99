package transcripts

import (
	"fmt"
	"time"
)

// MaxGap is the longest time between two records of one ceremony that
// TimeFlags passes in silence.
const MaxGap = 24 * time.Hour

// TimeFlags says where the records' times do not read as one ceremony on
// one clock: a record stamped earlier than the one before it (a clock set
// back, or records reordered), and a record more than MaxGap after the one
// before it (a clock set forward, or a ceremony that went on another day,
// which a note should say). The chain does not depend on the times; an
// auditor reads these beside the notes.
func TimeFlags(recs []Record) []string {
	var flags []string
	for i := 1; i < len(recs); i++ {
		prev, r := recs[i-1], recs[i]
		switch gap := r.Time.Sub(prev.Time); {
		case gap < 0:
			flags = append(flags, fmt.Sprintf("record %d (%s) is stamped %s before record %d (%s): the clock went back", r.Seq, stamp(r.Time), -gap, prev.Seq, stamp(prev.Time)))
		case gap > MaxGap:
			flags = append(flags, fmt.Sprintf("record %d (%s) comes %s after record %d (%s): more than a day within one ceremony", r.Seq, stamp(r.Time), gap.Round(time.Minute), prev.Seq, stamp(prev.Time)))
		}
	}
	return flags
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
