package rotate

import (
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The incident report is a rotation workspace's account for people: what
// was compromised, what it reached, what changed, the evidence, who signed
// what with which device, the seal, and the hashes of what was produced,
// then the plan with its offline and online steps. It follows from the
// workspace alone (the plan the transcript names, the transcript without
// its bundle records, the metadata), so writing it twice gives the same
// bytes and bundles stay reproducible.

// IncidentReport returns the incident report of a rotation workspace.
func IncidentReport(dir string) ([]byte, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	p, planJSON, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	return incidentReport(ws, p, planJSON)
}

// WriteIncidentReport writes the incident report into the workspace
// (IncidentFile, replaced atomically) and returns it.
func WriteIncidentReport(dir string) ([]byte, error) {
	report, err := IncidentReport(dir)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.Replace(filepath.Join(dir, workspace.IncidentFile), report, 0o644); err != nil {
		return nil, err
	}
	return report, nil
}

func incidentReport(ws *workspace.Workspace, p *rotation.Plan, planJSON []byte) ([]byte, error) {
	var b strings.Builder
	pr := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	repo := ws.State.Repository
	if repo == "" {
		repo = "(unnamed repository)"
	}
	kind := "A planned rotation"
	if p.Emergency {
		kind = "An emergency rotation"
	}
	pr("# Incident report: %s", repo)
	if ws.State.Profile != "" {
		pr(" (%s)", ws.State.Profile)
	}
	pr("\n\n%s prepared %s from root v%d (%s): root v%d", kind, ws.State.Created.UTC().Format(time.RFC3339), p.TrustedRootVersion, p.Source, p.RootVersion)
	for _, r := range p.Resign {
		if r.Role != "root" {
			pr(", %s v%d", r.Role, r.Version)
		}
	}
	pr(".\n")

	if p.Emergency {
		pr("\n## What was compromised\n\n")
	} else {
		pr("\n## What changes hands\n\n")
	}
	if len(p.Affected) == 0 {
		pr("- no key: the yearly re-sign\n")
	}
	for _, a := range p.Affected {
		pr("- %s, %s", a.Label(), a.Cause)
		if d := a.Device(); d != "" {
			pr(", on %s", d)
		}
		if a.ReplacedBy != nil {
			pr("; replaced by %s", a.ReplacedBy.Label())
		}
		pr("\n")
	}

	trep, err := transcripts.Verify(ws.TranscriptPath())
	if trep == nil {
		return nil, err
	}
	var recs []transcripts.Record
	for _, r := range trep.Records {
		if r.Kind != transcripts.Bundle {
			recs = append(recs, r)
		}
	}
	incidentSigners(recs, pr)
	pr("\n## Thresholds\n\n")
	if err := incidentThresholds(ws, pr); err != nil {
		return nil, err
	}
	incidentSealAndNotes(recs, pr)

	pr("\n## What was produced\n\n")
	hashLine := func(name string, data []byte) {
		h := audit.HashOf(name, data)
		pr("- %s: SHA-256 %s\n  %s\n", name, h.SHA256, h.PGPWords)
	}
	hashLine(workspace.RotationFile+" (the plan)", planJSON)
	for _, role := range ws.State.Roles {
		data, err := ws.MetadataBytes(role)
		if err != nil {
			return nil, err
		}
		hashLine(fmt.Sprintf("%s/%s.json", workspace.MetadataDir, role), data)
	}
	head := ""
	if n := len(recs); n > 0 {
		head = recordHead(trep, recs[n-1].Seq)
	}
	if raw, err := hex.DecodeString(head); err == nil && len(raw) > 0 {
		pr("- transcript: %d records (bundle records left out), head %s\n  %s\n", len(recs), head, bundle.PGPWords(raw))
	}

	pr("\n## The plan\n\n")
	pr("%s", p.Markdown(3))
	return []byte(b.String()), nil
}

// recordHead is the hash of record seq's line: the next record's prev, or
// the transcript's head for the last record.
func recordHead(rep *transcripts.Report, seq int64) string {
	if int(seq) < len(rep.Records) {
		return rep.Records[seq].Prev
	}
	return rep.Head
}

func orUnknown(s string) string {
	if s == "" {
		return "(unnamed)"
	}
	return s
}

// incidentThresholds writes each role's thresholds, counted now.
func incidentThresholds(ws *workspace.Workspace, pr func(string, ...any)) error {
	l, err := ceremony.Load(ws)
	if err != nil {
		return err
	}
	for _, role := range ws.State.Roles {
		h, err := l.Files[role].Header()
		if err != nil {
			return err
		}
		rules, err := l.Rules(role)
		if err != nil {
			return err
		}
		for _, rule := range rules {
			t, err := threshold.Count(rule, l.Files[role])
			if err != nil {
				return err
			}
			state := "met"
			if !t.Met() {
				state = fmt.Sprintf("needs %d more", t.Needed())
			}
			var who []string
			for _, id := range t.Signed {
				who = append(who, ceremony.HolderName(ws, id))
			}
			pr("- %s v%d under %s: %d of %d (%s); signed: %s\n", role, h.Version, rule.Delegator, len(t.Signed), rule.Threshold, state, strings.Join(orNoneList(who), ", "))
		}
	}
	return nil
}

func orNoneList(s []string) []string {
	if len(s) == 0 {
		return []string{"nobody"}
	}
	return s
}

// incidentSigners is the report's list of who signed what, with which key.
func incidentSigners(recs []transcripts.Record, pr func(string, ...any)) {
	pr("\n## Who signed\n\n")
	signed := false
	for _, r := range recs {
		if r.Kind != transcripts.Sign || r.Signature == nil {
			continue
		}
		signed = true
		e := ceremony.EntryOf(r)
		pr("- %s: %s signed %s with key %s", r.Time.UTC().Format(time.RFC3339), orUnknown(e.Who), e.Role, e.KeyID)
		if e.Device != "" {
			pr(" [%s]", e.Device)
		}
		pr("\n")
	}
	if !signed {
		pr("- nobody yet\n")
	}
}

// incidentSealAndNotes is the report's seal, and the notes, refusals and
// errors recorded.
func incidentSealAndNotes(recs []transcripts.Record, pr func(string, ...any)) {
	pr("\n## Seal\n\n")
	sealed := false
	for _, r := range recs {
		if r.Kind == transcripts.Seal {
			sealed = true
			pr("- sealed %s: %s\n", r.Time.UTC().Format(time.RFC3339), r.Message)
		}
	}
	if !sealed {
		pr("- not sealed yet\n")
	}
	var notes []transcripts.Record
	for _, r := range recs {
		if r.Kind == transcripts.Note || r.Kind == transcripts.Refusal || r.Kind == transcripts.Error {
			notes = append(notes, r)
		}
	}
	if len(notes) > 0 {
		pr("\n## Notes, refusals and errors\n\n")
		for _, r := range notes {
			pr("- %s %s %s: %s\n", r.Time.UTC().Format(time.RFC3339), r.Kind, orUnknown(r.Who), r.Message)
		}
	}
}
