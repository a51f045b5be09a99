package transcripts

import (
	"fmt"
	"os"
	"path/filepath"
)

// LastState is the hash of role's state as the last of recs that names
// it gives, "" if none does.
func LastState(recs []Record, role string) string {
	for i := len(recs) - 1; i >= 0; i-- {
		if h, ok := recs[i].States[role]; ok {
			return h
		}
	}
	return ""
}

// ReadRecords reads the records of the transcript in dir that hold as a
// chain, without checking the states they name (Verify does): what a
// read-only summary such as a workspace's status needs, at the cost of one
// read of the record file. A torn last record, or a record that does not
// hold, ends the records returned; the error says why.
func ReadRecords(dir string) ([]Record, error) {
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("failed to read transcript: %w", err)
	}
	c := scan(data, checks{state: func(string) string { return "" }, piece: func(string, string) string { return "" }})
	switch {
	case c.bad != nil:
		return c.records, &ChainError{Path: filepath.Join(dir, FileName), Problem: *c.bad}
	case c.torn != nil:
		return c.records, &TornError{Path: filepath.Join(dir, FileName), Seq: c.torn.seq, Offset: c.torn.offset, Size: len(c.torn.data)}
	}
	return c.records, nil
}

// LastSignature is the last sign record of role in recs, nil if none.
func LastSignature(recs []Record, role string) *Record {
	for i := len(recs) - 1; i >= 0; i-- {
		if r := &recs[i]; r.Kind == Sign && r.Signature != nil && r.Signature.Role == role {
			return r
		}
	}
	return nil
}
