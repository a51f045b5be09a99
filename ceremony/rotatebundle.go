package ceremony

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A rotation's bundle carries its plan (rotation.json, as the transcript's
// init record names it) and its incident report, written again from the
// workspace at each bundle, so the online side reads what was compromised
// and what to do, in order.

// bundleRotationEntries adds a rotation workspace's plan and incident
// report to a bundle; other workspaces have none.
func bundleRotationEntries(ws *workspace.Workspace, add func(string, []byte)) error {
	if ws.State.Kind != workspace.Rotation {
		return nil
	}
	_, planJSON, err := ReadRotationPlan(ws.Dir)
	if err != nil {
		return err
	}
	report, err := WriteIncidentReport(ws.Dir)
	if err != nil {
		return err
	}
	add(workspace.RotationFile, planJSON)
	add(workspace.IncidentFile, report)
	return nil
}

// checkBundledRotation checks a rotation bundle's plan against the
// transcript's init record, and its incident report against the one the
// bundled workspace gives.
func checkBundledRotation(add addFunc, b *bundle.Bundle, info BundleInfoFile, known map[string]bool) {
	planJSON, hasPlan := b.Get(workspace.RotationFile)
	report, hasReport := b.Get(workspace.IncidentFile)
	known[workspace.RotationFile], known[workspace.IncidentFile] = hasPlan, hasReport
	if info.Kind != workspace.Rotation {
		for _, e := range []struct {
			name string
			has  bool
		}{{workspace.RotationFile, hasPlan}, {workspace.IncidentFile, hasReport}} {
			if e.has {
				add(verify.Error, e.name, "", "bundle", "a %s bundle holds no rotation plan or incident report", info.Kind)
			}
		}
		return
	}
	if !hasPlan || !hasReport {
		add(verify.Error, workspace.RotationFile, "", "missing", "a rotation bundle must hold %s and %s", workspace.RotationFile, workspace.IncidentFile)
		return
	}
	const file = BundleTranscript + "/" + transcripts.FileName
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
	if rec.Inputs[workspace.RotationFile] != sum(planJSON) {
		add(verify.Error, workspace.RotationFile, "", "transcript", "is not the plan the transcript's init record names (%s)", bundleShort(rec.Inputs[workspace.RotationFile]))
		return
	}
	// The incident report, as the bundled workspace gives it.
	tmp, err := os.MkdirTemp("", "ceremony-incident-")
	if err != nil {
		add(verify.Error, workspace.IncidentFile, "", "incident", "%v", err)
		return
	}
	defer os.RemoveAll(tmp)
	if name, err := writeBundledWorkspace(b, info, tmp); err != nil {
		add(verify.Error, name, "", "incident", "%v", err)
		return
	}
	prefix := BundleTranscript + "/"
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
