package ceremony

import (
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ProjectKind is a maintainers' project ceremony: the next version of one
// claimed project's targets role, signed by the keys claimed delegates it
// to. Its own files are the target files it lists.
type ProjectKind struct{}

// Names: Project.
func (ProjectKind) Names() []workspace.Kind { return []workspace.Kind{workspace.Project} }

func (ProjectKind) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

func (k ProjectKind) CheckInit(ws *workspace.Workspace, r transcripts.Record, initial func() ([]byte, string)) string {
	return checkDelegatedInit(k, ws, r, initial, checkProjectWorkspace)
}

// CheckChange checks the project's metadata against its delegation in the
// trusted claimed and against the target files.
func (ProjectKind) CheckChange(ws *workspace.Workspace, role string) string {
	data, err := ws.MetadataBytes(role)
	if err != nil {
		return err.Error()
	}
	return checkProjectWorkspace(ws, data)
}

func (ProjectKind) Files(ws *workspace.Workspace) ([]string, error) {
	return filesUnder(ws, workspace.TargetsDir)
}

func (ProjectKind) IsFile(name string) bool {
	return strings.HasPrefix(name, workspace.TargetsDir+"/")
}

func (ProjectKind) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

func (ProjectKind) Readme(l *loaded, info BundleInfoFile) string { return projectReadme(l.ws, info) }

func (ProjectKind) VerifyBundle(c *bundleCheck) { verifyDelegatedBundle(c, projectBundle{}) }

// projectBundle is what a project bundle adds to the checks of every
// delegated bundle.
type projectBundle struct{}

// Delegator: a project's role is delegated by claimed, decoded only here
// (a claimed role of 100,000 projects takes seconds).
func (projectBundle) Delegator(d *delegatedBundle) *metadata.TargetsType {
	var err error
	if d.claimed, err = d.trusted[plan.RoleClaimed].File.Targets(); err != nil {
		d.c.add(verify.Error, d.trusted[plan.RoleClaimed].Path, plan.RoleClaimed, "parse", "%v", err)
		return nil
	}
	if d.role == plan.RoleClaimed || d.role == metadata.TARGETS {
		d.c.add(verify.Error, d.entry, d.role, "bundle", "a project bundle signs a project's role, not %s", d.role)
		return nil
	}
	return d.claimed
}

func (projectBundle) Check(d *delegatedBundle) {
	signed, err := d.signed.Targets()
	if err != nil {
		d.c.add(verify.Error, d.entry, d.role, "parse", "%v", err)
		return
	}
	var prev *metadata.TargetsType
	if e, ok := d.c.info.Trusted[d.role]; ok {
		if data, ok := d.c.b.Get(e); ok {
			if prev, err = parseTargets(data); err != nil {
				d.c.add(verify.Error, e, d.role, "parse", "%v", err)
			}
		}
	}
	checkBundledProject(d.c.add, d.c.b, d.c.info, d.entry, d.claimed, prev, signed, d.known)
}
