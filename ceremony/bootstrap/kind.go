package bootstrap

import (
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Kind is a bootstrap or a new root version: a plan's roots and
// offline roles, signed by the plan's keyholders, with nothing of its own
// beyond what every workspace has.
type Kind struct{}

// Names: Bootstrap, NextRoot.
func (Kind) Names() []workspace.Kind {
	return []workspace.Kind{workspace.Bootstrap, workspace.NextRoot}
}

func (Kind) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

func (Kind) CheckInit(*workspace.Workspace, transcripts.Record, func() (*metafile.File, string)) string {
	return ""
}

func (Kind) CheckChange(*workspace.Workspace, string) string               { return "" }
func (Kind) Files(*workspace.Workspace) ([]string, error)                  { return nil, nil }
func (Kind) IsFile(string) bool                                            { return false }
func (Kind) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

func (Kind) Readme(l *ceremony.Loaded, info ceremony.BundleInfoFile) (string, error) {
	return RootReadme(l, info, false)
}

func (Kind) VerifyBundle(c *audit.BundleCheck) {
	audit.VerifyRootBundle(c, audit.RefuseRotationFiles)
}
