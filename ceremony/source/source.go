package source

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A rotation starts from the trusted metadata as it is now: a repository
// directory (its metadata/ directory, or the metadata directory itself), as
// the online server serves it, a finished ceremony workspace, or the bundle
// of a finished ceremony (rotatebundlesource.go). A repository after a
// compromise is hostile input: files are read through
// an os.Root (no name or link leads outside), only regular files of at
// most metafile.MaxSize, and role names from delegations are refused as
// file names when they could name anything but a file in the directory.

// maxDelegatedFiles bounds how many delegated roles' metadata is read to
// follow delegations (the hash bins are never read: they delegate nothing).
const maxDelegatedFiles = 4096

var versionedRE = regexp.MustCompile(`^([1-9][0-9]{0,18})\.(.+)\.json$`)

// Source is a source read: the state and the trusted root's bytes.
type Source struct {
	State     *rotation.State
	RootBytes []byte
	// workspace is set when the source is a workspace.
	workspace *workspace.Workspace
	// BundleSHA256 is the SHA-256 (hex) of the bundle read, when the
	// source is a bundle.
	BundleSHA256 string
	// AttestationRoots are the source workspace's attestation roots (a
	// rehearsal's virtual root), "" for Yubico's or a repository.
	AttestationRoots string
	// Rehearsal: the source workspace is a practice ceremony's, and so is
	// a rotation made from it.
	Rehearsal bool
	// verified are a repository's metadata files as its verification
	// read them (repoTrust.kept), by name.
	verified map[string]verifiedFile
}

// LoadDir reads a workspace or a repository directory, a repository
// verified as a client would from trustedRoot (the operator's own copy of
// a root in force; "" for the repository's 1.root.json) at now.
func LoadDir(path, trustedRoot string, now time.Time) (*Source, error) {
	if workspace.IsWorkspace(path) {
		if err := workspaceTrust(path, trustedRoot); err != nil {
			return nil, err
		}
		return loadWorkspaceSource(path)
	}
	return loadRepositorySource(path, trustedRoot, now, 0, nil)
}

// Load reads a repository directory (verified from trustedRoot, as LoadDir
// verifies it), a workspace or a ceremony bundle, a bundle's metadata
// checked for expiry at now (zero: the engine's clock).
func Load(e *ceremony.Engine, path, trustedRoot string, now time.Time) (*Source, error) {
	now = e.NowOr(now)
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %q: %w", path, err)
	}
	if !fi.IsDir() {
		return LoadBundle(e, path, trustedRoot, now)
	}
	return LoadDir(path, trustedRoot, now)
}

func loadWorkspaceSource(dir string) (*Source, error) {
	ws, err := openFinished(dir, dir, "rotate from the repository, or from the last finished workspace")
	if err != nil {
		return nil, err
	}
	l, err := ceremony.Load(ws)
	if err != nil {
		return nil, err
	}
	rootBytes, err := ws.MetadataBytes(metadata.ROOT)
	if err != nil {
		return nil, err
	}
	s := &rotation.State{Source: dir, Profile: plan.Profile(ws.State.Profile), Repository: ws.State.Repository, Root: l.Root,
		Targets: map[string]*metadata.TargetsType{}, Current: map[string]int64{}}
	for _, role := range ws.State.Roles {
		f := l.Files[role]
		h, err := f.Header()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ws.MetadataPath(role), err)
		}
		s.Current[role] = h.Version
		s.See(role, h.Version)
		if role != metadata.ROOT {
			t, err := f.Targets()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", ws.MetadataPath(role), err)
			}
			s.Targets[role] = t
		}
	}
	if l.TrustedRoot != nil {
		s.See(metadata.ROOT, l.TrustedRoot.Version)
	}
	s.Names = workspaceNames(ws, l)
	// A workspace holds the ceremony's own output: its content is good.
	s.LastGood = &rotation.LastGood{Source: dir, Targets: s.Targets, Current: s.Current}
	return &Source{State: s, RootBytes: rootBytes, workspace: ws, AttestationRoots: ws.State.AttestationRoots, Rehearsal: ws.State.Rehearsal}, nil
}

// workspaceNames names the keys a workspace's ceremony.json names.
func workspaceNames(ws *workspace.Workspace, l *ceremony.Loaded) []rotation.Name {
	all := map[string]*metadata.Key{}
	for _, r := range []*metadata.RootType{l.TrustedRoot, l.Root} {
		if r != nil {
			for id, k := range r.Keys {
				all[id] = k
			}
		}
	}
	for _, role := range ws.State.Roles {
		if role == metadata.ROOT {
			continue
		}
		if t, err := l.Files[role].Targets(); err == nil && t.Delegations != nil {
			for id, k := range t.Delegations.Keys {
				all[id] = k
			}
		}
	}
	return namesOf(ws, all)
}

// openFinished opens the workspace in dir, refusing one whose thresholds
// are not all met; label names it, and instead says what to do, in the
// refusal.
func openFinished(dir, label, instead string) (*workspace.Workspace, error) {
	st, err := ceremony.GetStatus(dir)
	if err != nil {
		return nil, err
	}
	if !st.AllMet() {
		return nil, fmt.Errorf("workspace %s is not finished (signatures are missing): %s", label, instead)
	}
	return workspace.Open(dir)
}

// namesOf names the keys of all, by key ID, that the workspace's
// ceremony.json names (witnesses' keys aside).
func namesOf(ws *workspace.Workspace, all map[string]*metadata.Key) []rotation.Name {
	var out []rotation.Name
	for _, e := range ws.State.Keys {
		if k := all[e.KeyID]; k != nil && !e.Witness {
			out = append(out, rotation.Name{Key: k, Holder: e.Holder, URI: e.URI, Online: e.Online, Contact: e.Contact, Attestation: e.Attestation})
		}
	}
	return out
}

// loadRepositorySource reads the repository at path once it verifies,
// following delegations depth deep (0: all; what is deeper is seen, never
// read). claimedRoles, if not nil, are the roles below claimed the caller
// needs (a project ceremony's project; none for a claims ceremony):
// claimed is decoded for its delegations to them alone
// (metafile.File.TargetsDelegatingTo: 100,000 delegations are not decoded
// for one, or for none), and no other role below claimed is looked for.
func loadRepositorySource(path, trustedRoot string, now time.Time, depth int, claimedRoles map[string]bool) (*Source, error) {
	trust, err := verifyRepository(path, trustedRoot, now, depth)
	if err != nil {
		return nil, err
	}
	rr, err := openRepository(path)
	if err != nil {
		return nil, err
	}
	defer rr.root.Close()
	rr.trust, rr.claimedRoles = trust, claimedRoles
	dir := rr.dir
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to read repository metadata %q: %w", dir, err)
	}
	s := &rotation.State{Source: path, Targets: map[string]*metadata.TargetsType{}, Current: map[string]int64{}}
	var rootVersions []int64
	for _, e := range entries {
		rr.names[e.Name()] = true
		if m := versionedRE.FindStringSubmatch(e.Name()); m != nil {
			v, _ := strconv.ParseInt(m[1], 10, 64)
			s.See(m[2], v)
			if m[2] == metadata.ROOT {
				rootVersions = append(rootVersions, v)
			}
		}
	}
	slices.Sort(rootVersions)
	rootBytes, err := rr.readRoots(s, rootVersions)
	if err != nil {
		return nil, err
	}
	if s.Root.Version != trust.rootVersion {
		return nil, hint.With(fmt.Errorf("repository %s: its newest root is v%d, but the chain of roots a client trusts ends at v%d: nothing is taken from it (verifying the repository lists every finding)", path, s.Root.Version, trust.rootVersion), verifyHint(path, trustedRoot))
	}
	// timestamp -> snapshot -> targets -> delegated roles, as served now.
	if err := rr.readTimestamp(s); err != nil {
		return nil, err
	}
	if err := rr.readSnapshots(s); err != nil {
		return nil, err
	}
	if err := rr.readTargets(s); err != nil {
		return nil, err
	}
	s.Profile = detectProfile(s.Root, s.Targets[metadata.TARGETS])
	return &Source{State: s, RootBytes: rootBytes, verified: trust.kept}, nil
}

// readRoots reads the newest root, which must be signed by its own
// threshold, and every root before it, as evidence of who signed what.
func (rr *repoReader) readRoots(s *rotation.State, versions []int64) ([]byte, error) {
	dir := rr.dir
	rootName := metadata.ROOT + ".json"
	newestRoot := int64(0)
	if len(versions) > 0 {
		newestRoot = versions[len(versions)-1]
		rootName = fmt.Sprintf("%d.%s.json", newestRoot, metadata.ROOT)
	}
	if !rr.names[rootName] {
		return nil, fmt.Errorf("%s holds no root metadata (N.root.json or root.json): give the repository directory, or a finished ceremony workspace", dir)
	}
	rootBytes, rootFile, err := rr.read(rootName)
	if err != nil {
		return nil, err
	}
	trusted, err := VerifyTrustedRoot(filepath.Join(dir, rootName), rootBytes)
	if err != nil {
		return nil, err
	}
	s.Root = trusted
	s.Current[metadata.ROOT] = trusted.Version
	// Every root, as evidence of who signed what, and the chain they make:
	// each names its own version and is signed by the one before it. The
	// loop is over the files there are, whatever their names say.
	var prev *metadata.RootType
	for _, v := range versions {
		name := fmt.Sprintf("%d.%s.json", v, metadata.ROOT)
		f := rootFile
		if v != newestRoot {
			if _, f, err = rr.read(name); err != nil {
				return nil, err
			}
		}
		if prev, err = chainRoot(filepath.Join(dir, name), v, f, prev); err != nil {
			return nil, err
		}
		s.Files = append(s.Files, rotationFile(name, metadata.ROOT, v, f))
	}
	return rootBytes, nil
}

// readTimestamp reads timestamp.json, if the repository has it, and the
// snapshot version it names.
func (rr *repoReader) readTimestamp(s *rotation.State) error {
	dir := rr.dir
	if rr.names["timestamp.json"] {
		_, f, err := rr.read("timestamp.json")
		if err != nil {
			return err
		}
		ts, err := f.Timestamp()
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, "timestamp.json"), err)
		}
		if err := signedByRoot(s.Root, metadata.TIMESTAMP, filepath.Join(dir, "timestamp.json"), f); err != nil {
			return err
		}
		s.Current[metadata.TIMESTAMP] = ts.Version
		s.See(metadata.TIMESTAMP, ts.Version)
		s.Files = append(s.Files, rotationFile("timestamp.json", metadata.TIMESTAMP, ts.Version, f))
		if m := ts.Meta["snapshot.json"]; m != nil {
			s.Current[metadata.SNAPSHOT] = m.Version
			s.See(metadata.SNAPSHOT, m.Version)
		}
	}
	return nil
}

// readSnapshots reads the snapshot in force and the newest one seen, and
// the versions of the roles they list.
func (rr *repoReader) readSnapshots(s *rotation.State) error {
	dir, trusted := rr.dir, s.Root
	snapshots := []int64{s.Current[metadata.SNAPSHOT], s.Seen[metadata.SNAPSHOT].Max}
	for i, v := range snapshots {
		if i > 0 && v == snapshots[0] {
			continue
		}
		name := rr.roleFile(metadata.SNAPSHOT, v, trusted.ConsistentSnapshot)
		if !rr.names[name] {
			continue
		}
		_, f, err := rr.read(name)
		if err != nil {
			return err
		}
		sn, err := f.Snapshot()
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		if err := signedByRoot(s.Root, metadata.SNAPSHOT, filepath.Join(dir, name), f); err != nil {
			return err
		}
		s.Files = append(s.Files, rotationFile(name, metadata.SNAPSHOT, sn.Version, f))
		for file, m := range sn.Meta {
			if m == nil {
				return fmt.Errorf("%s: meta[%q] is null", filepath.Join(dir, name), file)
			}
			role := strings.TrimSuffix(file, ".json")
			s.See(role, m.Version)
			if i == 0 {
				s.Current[role] = m.Version
			}
		}
	}
	return nil
}

// readTargets reads targets and the roles it delegates, breadth first, at
// most maxDelegatedFiles of them. What top-level targets delegates must
// have verified; a role further down that did not is passed over.
func (rr *repoReader) readTargets(s *rotation.State) error {
	dir, trusted := rr.dir, s.Root
	type delegated struct{ role, by string }
	queue := []delegated{{role: metadata.TARGETS}}
	read := 0
	for len(queue) > 0 && read < maxDelegatedFiles {
		role, by := queue[0].role, queue[0].by
		queue = queue[1:]
		if _, done := s.Targets[role]; done || workspace.RoleFileProblem(role) != "" {
			continue
		}
		v := s.Current[role]
		if v == 0 {
			v = s.Seen[role].Max
		}
		name := rr.roleFile(role, v, trusted.ConsistentSnapshot)
		if !rr.names[name] {
			name = role + ".json"
			if !rr.names[name] {
				continue
			}
		}
		if _, ok := rr.trust.verified[name]; !ok {
			if by == "" || by == metadata.TARGETS {
				return fmt.Errorf("%s: %s was not verified as a client would verify it (the verifier did not reach it): nothing is taken from the repository", filepath.Join(dir, name), role)
			}
			// Seen (its version counts), but not signed as its delegator
			// requires: none of its content is taken.
			continue
		}
		_, f, err := rr.readVerified(name)
		if err != nil {
			return err
		}
		read++
		var t *metadata.TargetsType
		if role == plan.RoleClaimed && rr.claimedRoles != nil {
			t, _, err = f.TargetsDelegatingTo(rr.claimedRoles, false)
		} else {
			t, err = f.Targets()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		s.Targets[role] = t
		if s.Current[role] == 0 {
			s.Current[role] = t.Version
		}
		s.See(role, t.Version)
		s.Files = append(s.Files, rotationFile(name, role, t.Version, f))
		if t.Delegations != nil {
			for _, d := range t.Delegations.Roles {
				queue = append(queue, delegated{role: d.Name, by: role})
			}
		}
	}
	return nil
}

func rotationFile(name, role string, version int64, f *metafile.File) rotation.File {
	out := rotation.File{Name: name, Role: role, Version: version}
	for _, sig := range f.Signatures {
		if sig.Sig != "" {
			out.SignedBy = append(out.SignedBy, sig.KeyID)
		}
	}
	return out
}

// detectProfile tells which of our profiles a repository follows, "" if
// none: rstuf signs targets with the online key; pep480's targets
// delegates claimed; pep458's targets delegates hash bins.
func detectProfile(root *metadata.RootType, targets *metadata.TargetsType) plan.Profile {
	t, ts := root.Roles[metadata.TARGETS], root.Roles[metadata.TIMESTAMP]
	if t != nil && ts != nil && len(t.KeyIDs) > 0 {
		online := map[string]bool{}
		for _, id := range ts.KeyIDs {
			online[id] = true
		}
		all := true
		for _, id := range t.KeyIDs {
			all = all && online[id]
		}
		if all {
			return plan.ProfileRSTUF
		}
	}
	if targets == nil || targets.Delegations == nil {
		return ""
	}
	for _, d := range targets.Delegations.Roles {
		if d.Name == plan.RoleClaimed {
			return plan.ProfilePEP480
		}
	}
	if targets.Delegations.SuccinctRoles != nil {
		return plan.ProfilePEP458
	}
	return ""
}

// NamesFrom reads who holds which key from a plan file, a workspace or a
// ceremony bundle (its workspace's ceremony.json, once the bundle
// verifies), and the repository's name it gives.
func NamesFrom(e *ceremony.Engine, path string, now time.Time) (names []rotation.Name, repository string, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, "", fmt.Errorf("failed to read keyholders from %q: %w", path, err)
	}
	if !fi.IsDir() && isBundleFile(path) {
		src, err := LoadBundle(e, path, "", now)
		if err != nil {
			return nil, "", fmt.Errorf("--keyholders: %w", err)
		}
		return src.State.Names, src.State.Repository, nil
	}
	if fi.IsDir() {
		ws, err := workspace.Open(path)
		if err != nil {
			return nil, "", err
		}
		l, err := ceremony.Load(ws)
		if err != nil {
			return nil, "", err
		}
		return workspaceNames(ws, l), ws.State.Repository, nil
	}
	p, err := plan.Load(path, e.Keys())
	if err != nil {
		return nil, "", err
	}
	var out []rotation.Name
	for _, h := range p.Keyholders {
		if h.TUFKey != nil {
			out = append(out, rotation.Name{Key: h.TUFKey, Holder: h.Name, URI: h.Key, Contact: h.Contact})
		}
	}
	for _, o := range p.Online {
		if o.TUFKey != nil {
			out = append(out, rotation.Name{Key: o.TUFKey, Holder: o.Name, URI: o.Key, Online: true})
		}
	}
	return out, p.Repository, nil
}

func ReadLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is over the limit of %d bytes", path, limit)
	}
	return data, nil
}

// CheckSmallFile refuses path unless it is a regular file no larger than a
// public key file may be (MaxPublicKeyFile).
func CheckSmallFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("failed to read %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", path)
	}
	if fi.Size() > MaxPublicKeyFile {
		return fmt.Errorf("%s is %d bytes, too large for a public key file", path, fi.Size())
	}
	return nil
}

// VerifyTrustedRoot reads the root a next-root ceremony starts from; it must
// be root metadata signed by its own threshold.
func VerifyTrustedRoot(path string, data []byte) (*metadata.RootType, error) {
	f, err := metafile.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	root, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	rule, err := threshold.FromRoot(root, metadata.ROOT, fmt.Sprintf("root v%d", root.Version))
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	tally, err := threshold.Count(rule, f)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	if !tally.Met() {
		return nil, fmt.Errorf("trusted root %s: signatures: %d of the %d required by its own root role; use the fully signed root the repository serves", path, len(tally.Signed), rule.Threshold)
	}
	return root, nil
}

// MaxPublicKeyFile bounds a public key file read for --replace.
const MaxPublicKeyFile = keys.MaxPublicKeyFile
