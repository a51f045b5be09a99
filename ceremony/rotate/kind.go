package rotate

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Kind is a planned key change or the recovery after a
// compromise: a new root (and the offline roles it re-signs) from a
// rotation plan, whose bundle carries the plan and an incident report.
type Kind struct{}

// Names: Rotation.
func (Kind) Names() []workspace.Kind { return []workspace.Kind{workspace.Rotation} }

// CheckSigner refuses a key the rotation names as stolen: the plan's
// signing steps leave it out, and a signature by it would count for the
// previous root as if it were trusted.
func (Kind) CheckSigner(ws *workspace.Workspace, pub *metadata.Key) error {
	p, _, err := ReadPlan(ws.Dir)
	if err != nil {
		return err
	}
	for _, a := range p.Affected {
		if a.Cause == rotation.Stolen && keys.IDMatches(a.ID, pub) {
			return fmt.Errorf("%w: key %s is compromised (stolen) in this rotation and signs nothing here; the plan's signers are in %s", ceremony.ErrNotAuthorized, ceremony.AbbrevHash(a.ID), workspace.IncidentFile)
		}
	}
	return nil
}

func (Kind) CheckInit(*workspace.Workspace, transcripts.Record, func() (*metafile.File, string)) string {
	return ""
}

func (Kind) CheckChange(*workspace.Workspace, string) string { return "" }

// Files is the rotation plan, rotation.json: the init record names it by
// its hash, and the bundle carries it.
func (Kind) Files(*workspace.Workspace) ([]string, error) {
	return []string{workspace.RotationFile}, nil
}

// IsFile says whether a bundle entry is the rotation plan.
func (Kind) IsFile(name string) bool { return name == workspace.RotationFile }

// BundleExtras adds the incident report, written now from the workspace.
func (Kind) BundleExtras(ws *workspace.Workspace, add func(string, []byte)) error {
	report, err := WriteIncidentReport(ws.Dir)
	if err != nil {
		return err
	}
	add(workspace.IncidentFile, report)
	return nil
}

func (Kind) Readme(l *ceremony.Loaded, info ceremony.BundleInfoFile) (string, error) {
	return bootstrap.RootReadme(l, info, true)
}

func (Kind) VerifyBundle(c *audit.BundleCheck) {
	audit.VerifyRootBundle(c, checkBundledRotation)
}
