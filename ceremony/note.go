package ceremony

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Note records an exception the operator notes at any step (a device that
// would not read, a keyholder replaced on the day, a witness's remark) as a
// note record in the workspace's transcript. who names the person making
// it. The notices say what was completed first (a torn record resumed, a
// recorded signature written).
func Note(dir, who, text string) (transcripts.Record, []string, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return transcripts.Record{}, nil, fmt.Errorf("the note is empty: say what happened")
	}
	for _, r := range text {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return transcripts.Record{}, nil, fmt.Errorf("the note holds a control character (%U): write plain text", r)
		}
	}
	ws, err := workspace.Open(dir)
	if err != nil {
		return transcripts.Record{}, nil, err
	}
	// As every command that writes to the workspace, a note first
	// completes what an interruption left undone (a torn record, a
	// recorded signature not written).
	o, err := openCompleted(ws)
	if err != nil {
		return transcripts.Record{}, nil, err
	}
	tr, notices := o.tr, o.notices
	if err := refuseSealed(ws, tr, "notes"); err != nil {
		return transcripts.Record{}, nil, err
	}
	defer tr.Close()
	rec, err := tr.Append(transcripts.Record{Kind: transcripts.Note, Who: who, Message: text})
	if err != nil {
		return transcripts.Record{}, nil, fmt.Errorf("failed to record the note: %w", err)
	}
	return rec, notices, nil
}
