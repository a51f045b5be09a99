package ceremony

import (
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ClaimsKind is PEP 480's claims ceremony: the next version of claimed,
// adding the projects whose maintainers' claim requests were accepted.
// Its own files are the requests, their review and the accepted list.
type ClaimsKind struct{}

// Names: Claims.
func (ClaimsKind) Names() []workspace.Kind { return []workspace.Kind{workspace.Claims} }

func (ClaimsKind) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

// CheckInit checks the workspace's trusted metadata and own files against
// the init record, and that claimed as init made it follows from them.
func (k ClaimsKind) CheckInit(ws *workspace.Workspace, r transcripts.Record, initial func() ([]byte, string)) string {
	return checkDelegatedInit(k, ws, r, initial, checkClaimsWorkspace)
}

// CheckChange checks claimed against the accepted requests: what was added
// and nothing else.
func (ClaimsKind) CheckChange(ws *workspace.Workspace, role string) string {
	data, err := ws.MetadataBytes(role)
	if err != nil {
		return err.Error()
	}
	return checkClaimsWorkspace(ws, data)
}

func (ClaimsKind) Files(ws *workspace.Workspace) ([]string, error) {
	return filesUnder(ws, workspace.ClaimsDir, workspace.ClaimsReviewFile, workspace.AcceptedFile)
}

func (ClaimsKind) IsFile(name string) bool {
	return name == workspace.ClaimsReviewFile || name == workspace.AcceptedFile || strings.HasPrefix(name, workspace.ClaimsDir+"/")
}

func (ClaimsKind) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

func (ClaimsKind) Readme(l *loaded, info BundleInfoFile) string { return claimsReadme(l.ws, info) }

func (ClaimsKind) VerifyBundle(c *bundleCheck) { verifyDelegatedBundle(c, claimsBundle{}) }

// claimsBundle is what a claims bundle adds to the checks of every
// delegated bundle.
type claimsBundle struct{}

// Delegator: a claims bundle signs claimed, delegated by targets.
func (claimsBundle) Delegator(d *delegatedBundle) *metadata.TargetsType {
	if d.role != plan.RoleClaimed {
		d.c.add(verify.Error, d.entry, d.role, "bundle", "a claims bundle signs claimed, not %s", d.role)
		return nil
	}
	return d.targets
}

func (claimsBundle) Check(d *delegatedBundle) {
	checkBundledClaims(d.c.add, d.c.b, d.entry, d.trusted[plan.RoleClaimed].File.Signed, d.signed.Signed, d.known)
}
