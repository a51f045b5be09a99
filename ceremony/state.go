package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Loaded is a workspace with its metadata read and decoded.
type Loaded struct {
	WS    *workspace.Workspace
	Files map[string]*metafile.File
	// Root is the root signed here; nil in claims and project workspaces,
	// which sign no root.
	Root        *metadata.RootType
	Trusted     *metafile.File
	TrustedRoot *metadata.RootType
	targets     *metadata.TargetsType
	// Given holds the trusted metadata of a claims or project workspace
	// (State.Trusted) by role: what the roles signed here are delegated by
	// and follow. givenTargets caches those decoded (givenRole): a claimed
	// role of 100,000 projects takes seconds to decode, so it is decoded
	// only where its content is needed. Load reads every one; status and
	// sign load them as they need them (given), and Given holds those
	// read so far.
	Given        map[string]*metafile.File
	givenTargets map[string]*metadata.TargetsType
	// givenNarrowed caches the trusted targets metadata decoded for one
	// of its delegations (givenDelegating), by name and delegated role.
	givenNarrowed map[string]*metadata.TargetsType
	// givenData are the bytes each of Given was parsed from (it holds
	// slices of them), to carry on as they were read.
	givenData map[string][]byte
	// read are the files of the roles signed here as read to load them;
	// nil when the states given were not read from the files (replay).
	read *roleBytes
	// givenLater: the trusted metadata is read when asked for (given).
	givenLater bool
}

// GivenRole decodes the trusted targets metadata of role, nil if the
// workspace keeps none.
func (l *Loaded) GivenRole(role string) (*metadata.TargetsType, error) {
	if t := l.givenTargets[role]; t != nil {
		return t, nil
	}
	f, err := l.given(role)
	if err != nil {
		return nil, err
	}
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

func Load(ws *workspace.Workspace) (*Loaded, error) {
	read, err := readRoleBytes(ws)
	if err != nil {
		return nil, err
	}
	return loadRead(ws, read, false)
}

// loadRead is Load of the role files as read already: what the command
// checked against the transcript is what it loads. With givenLater, the
// trusted metadata of a claims or project workspace is read only when it
// is asked for (given): a claims ceremony's trusted claimed is 77 MB at
// PyPI's scale, which status does not use and sign uses for its version.
func loadRead(ws *workspace.Workspace, read *roleBytes, givenLater bool) (*Loaded, error) {
	files := map[string]*metafile.File{}
	for _, role := range ws.State.Roles {
		f, err := ws.ParseMetadata(role, read.bytes(role))
		if err != nil {
			return nil, err
		}
		files[role] = f
	}
	l, err := loadStatesGiven(ws, files, func(role string) string { return ws.MetadataPath(role) }, !givenLater)
	if err != nil {
		return nil, err
	}
	l.read, l.givenLater = read, givenLater
	return l, nil
}

// loadStatesGiven decodes the given states of the roles signed in ws (the
// trusted metadata is still the workspace's, read now only if readGiven);
// name says where a state was read, for messages.
func loadStatesGiven(ws *workspace.Workspace, files map[string]*metafile.File, name func(role string) string, readGiven bool) (*Loaded, error) {
	l := &Loaded{WS: ws, Files: files, Given: map[string]*metafile.File{}, givenTargets: map[string]*metadata.TargetsType{},
		givenNarrowed: map[string]*metadata.TargetsType{}, givenData: map[string][]byte{}}
	var err error
	if ws.State.Kind.SignsRoot() {
		if l.Files[metadata.ROOT] == nil {
			return nil, fmt.Errorf("workspace %q has no root metadata", ws.Dir)
		}
		if l.Root, err = l.Files[metadata.ROOT].Root(); err != nil {
			return nil, fmt.Errorf("%s: %w", name(metadata.ROOT), err)
		}
	}
	if f := l.Files[metadata.TARGETS]; f != nil {
		if l.targets, err = f.Targets(); err != nil {
			return nil, fmt.Errorf("%s: %w", name(metadata.TARGETS), err)
		}
	}
	if l.Trusted, err = ws.Trusted(); err != nil {
		return nil, err
	}
	if l.Trusted != nil {
		if l.TrustedRoot, err = l.Trusted.Root(); err != nil {
			return nil, fmt.Errorf("%s: %w", workspace.TrustedRoot, err)
		}
	}
	if !readGiven {
		return l, nil
	}
	for _, role := range ws.State.Trusted {
		f, data, err := ws.TrustedMetadataRead(role)
		if err != nil {
			return nil, err
		}
		l.Given[role], l.givenData[role] = f, data
	}
	return l, nil
}

// delegating returns the targets metadata that delegates role: the one
// signed in this workspace, else the trusted one the workspace keeps.
func (l *Loaded) delegating(role string) (*metadata.TargetsType, error) {
	name := l.WS.State.Kind.Delegator(role)
	if name == "" || name == metadata.ROOT {
		return nil, fmt.Errorf("role %q is not delegated by a targets role", role)
	}
	if name == metadata.TARGETS && l.targets != nil {
		return l.targets, nil
	}
	t, err := l.givenDelegating(name, role)
	if err != nil || t != nil {
		return t, err
	}
	return nil, fmt.Errorf("workspace has %s but no %s metadata to delegate it", role, name)
}

// givenDelegating is the trusted targets metadata name as it delegates
// role: decoded whole if it was already (GivenRole), else with its
// delegations narrowed to role's (metafile.File.TargetsDelegating). A
// project's rule is claimed's delegation to it, one of 100,000; nil if
// the workspace keeps no trusted name.
func (l *Loaded) givenDelegating(name, role string) (*metadata.TargetsType, error) {
	if t := l.givenTargets[name]; t != nil {
		return t, nil
	}
	key := name + "\x00" + role
	if t := l.givenNarrowed[key]; t != nil {
		return t, nil
	}
	f, err := l.given(name)
	if err != nil || f == nil || name == metadata.ROOT {
		return nil, err
	}
	t, err := f.TargetsDelegating(role)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", workspace.TrustedPath(name), err)
	}
	l.givenNarrowed[key] = t
	return t, nil
}

// Rules returns who may sign role, and how many must: for root, the
// previous root's rule (if any) and its own; for targets, root's rule; for
// claimed, targets' delegation; for a project's role, claimed's.
func (l *Loaded) Rules(role string) ([]threshold.Rule, error) {
	switch role {
	case metadata.ROOT:
		if l.Root == nil {
			return nil, fmt.Errorf("workspace %q signs no root", l.WS.Dir)
		}
		return threshold.RootRules(l.Root, l.TrustedRoot)
	case metadata.TARGETS:
		if l.Root == nil {
			return nil, fmt.Errorf("workspace %q has no root to delegate targets", l.WS.Dir)
		}
		r, err := threshold.FromRoot(l.Root, metadata.TARGETS, threshold.Label(metadata.ROOT, l.Root.Version))
		return []threshold.Rule{r}, err
	}
	if l.WS.State.Kind.Delegator(role) == "" {
		return nil, fmt.Errorf("role %q is not signed offline", role)
	}
	t, err := l.delegating(role)
	if err != nil {
		return nil, err
	}
	r, err := threshold.FromTargets(t, role, threshold.Label(l.WS.State.Kind.Delegator(role), t.Version))
	return []threshold.Rule{r}, err
}

// ExpectedVersion is the version role must have in this workspace.
func (l *Loaded) ExpectedVersion(role string) int64 {
	if role == metadata.ROOT && l.TrustedRoot != nil {
		return l.TrustedRoot.Version + 1
	}
	if role == metadata.ROOT {
		return 1
	}
	return 0 // other roles: any positive version (see versionAbove)
}

// VersionAbove is the version role must exceed: that of the trusted
// metadata a claims or project workspace keeps of it, 0 if none. A trusted
// file that does not read is an error, never version 0 (which any version
// would follow).
func (l *Loaded) VersionAbove(role string) (int64, error) {
	return l.versionAbove(role)
}

// rootInForce is the root the roles signed here are served under: the root
// signed here, else the trusted root a claims or project workspace keeps.
func (l *Loaded) rootInForce() (*metadata.RootType, error) {
	if l.Root != nil {
		return l.Root, nil
	}
	f, err := l.given(metadata.ROOT)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return nil, fmt.Errorf("workspace %q has no root: neither signed in it nor trusted", l.WS.Dir)
	}
	r, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", workspace.TrustedPath(metadata.ROOT), err)
	}
	return r, nil
}
