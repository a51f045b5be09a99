package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// loaded is a workspace with its metadata read and decoded.
type loaded struct {
	ws          *workspace.Workspace
	files       map[string]*metafile.File
	root        *metadata.RootType
	trusted     *metafile.File
	trustedRoot *metadata.RootType
	targets     *metadata.TargetsType
}

func load(ws *workspace.Workspace) (*loaded, error) {
	l := &loaded{ws: ws, files: map[string]*metafile.File{}}
	for _, role := range ws.State.Roles {
		f, err := ws.Metadata(role)
		if err != nil {
			return nil, err
		}
		l.files[role] = f
	}
	var err error
	if l.files[metadata.ROOT] == nil {
		return nil, fmt.Errorf("workspace %q has no root metadata", ws.Dir)
	}
	if l.root, err = l.files[metadata.ROOT].Root(); err != nil {
		return nil, fmt.Errorf("%s: %w", ws.MetadataPath(metadata.ROOT), err)
	}
	if f := l.files[metadata.TARGETS]; f != nil {
		if l.targets, err = f.Targets(); err != nil {
			return nil, fmt.Errorf("%s: %w", ws.MetadataPath(metadata.TARGETS), err)
		}
	}
	if l.trusted, err = ws.Trusted(); err != nil {
		return nil, err
	}
	if l.trusted != nil {
		if l.trustedRoot, err = l.trusted.Root(); err != nil {
			return nil, fmt.Errorf("%s: %w", workspace.TrustedRoot, err)
		}
	}
	return l, nil
}

// rules returns who may sign role, and how many must: for root, the
// previous root's rule (if any) and its own; for targets, root's rule; for
// claimed, targets' delegation.
func (l *loaded) rules(role string) ([]threshold.Rule, error) {
	switch role {
	case metadata.ROOT:
		return threshold.RootRules(l.root, l.trustedRoot)
	case metadata.TARGETS:
		r, err := threshold.FromRoot(l.root, metadata.TARGETS, fmt.Sprintf("root v%d", l.root.Version))
		return []threshold.Rule{r}, err
	case plan.RoleClaimed:
		if l.targets == nil {
			return nil, fmt.Errorf("workspace has claimed but no targets metadata to delegate it")
		}
		r, err := threshold.FromTargets(l.targets, plan.RoleClaimed, fmt.Sprintf("targets v%d", l.targets.Version))
		return []threshold.Rule{r}, err
	}
	return nil, fmt.Errorf("role %q is not signed offline", role)
}

// expectedVersion is the version role must have in this workspace.
func (l *loaded) expectedVersion(role string) int64 {
	if role == metadata.ROOT && l.trustedRoot != nil {
		return l.trustedRoot.Version + 1
	}
	if role == metadata.ROOT {
		return 1
	}
	return 0 // other roles: any positive version
}
