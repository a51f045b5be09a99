package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// RotationKind is a planned key change or the recovery after a
// compromise: a new root (and the offline roles it re-signs) from a
// rotation plan, whose bundle carries the plan and an incident report.
type RotationKind struct{}

// Names: Rotation.
func (RotationKind) Names() []workspace.Kind { return []workspace.Kind{workspace.Rotation} }

// CheckSigner refuses a key the rotation names as stolen: the plan's
// signing steps leave it out, and a signature by it would count for the
// previous root as if it were trusted.
func (RotationKind) CheckSigner(ws *workspace.Workspace, pub *metadata.Key) error {
	p, _, err := ReadRotationPlan(ws.Dir)
	if err != nil {
		return err
	}
	for _, a := range p.Affected {
		if a.Cause == rotation.Stolen && keys.IDMatches(a.ID, pub) {
			return fmt.Errorf("%w: key %s is compromised (stolen) in this rotation and signs nothing here; the plan's signers are in %s", ErrNotAuthorized, short(a.ID), workspace.IncidentFile)
		}
	}
	return nil
}

func (RotationKind) CheckInit(*workspace.Workspace, transcripts.Record, func() ([]byte, string)) string {
	return ""
}

func (RotationKind) CheckChange(*workspace.Workspace, string) string { return "" }
func (RotationKind) Files(*workspace.Workspace) ([]string, error)    { return nil, nil }
func (RotationKind) IsFile(string) bool                              { return false }

// BundleExtras adds the rotation plan and the incident report, written
// now from the workspace.
func (RotationKind) BundleExtras(ws *workspace.Workspace, add func(string, []byte)) error {
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

func (RotationKind) Readme(l *loaded, info BundleInfoFile) string { return rootReadme(l, info, true) }

func (RotationKind) VerifyBundle(c *bundleCheck) {
	verifyRootBundle(c, checkBundledRotation)
}
