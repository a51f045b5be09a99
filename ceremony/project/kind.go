package project

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

// Kind is a maintainers' project ceremony: the next version of one
// claimed project's targets role, signed by the keys claimed delegates it
// to. Its own files are the target files it lists.
type Kind struct{ delegated.Base }

// Names: Project.
func (Kind) Names() []workspace.Kind { return []workspace.Kind{workspace.Project} }

func (k Kind) CheckInit(ws *workspace.Workspace, r transcripts.Record, initial func() (*metafile.File, string)) string {
	return delegated.CheckInit(k, ws, r, initial, checkProjectWorkspace)
}

// CheckChange checks the project's metadata against its delegation in the
// trusted claimed and against the target files.
func (Kind) CheckChange(ws *workspace.Workspace, role string) string {
	return delegated.CheckChange(ws, role, checkProjectWorkspace)
}

func (Kind) Files(ws *workspace.Workspace) ([]string, error) {
	return delegated.FilesUnder(ws, workspace.TargetsDir)
}

func (Kind) IsFile(name string) bool {
	return strings.HasPrefix(name, workspace.TargetsDir+"/")
}

func (Kind) Readme(l *ceremony.Loaded, info ceremony.BundleInfoFile) (string, error) {
	return projectReadme(l.WS, info)
}

func (Kind) VerifyBundle(c *audit.BundleCheck) { delegated.VerifyBundle(c, projectBundle{}) }

// projectBundle is what a project bundle adds to the checks of every
// delegated bundle.
type projectBundle struct{}

// Delegator: a project's role is delegated by claimed, decoded only here
// and only for its delegation to that role (File.TargetsDelegating: a
// claimed role of 100,000 projects takes seconds to decode whole).
func (projectBundle) Delegator(d *delegated.Bundle) *metadata.TargetsType {
	if d.Role == plan.RoleClaimed || d.Role == metadata.TARGETS {
		d.Check.Add(verify.Error, d.Entry, d.Role, "bundle", "a project bundle signs a project's role, not %s", d.Role)
		return nil
	}
	var err error
	if d.Claimed, err = d.Trusted[plan.RoleClaimed].File.TargetsDelegating(d.Role); err != nil {
		d.Check.Add(verify.Error, d.Trusted[plan.RoleClaimed].Path, plan.RoleClaimed, "parse", "%v", err)
		return nil
	}
	return d.Claimed
}

func (projectBundle) Check(d *delegated.Bundle) {
	signed, err := d.Signed.Targets()
	if err != nil {
		d.Check.Add(verify.Error, d.Entry, d.Role, "parse", "%v", err)
		return
	}
	var prev *metadata.TargetsType
	if e, ok := d.Check.Info.Trusted[d.Role]; ok {
		if data, ok := d.Check.Bundle.Get(e); ok {
			if prev, err = delegated.ParseTargets(data); err != nil {
				d.Check.Add(verify.Error, e, d.Role, "parse", "%v", err)
			}
		}
	}
	checkBundledProject(d.Check.Add, d.Check.Bundle, d.Check.Info, d.Entry, d.Claimed, prev, signed, d.Known)
}
