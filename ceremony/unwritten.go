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
// bundle, seal or note writes it), a file that is neither state (changed
// outside the ceremony), a torn last record. It reads the record file
// only, not the states (transcripts.ReadRecords gave recs, or err); read
// are the role files as read (nil: read them now).
func unwritten(ws *workspace.Workspace, read *roleBytes, recs []transcripts.Record, err error) []string {
	var out []string
	var torn *transcripts.TornError
	switch {
	case errors.As(err, &torn):
		out = append(out, fmt.Sprintf("the transcript's last record was torn by an interruption (record %d); the next sign, note, seal or bundle keeps it aside and resumes", torn.Seq))
	case err != nil:
		return []string{fmt.Sprintf("the transcript does not hold (%v): run 'ceremony replay %s'", err, ws.Dir)}
	}
	if read == nil { // loaded from states other than the files
		if read, err = readRoleBytes(ws); err != nil {
			return append(out, err.Error())
		}
	}
	files := roleFiles(ws, read, recs)
	for _, f := range files {
		switch f.stands {
		case fileUnwritten:
			out = append(out, fmt.Sprintf("%s: the signature by %s that record %d holds is not written to %s yet (an interruption); the next sign, bundle, seal or note writes it, and the counts below do not have it",
				f.role, ws.Holder(f.record.Signature.KeyID), f.record.Seq, ws.MetadataPath(f.role)))
		case fileChanged:
			out = append(out, fmt.Sprintf("%s: %s is not the state the transcript recorded last: it was changed outside the ceremony", f.role, ws.MetadataPath(f.role)))
		}
	}
	return out
}

// How a role's metadata file stands against the transcript's records.
const (
	fileCurrent   = iota // the state the records left it in
	fileUnwritten        // the state before the last record's signature: cut off between the record and the write
	fileChanged          // neither: changed outside the ceremony
)

// roleFile is one role's file against the records; record is the sign
// record whose signature is not written (fileUnwritten).
type roleFile struct {
	role   string
	stands int
	record *transcripts.Record
}

// roleFiles compares each role's metadata file, as read, with the state
// the records left it in.
func roleFiles(ws *workspace.Workspace, read *roleBytes, recs []transcripts.Record) []roleFile {
	var out []roleFile
	for _, role := range ws.State.Roles {
		got, last := read.sum(role), transcripts.LastState(recs, role)
		f := roleFile{role: role}
		switch r := transcripts.LastSignature(recs, role); {
		case last == "" || got == last:
			f.stands = fileCurrent
		case r != nil && r.States[role] == last && r.Inputs[role] == got:
			f.stands, f.record = fileUnwritten, r
		default:
			f.stands = fileChanged
		}
		out = append(out, f)
	}
	return out
}
