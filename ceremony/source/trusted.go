package source

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Claims and project ceremonies start from the trusted state of a PEP 480
// repository: its root, its top-level targets (which delegates claimed) and
// its claimed role (which delegates the claimed projects). The state is
// read from a repository directory as the online server serves it
// (verified as a client would, targets and claimed taken as the
// verification read them, nothing read twice), from a finished workspace,
// or from a bundle (checked as 'ceremony verify BUNDLE' checks it, then
// unpacked as a workspace). Whatever the source, nothing is taken on its
// word: root must be signed by its own threshold, targets by root's rule,
// claimed by targets' delegation.

// TrustedState is the trusted metadata a claims or project ceremony starts
// from.
type TrustedState struct {
	// From names the source as given, for messages.
	From       string
	Repository string
	// Bytes holds each role's metadata file as read: root, targets,
	// claimed, and a project's role where the source has it.
	Bytes   map[string][]byte
	Root    *metadata.RootType
	Targets *metadata.TargetsType
	// Claimed is claimed decoded for its delegation to the project alone
	// for a project ceremony (metafile.File.TargetsDelegating), for none
	// of its delegations for a claims ceremony, which reads what it needs
	// of them from ClaimedFile.
	Claimed *metadata.TargetsType
	// ClaimedFile is claimed as parsed and counted against targets, its
	// canonical form kept (what its signatures cover), for a claims
	// ceremony; nil for a project ceremony.
	ClaimedFile *metafile.File
	// RecentlyClaimed is the repository's recently-claimed as served (not
	// verified: it only says a project's claim status), nil if unknown.
	RecentlyClaimed *metadata.TargetsType
	// Seen is, per role, the highest version below rotation.SafeVersion
	// seen in the source (every versioned file and snapshot entry of a
	// repository; a claims ceremony's accepted list for its projects).
	Seen map[string]int64
	// Names say who holds which key, from a workspace's ceremony.json.
	Names []rotation.Name
	// PlanFile is a bootstrap or next-root workspace's plan.yaml and
	// PlanDir where its relative paths resolve; "" otherwise.
	PlanFile, PlanDir string
	// Request is a claims workspace's request (its plan.yaml), if the
	// source is one.
	Request *delegated.ClaimsRequest
	// FromRepository: the source is a repository directory, whose
	// snapshot shows every project role's version (Seen).
	FromRepository bool
	// Rekeyed are the projects a claims workspace or bundle given as the
	// source changed the keys of, with the reason.
	Rekeyed map[string]string

	// verified are, by role, the bytes a repository's verification read,
	// with their parse and decoding, so that check need not do either
	// again (it still counts the signatures); empty for other sources.
	// check takes them only while Bytes holds those very bytes.
	verified map[string]verifiedRole
}

// verifiedRole is a role's file as the verification read and parsed it,
// and decoded.
type verifiedRole struct {
	verifiedFile
	decoded *metadata.TargetsType
}

// sameBytes says whether a and b are the same bytes in memory.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// ReadTrustedState reads the trusted state at from: a repository directory
// (verified as a client would, from trustedRoot or its 1.root.json), a
// finished workspace or a bundle file. project, if not "", is a project
// whose role's current metadata is read too where the source has it.
func ReadTrustedState(e *ceremony.Engine, from, trustedRoot, project string, now time.Time) (*TrustedState, error) {
	fi, err := os.Stat(from)
	if err != nil {
		return nil, fmt.Errorf("failed to read %q: %w", from, err)
	}
	var st *TrustedState
	switch {
	case !fi.IsDir():
		st, err = TrustedFromBundle(e, from, trustedRoot, now)
	case workspace.IsWorkspace(from):
		if err := workspaceTrust(from, trustedRoot); err != nil {
			return nil, err
		}
		st, err = trustedFromWorkspace(from, from)
	default:
		st, err = trustedFromRepository(from, trustedRoot, project, now)
	}
	if err != nil {
		return nil, err
	}
	if err := st.check(project); err != nil {
		return nil, err
	}
	// What check needed goes: a parse keeps claimed's canonical form
	// (53 MB at 100,000 projects) for as long as it is held.
	st.verified = nil
	return st, nil
}

// check verifies the chain root -> targets -> claimed; claimed is decoded
// for its delegation to project alone if project is not "", else for none
// of its delegations, and kept as parsed (ClaimedFile).
func (st *TrustedState) check(project string) error {
	name := func(role string) string { return fmt.Sprintf("%s (%s)", st.From, role) }
	root, err := VerifyTrustedRoot(name(metadata.ROOT), st.Bytes[metadata.ROOT])
	if err != nil {
		return err
	}
	st.Root = root
	signed := func(role string, rule threshold.Rule) (*metadata.TargetsType, error) {
		var f *metafile.File
		var t *metadata.TargetsType
		if v, ok := st.verified[role]; ok && sameBytes(v.data, st.Bytes[role]) {
			f, t = v.file, v.decoded
		}
		var err error
		if f == nil {
			if f, err = metafile.Parse(st.Bytes[role]); err != nil {
				return nil, fmt.Errorf("%s: %w", name(role), err)
			}
		}
		if t == nil {
			if role == plan.RoleClaimed {
				t, _, err = f.TargetsDelegatingTo(claimedFor(project), false)
			} else {
				t, err = f.Targets()
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name(role), err)
			}
		}
		tally, err := threshold.Count(rule, f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name(role), err)
		}
		if !tally.Met() {
			return nil, fmt.Errorf("%s: %s v%d is signed by %d of the %d keys %s requires: it is not trusted; give the repository's published metadata or a finished ceremony", name(role), role, t.Version, len(tally.Signed), rule.Threshold, rule.Delegator)
		}
		if role == plan.RoleClaimed && project == "" {
			st.ClaimedFile = f
		}
		return t, nil
	}
	rule, err := threshold.FromRoot(root, metadata.TARGETS, threshold.Label(metadata.ROOT, root.Version))
	if err != nil {
		return fmt.Errorf("%s: %w", name(metadata.ROOT), err)
	}
	if st.Targets, err = signed(metadata.TARGETS, rule); err != nil {
		return err
	}
	if rule, err = threshold.FromTargets(st.Targets, plan.RoleClaimed, threshold.Label(metadata.TARGETS, st.Targets.Version)); err != nil {
		return fmt.Errorf("%s: %w: a claims ceremony needs a PEP 480 repository (profile pep480), whose targets delegates claimed", name(metadata.TARGETS), err)
	}
	if st.Claimed, err = signed(plan.RoleClaimed, rule); err != nil {
		return err
	}
	return nil
}

// claimedFor are the delegations of claimed a ceremony decodes: a project
// ceremony's to its project; none for a claims ceremony (project ""),
// which reads claimed's file itself (TrustedState.ClaimedFile).
func claimedFor(project string) map[string]bool {
	if project == "" {
		return map[string]bool{}
	}
	return map[string]bool{project: true}
}

// VersionAbove is the version role must exceed: the highest seen, or the trusted
// metadata's.
func (st *TrustedState) VersionAbove(role string, trusted *metadata.TargetsType) int64 {
	v := st.Seen[role]
	if trusted != nil {
		v = max(v, trusted.Version)
	}
	return v
}

func trustedFromRepository(path, trustedRoot, project string, now time.Time) (*TrustedState, error) {
	// claimed, one delegation below targets, is as deep as a claims or
	// project ceremony builds on; a project's own role is checked by the
	// project ceremony against claimed's delegation.
	src, err := loadRepositorySource(path, trustedRoot, now, 1, claimedFor(project))
	if err != nil {
		return nil, err
	}
	s := src.State
	st := &TrustedState{From: path, Repository: s.Repository, Bytes: map[string][]byte{metadata.ROOT: src.RootBytes}, Seen: map[string]int64{}, FromRepository: true,
		verified: map[string]verifiedRole{}}
	for role, v := range s.Seen {
		st.Seen[role] = v.MaxSafe
	}
	st.RecentlyClaimed = s.Targets[plan.RoleRecentlyClaimed]
	rr, err := openRepository(path)
	if err != nil {
		return nil, err
	}
	defer rr.root.Close()
	dir := rr.dir
	for _, role := range []string{metadata.TARGETS, plan.RoleClaimed} {
		file := ""
		for _, f := range s.Files {
			if f.Role == role {
				file = f.Name
			}
		}
		if file == "" {
			return nil, fmt.Errorf("%s holds no %s metadata that its snapshot lists: a claims ceremony needs a PEP 480 repository", dir, role)
		}
		// As verified (one delegation deep, the verifier keeps every file
		// it verified): parsed once, decoded once (readTargets), and its
		// signatures counted again by check.
		v, ok := src.verified[file]
		if !ok {
			return nil, fmt.Errorf("%s: %s was not kept as it verified: nothing is taken from the repository", filepath.Join(dir, file), role)
		}
		st.Bytes[role] = v.data
		st.verified[role] = verifiedRole{verifiedFile: v, decoded: s.Targets[role]}
	}
	if project == "" {
		return st, nil
	}
	// The project's role, below what was verified: the project ceremony
	// checks it against claimed's delegation. It may be past what
	// rotations read: look for the version the snapshot lists.
	file := ""
	for _, f := range s.Files {
		if f.Role == project {
			file = f.Name
		}
	}
	if file == "" {
		if v := s.Current[project]; v > 0 && workspace.RoleFileProblem(project) == "" {
			if _, err := rr.root.Lstat(rr.roleFile(project, v, s.Root.ConsistentSnapshot)); err == nil {
				file = rr.roleFile(project, v, s.Root.ConsistentSnapshot)
			}
		}
	}
	if file != "" {
		data, _, err := rr.read(file)
		if err != nil {
			return nil, err
		}
		st.Bytes[project] = data
	}
	return st, nil
}

// trustedFromWorkspace reads a finished workspace; label names it in
// messages (the bundle it was unpacked from).
func trustedFromWorkspace(dir, label string) (*TrustedState, error) {
	ws, err := openFinished(dir, label, "start from the repository, or from a finished ceremony")
	if err != nil {
		return nil, err
	}
	st := &TrustedState{From: label, Repository: ws.State.Repository, Bytes: map[string][]byte{}, Seen: map[string]int64{}}
	if ws.State.Kind == workspace.Project {
		return nil, fmt.Errorf("%s is a project workspace: start from the repository, or from the claims ceremony's workspace or bundle", label)
	}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, plan.RoleClaimed} {
		switch {
		case ws.HasRole(role):
			st.Bytes[role], err = ws.MetadataBytes(role)
		case ws.HasTrusted(role) && role != plan.RoleClaimed:
			st.Bytes[role], err = ws.TrustedBytes(role)
		default:
			return nil, fmt.Errorf("%s does not hold the %s metadata in force (a %s ceremony that signed %s): start from the repository directory instead", label, role, ws.State.Kind, strings.Join(ws.State.Roles, ", "))
		}
		if err != nil {
			return nil, err
		}
	}
	if ws.State.Kind == workspace.Claims {
		if st.Request, err = delegated.ReadClaimsRequest(ws); err != nil {
			return nil, err
		}
		accepted, err := delegated.ReadAcceptedFile(ws)
		if err != nil {
			return nil, err
		}
		for _, p := range accepted.Projects {
			st.Seen[p.Project] = max(st.Seen[p.Project], p.SeenVersion)
		}
		for _, p := range accepted.Rekeyed {
			st.Seen[p.Project] = max(st.Seen[p.Project], p.SeenVersion)
			if st.Rekeyed == nil {
				st.Rekeyed = map[string]string{}
			}
			st.Rekeyed[p.Project] = p.Reason
		}
	} else {
		st.PlanFile, st.PlanDir = filepath.Join(dir, workspace.PlanFile), ws.State.PlanDir
	}
	st.Names = namesOfWorkspace(ws, st.Bytes)
	return st, nil
}

// namesOfWorkspace names the keys of a workspace's ceremony.json that its
// root and targets list.
func namesOfWorkspace(ws *workspace.Workspace, files map[string][]byte) []rotation.Name {
	all := map[string]*metadata.Key{}
	if f, err := metafile.Parse(files[metadata.ROOT]); err == nil {
		if r, err := f.Root(); err == nil {
			for id, k := range r.Keys {
				all[id] = k
			}
		}
	}
	if f, err := metafile.Parse(files[metadata.TARGETS]); err == nil {
		if t, err := f.Targets(); err == nil && t.Delegations != nil {
			for id, k := range t.Delegations.Keys {
				all[id] = k
			}
		}
	}
	return namesOf(ws, all)
}

// TrustedFromBundle reads a bundle: once, each entry copied as it is
// checked into a private directory (readPrivate), checked there as
// 'ceremony verify' checks it (from trustedRoot, the
// operator's own root, when given), and unpacked as the workspace it
// carries.
func TrustedFromBundle(e *ceremony.Engine, path, trustedRoot string, now time.Time) (*TrustedState, error) {
	p, err := openPrivate("ceremony-claims-bundle-", path)
	var v *bundle.Violation
	switch {
	case errors.As(err, &v) && v.Rule == bundle.RuleNotTar:
		return nil, fmt.Errorf("%s is a file, but not a ceremony bundle: give the repository directory (holding metadata/), a finished workspace, or a ceremony's bundle", path)
	case errors.As(err, &v):
		return nil, hint.With(fmt.Errorf("%s: %s; check it as the online side does", path, oneLine(v.Error())), "verify "+path)
	case err != nil:
		return nil, err
	}
	defer p.close()
	b, tmp, named := p.b, p.dir, p.named
	info, ok, err := readBundleInfo(b, named)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("bundle %s holds no readable %s, so it is not a ceremony bundle", path, ceremony.BundleInfo)
	}
	if info.Partial {
		return nil, fmt.Errorf("bundle %s is a partial bundle (for review, never uploaded): give the bundle of the finished ceremony, or the repository directory", path)
	}
	rep, err := audit.VerifyUnpacked(e, path, b, trustedRoot, now)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %s", path, named(err.Error()))
	}
	if errs := rep.Errors(); len(errs) > 0 {
		return nil, hint.With(fmt.Errorf("bundle %s does not verify: %s: verifying it lists every finding", path, oneLine(named(findingText(errs[0])))), verifyHint(path, trustedRoot))
	}
	ws := filepath.Join(tmp, "workspace")
	if name, err := audit.WriteBundledWorkspace(e, b, info, ws); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %s", path, name, named(err.Error()))
	}
	st, err := trustedFromWorkspace(ws, path)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), ws, path))
	}
	st.PlanFile, st.PlanDir = "", "" // the directory goes when this returns
	st.Names = withoutURIs(st.Names)
	return st, nil
}

// NameFor names key id for people: the plan's keyholder or the source's
// name for it, or "" if none is known.
func NameFor(k *metadata.Key, p *plan.Plan, names []rotation.Name) (name, contact, uri string) {
	if p != nil {
		for _, h := range p.Keyholders {
			if h.TUFKey != nil && keys.SameKey(h.TUFKey, k) {
				return h.Name, h.Contact, h.Key
			}
		}
	}
	for _, n := range names {
		if keys.SameKey(n.Key, k) {
			return n.Holder, "", n.URI
		}
	}
	return "", "", ""
}
