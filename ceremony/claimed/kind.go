package claimed

import (
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Kind is PEP 480's claims ceremony: the next version of claimed,
// adding the projects whose maintainers' claim requests were accepted.
// Its own files are the requests, their review and the accepted list.
type Kind struct{ delegated.Base }

// Names: Claims.
func (Kind) Names() []workspace.Kind { return []workspace.Kind{workspace.Claims} }

// CheckInit checks the workspace's trusted metadata and own files against
// the init record, and that claimed as init made it follows from them.
func (k Kind) CheckInit(ws *workspace.Workspace, r transcripts.Record, initial func() (*metafile.File, string)) string {
	return delegated.CheckInit(k, ws, r, initial, checkClaimsWorkspace)
}

// CheckChange checks claimed against the accepted requests: what was added
// and nothing else.
func (Kind) CheckChange(ws *workspace.Workspace, role string) string {
	return delegated.CheckChange(ws, role, checkClaimsWorkspace)
}

func (Kind) Files(ws *workspace.Workspace) ([]string, error) {
	return delegated.FilesUnder(ws, workspace.ClaimsDir, workspace.ClaimsReviewFile, workspace.AcceptedFile)
}

func (Kind) IsFile(name string) bool {
	return name == workspace.ClaimsReviewFile || name == workspace.AcceptedFile || strings.HasPrefix(name, workspace.ClaimsDir+"/")
}

func (Kind) Readme(l *ceremony.Loaded, info ceremony.BundleInfoFile) (string, error) {
	return claimsReadme(l.WS, info)
}

func (Kind) VerifyBundle(c *audit.BundleCheck) { delegated.VerifyBundle(c, claimsBundle{}) }

// claimsBundle is what a claims bundle adds to the checks of every
// delegated bundle.
type claimsBundle struct{}

// Delegator: a claims bundle signs claimed, delegated by targets.
func (claimsBundle) Delegator(d *delegated.Bundle) *metadata.TargetsType {
	if d.Role != plan.RoleClaimed {
		d.Check.Add(verify.Error, d.Entry, d.Role, "bundle", "a claims bundle signs claimed, not %s", d.Role)
		return nil
	}
	return d.Targets
}

func (claimsBundle) Check(d *delegated.Bundle) {
	checkBundledClaims(d.Check.Add, d.Check.Bundle, d.Entry, d.Trusted[plan.RoleClaimed].File, d.Signed, d.Known)
}
