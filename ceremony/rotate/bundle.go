package rotate

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

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

// checkBundledRotation checks a rotation bundle's plan against the
// transcript's init record, and its incident report against the one the
// bundled workspace gives.
func checkBundledRotation(c *audit.BundleCheck, known map[string]bool) {
	add, b, info := c.Add, c.Bundle, c.Info
	planJSON, hasPlan := b.Get(workspace.RotationFile)
	report, hasReport := b.Get(workspace.IncidentFile)
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
	// The incident report, as the bundled workspace gives it.
	tmp, err := os.MkdirTemp("", "ceremony-incident-")
	if err != nil {
		add(verify.Error, workspace.IncidentFile, "", "incident", "%v", err)
		return
	}
	defer os.RemoveAll(tmp)
	if name, err := audit.WriteBundledWorkspace(c.Engine, b, info, tmp); err != nil {
		add(verify.Error, name, "", "incident", "%v", err)
		return
	}
	prefix := ceremony.BundleTranscript + "/"
	for _, e := range b.Entries {
		if !strings.HasPrefix(e.Name, prefix) {
			continue
		}
		p := filepath.Join(tmp, workspace.TranscriptDir, filepath.FromSlash(strings.TrimPrefix(e.Name, prefix)))
		if os.MkdirAll(filepath.Dir(p), 0o700) != nil || os.WriteFile(p, e.Data, 0o600) != nil {
			add(verify.Error, e.Name, "", "incident", "cannot unpack the transcript to check the incident report")
			return
		}
	}
	if err := os.WriteFile(filepath.Join(tmp, workspace.RotationFile), planJSON, 0o600); err != nil {
		add(verify.Error, workspace.RotationFile, "", "incident", "%v", err)
		return
	}
	want, err := IncidentReport(tmp)
	if err != nil {
		add(verify.Error, workspace.IncidentFile, "", "incident", "%s", strings.ReplaceAll(err.Error(), tmp, "bundle"))
		return
	}
	if !bytes.Equal(want, report) {
		add(verify.Error, workspace.IncidentFile, "", "incident", "is not the incident report the bundled workspace gives: it was changed")
	}
}
