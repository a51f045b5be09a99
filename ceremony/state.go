package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// loaded is a workspace with its metadata read and decoded.
type loaded struct {
	ws    *workspace.Workspace
	files map[string]*metafile.File
	// root is the root signed here; nil in claims and project workspaces,
	// which sign no root.
	root        *metadata.RootType
	trusted     *metafile.File
	trustedRoot *metadata.RootType
	targets     *metadata.TargetsType
	// given holds the trusted metadata of a claims or project workspace
	// (State.Trusted) by role: what the roles signed here are delegated by
	// and follow. givenTargets caches those decoded (givenRole): a claimed
	// role of 100,000 projects takes seconds to decode, so it is decoded
	// only where its content is needed.
	given        map[string]*metafile.File
	givenTargets map[string]*metadata.TargetsType
}

// givenRole decodes the trusted targets metadata of role, nil if the
// workspace keeps none.
func (l *loaded) givenRole(role string) (*metadata.TargetsType, error) {
	if t := l.givenTargets[role]; t != nil {
		return t, nil
	}
	f := l.given[role]
	if f == nil || role == metadata.ROOT {
		return nil, nil
	}
	t, err := f.Targets()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", workspace.TrustedPath(role), err)
	}
	l.givenTargets[role] = t
	return t, nil
}

func load(ws *workspace.Workspace) (*loaded, error) {
	files := map[string]*metafile.File{}
	for _, role := range ws.State.Roles {
		f, err := ws.Metadata(role)
		if err != nil {
			return nil, err
		}
		files[role] = f
	}
	return loadStates(ws, files, func(role string) string { return ws.MetadataPath(role) })
}

// loadStates decodes the given states of the roles signed in ws (the
// trusted metadata is still the workspace's); name says where a state was
// read, for messages.
func loadStates(ws *workspace.Workspace, files map[string]*metafile.File, name func(role string) string) (*loaded, error) {
	l := &loaded{ws: ws, files: files, given: map[string]*metafile.File{}, givenTargets: map[string]*metadata.TargetsType{}}
	var err error
	if ws.State.Kind.SignsRoot() {
		if l.files[metadata.ROOT] == nil {
			return nil, fmt.Errorf("workspace %q has no root metadata", ws.Dir)
		}
		if l.root, err = l.files[metadata.ROOT].Root(); err != nil {
			return nil, fmt.Errorf("%s: %w", name(metadata.ROOT), err)
		}
	}
	if f := l.files[metadata.TARGETS]; f != nil {
		if l.targets, err = f.Targets(); err != nil {
			return nil, fmt.Errorf("%s: %w", name(metadata.TARGETS), err)
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
	for _, role := range ws.State.Trusted {
		f, err := ws.TrustedMetadata(role)
		if err != nil {
			return nil, err
		}
		l.given[role] = f
	}
	return l, nil
}

// delegatorLabel names a delegating role's version in rules and messages:
// "targets v3".
func delegatorLabel(role string, version int64) string {
	return fmt.Sprintf("%s v%d", role, version)
}

// delegating returns the targets metadata that delegates role: the one
// signed in this workspace, else the trusted one the workspace keeps.
func (l *loaded) delegating(role string) (*metadata.TargetsType, error) {
	name := l.ws.State.Kind.Delegator(role)
	if name == "" || name == metadata.ROOT {
		return nil, fmt.Errorf("role %q is not delegated by a targets role", role)
	}
	if name == metadata.TARGETS && l.targets != nil {
		return l.targets, nil
	}
	t, err := l.givenRole(name)
	if err != nil || t != nil {
		return t, err
	}
	return nil, fmt.Errorf("workspace has %s but no %s metadata to delegate it", role, name)
}

// rules returns who may sign role, and how many must: for root, the
// previous root's rule (if any) and its own; for targets, root's rule; for
// claimed, targets' delegation; for a project's role, claimed's.
func (l *loaded) rules(role string) ([]threshold.Rule, error) {
	switch role {
	case metadata.ROOT:
		if l.root == nil {
			return nil, fmt.Errorf("workspace %q signs no root", l.ws.Dir)
		}
		return threshold.RootRules(l.root, l.trustedRoot)
	case metadata.TARGETS:
		if l.root == nil {
			return nil, fmt.Errorf("workspace %q has no root to delegate targets", l.ws.Dir)
		}
		r, err := threshold.FromRoot(l.root, metadata.TARGETS, delegatorLabel(metadata.ROOT, l.root.Version))
		return []threshold.Rule{r}, err
	}
	if l.ws.State.Kind.Delegator(role) == "" {
		return nil, fmt.Errorf("role %q is not signed offline", role)
	}
	t, err := l.delegating(role)
	if err != nil {
		return nil, err
	}
	r, err := threshold.FromTargets(t, role, delegatorLabel(l.ws.State.Kind.Delegator(role), t.Version))
	return []threshold.Rule{r}, err
}

// expectedVersion is the version role must have in this workspace.
func (l *loaded) expectedVersion(role string) int64 {
	if role == metadata.ROOT && l.trustedRoot != nil {
		return l.trustedRoot.Version + 1
	}
	if role == metadata.ROOT {
		return 1
	}
	return 0 // other roles: any positive version (see versionAbove)
}

// versionAbove is the version role must exceed: that of the trusted
// metadata a claims or project workspace keeps of it, 0 if none.
func (l *loaded) versionAbove(role string) int64 {
	if f := l.given[role]; f != nil && role != metadata.ROOT {
		if h, err := f.Header(); err == nil {
			return h.Version
		}
	}
	return 0
}

// rootInForce is the root the roles signed here are served under: the root
// signed here, else the trusted root a claims or project workspace keeps.
func (l *loaded) rootInForce() (*metadata.RootType, error) {
	if l.root != nil {
		return l.root, nil
	}
	f := l.given[metadata.ROOT]
	if f == nil {
		return nil, fmt.Errorf("workspace %q has no root: neither signed in it nor trusted", l.ws.Dir)
	}
	r, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", workspace.TrustedPath(metadata.ROOT), err)
	}
	return r, nil
}
