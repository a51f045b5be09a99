package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// refuseCompromised refuses, in a rotation workspace, a key the rotation
// names as stolen: the plan's signing steps leave it out, and a signature
// by it would count for the previous root as if it were trusted.
func refuseCompromised(ws *workspace.Workspace, pub *metadata.Key) error {
	if ws.State.Kind != workspace.Rotation {
		return nil
	}
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
