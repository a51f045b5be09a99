package ceremony

import (
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// rootKind is a bootstrap or a new root version: a plan's roots and
// offline roles, signed by the plan's keyholders, with nothing of its own
// beyond what every workspace has.
type rootKind struct{}

func (rootKind) CheckSigner(*workspace.Workspace, *metadata.Key) error { return nil }

func (rootKind) CheckInit(*workspace.Workspace, transcripts.Record, func() ([]byte, string)) string {
	return ""
}

func (rootKind) CheckChange(*workspace.Workspace, string) string               { return "" }
func (rootKind) Files(*workspace.Workspace) ([]string, error)                  { return nil, nil }
func (rootKind) IsFile(string) bool                                            { return false }
func (rootKind) BundleExtras(*workspace.Workspace, func(string, []byte)) error { return nil }

func (rootKind) Readme(l *loaded, info BundleInfoFile) string { return rootReadme(l, info, false) }

func (rootKind) VerifyBundle(c *bundleCheck) {
	verifyRootBundle(c, refuseRotationFiles)
}
