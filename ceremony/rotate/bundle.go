package rotate

import (
	"bytes"
	"encoding/json"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A rotation's bundle carries its plan (rotation.json, as the transcript's
// init record names it) and its incident report, written again from the
// workspace at each bundle, so the online side reads what was compromised
// and what to do, in order.

// checkBundledRotation checks that a rotation bundle holds its plan and
// incident report, and its plan against the transcript's init record.
func checkBundledRotation(c *audit.BundleCheck, known map[string]bool) {
	add, b := c.Add, c.Bundle
	planJSON, hasPlan := b.Get(workspace.RotationFile)
	_, hasReport := b.Get(workspace.IncidentFile)
	known[workspace.RotationFile], known[workspace.IncidentFile] = hasPlan, hasReport
	if !hasPlan || !hasReport {
		add(verify.Error, workspace.RotationFile, "", "missing", "a rotation bundle must hold %s and %s", workspace.RotationFile, workspace.IncidentFile)
		return
	}
	const file = ceremony.BundleTranscript + "/" + transcripts.FileName
	data, ok := b.Get(file)
	if !ok {
		return // checkBundledTranscript reports it
	}
	first, _, _ := bytes.Cut(data, []byte("\n"))
	var rec transcripts.Record
	if err := json.Unmarshal(first, &rec); err != nil {
		add(verify.Error, file, "", "transcript", "record 1: %v", err)
		return
	}
	if rec.Inputs[workspace.RotationFile] != transcripts.Sum(planJSON) {
		add(verify.Error, workspace.RotationFile, "", "transcript", "is not the plan the transcript's init record names (%s)", audit.BundleShort(rec.Inputs[workspace.RotationFile]))
		return
	}
	// The incident report is made again with the rest of the bundle and
	// compared byte for byte (audit's rebuild), once the records hold.
}
