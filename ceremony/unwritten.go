package ceremony

import (
	"errors"
	"fmt"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// unwritten says, for the status, what the transcript records that the
// workspace's files do not show yet: a signature recorded but cut off
// before its metadata file was written (an interruption; the next sign,
// bundle or seal writes it), a file that is neither state (changed
// outside the ceremony), a torn last record. It reads the record file
// only, not the states (transcripts.ReadRecords).
func unwritten(ws *workspace.Workspace) []string {
	recs, err := transcripts.ReadRecords(ws.TranscriptPath())
	var out []string
	var torn *transcripts.TornError
	switch {
	case errors.As(err, &torn):
		out = append(out, fmt.Sprintf("the transcript's last record was torn by an interruption (record %d); the next sign, note, seal or bundle keeps it aside and resumes", torn.Seq))
	case err != nil:
		return []string{fmt.Sprintf("the transcript does not hold (%v): run 'ceremony replay %s'", err, ws.Dir)}
	}
	for _, role := range ws.State.Roles {
		data, err := ws.MetadataBytes(role)
		if err != nil {
			continue
		}
		got, last := transcripts.Sum(data), transcripts.LastState(recs, role)
		if last == "" || got == last {
			continue
		}
		if r := transcripts.LastSignature(recs, role); r != nil && r.States[role] == last && r.Inputs[role] == got {
			out = append(out, fmt.Sprintf("%s: the signature by %s that record %d holds is not written to %s yet (an interruption); the next sign, bundle or seal writes it, and the counts below do not have it",
				role, ws.Holder(r.Signature.KeyID), r.Seq, ws.MetadataPath(role)))
			continue
		}
		out = append(out, fmt.Sprintf("%s: %s is not the state the transcript recorded last: it was changed outside the ceremony", role, ws.MetadataPath(role)))
	}
	return out
}
