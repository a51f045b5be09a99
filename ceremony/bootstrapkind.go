package ceremony

import (
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// BootstrapKind is a bootstrap or a new root version: a plan's roots and
// offline roles, signed by the plan's keyholders, with nothing of its own
// beyond what every workspace has.
type BootstrapKind struct{}

// Names: Bootstrap, NextRoot.
func (BootstrapKind) Names() []workspace.Kind {
	return []workspace.Kind{workspace.Bootstrap, workspace.NextRoot}
}

func (BootstrapKind) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

func (BootstrapKind) CheckInit(*workspace.Workspace, transcripts.Record, func() ([]byte, string)) string {
	return ""
}

func (BootstrapKind) CheckChange(*workspace.Workspace, string) string               { return "" }
func (BootstrapKind) Files(*workspace.Workspace) ([]string, error)                  { return nil, nil }
func (BootstrapKind) IsFile(string) bool                                            { return false }
func (BootstrapKind) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

func (BootstrapKind) Readme(l *loaded, info BundleInfoFile) string { return rootReadme(l, info, false) }

func (BootstrapKind) VerifyBundle(c *bundleCheck) {
	verifyRootBundle(c, refuseRotationFiles)
}
