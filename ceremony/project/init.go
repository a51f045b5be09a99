package project

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"golang.org/x/crypto/blake2b"
	"gopkg.in/yaml.v3"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A project ceremony is a maintainer's: the next version of their claimed
// project's targets role, listing the project's files, signed by the keys
// claimed delegates the project to (a threshold of maintainers, on one
// machine or each on their own with payload files). It starts from the
// trusted state (claimssource.go), refuses a project claimed does not
// delegate, and a target path outside the delegation's patterns. The
// files are kept in the workspace (targets/PATH) and carried by the
// bundle, so that what is uploaded is what was signed.

// ErrNotClaimed means claimed does not delegate the project.
var ErrNotClaimed = errors.New("project is not claimed")

// DefaultHashes are the hashes a project's targets list by default:
// sha256 alone, which every TUF client verifies. go-tuf 2.4.2 and tuf-js
// 5.0.1 verify sha256 and sha512 only and refuse to download a file whose
// metadata also lists blake2b-256 (PyPI's own file hash; python-tuf takes
// it), so blake2b-256 is listed only when asked for.
var DefaultHashes = []string{"sha256"}

// Target is one --target PATH=FILE.
type Target struct {
	// Path is the target path clients ask for
	// (packages/ab/cd/ef.../demo-1.0.tar.gz).
	Path string
	// File is the file on disk.
	File string
}

// ParseTarget reads PATH=FILE.
func ParseTarget(s string) (Target, error) {
	p, f, ok := strings.Cut(s, "=")
	if !ok || p == "" || f == "" {
		return Target{}, fmt.Errorf("--target %q: want PATH=FILE, PATH the target path clients ask for (packages/...), FILE the file", s)
	}
	return Target{Path: p, File: f}, nil
}

// Options says what project ceremony to prepare.
type Options struct {
	// Project is the project's name; it is normalized as PEP 503 does.
	Project string
	// From is the trusted state: a repository directory, a claims
	// ceremony's bundle or finished workspace.
	From string
	// TrustedRoot, when From is a repository directory or a bundle, is
	// the operator's own copy of a root in force that its root chain must
	// start from; "" starts from a repository's 1.root.json, a bundle's
	// oldest root.
	TrustedRoot string
	Targets     []Target
	// ExpiresDays is the expiry period of the project's role; 0 means 365.
	ExpiresDays int
	// Hashes are the hash algorithms listed (sha256, sha512,
	// blake2b-256); nil means DefaultHashes.
	Hashes []string
	Dir    string
	// Now is the ceremony's time; zero means the engine's clock.
	Now time.Time
}

// Request is a project workspace's plan.yaml: the ceremony as asked.
type Request struct {
	Name        string          `yaml:"name"`
	From        string          `yaml:"from"`
	Targets     []RequestTarget `yaml:"targets"`
	ExpiresDays int             `yaml:"expires_days"`
	Hashes      []string        `yaml:"hashes"`
	Time        string          `yaml:"time"`
}

// RequestTarget is one target file as asked.
type RequestTarget struct {
	Path   string `yaml:"path"`
	File   string `yaml:"file"`
	SHA256 string `yaml:"sha256"`
}

// Init creates a project ceremony's workspace: PROJECT's targets
// metadata v(n+1) (v1 for a project with none yet) listing the previous
// version's targets and the files given, unsigned, its rule taken from
// the trusted claimed's delegation.
func Init(e *ceremony.Engine, opts Options) (*workspace.Workspace, error) {
	now := e.NowOr(opts.Now)
	now = now.UTC().Truncate(time.Second)
	project, days, hashes, err := checkOptions(opts)
	if err != nil {
		return nil, err
	}
	if err := workspace.CheckNew(opts.Dir); err != nil {
		return nil, err
	}
	st, err := source.ReadTrustedState(e, opts.From, opts.TrustedRoot, project, now)
	if err != nil {
		return nil, err
	}
	deleg, err := projectDelegation(st, project)
	if err != nil {
		return nil, err
	}
	rule, err := threshold.FromTargets(st.Claimed, project, threshold.Label(plan.RoleClaimed, st.Claimed.Version))
	if err != nil {
		return nil, err
	}
	prev, warnings, dropped, err := previousVersion(st, project, rule)
	if err != nil {
		return nil, err
	}
	next, err := nextVersion(st, project, prev, profiles.Expiry(now, days))
	if err != nil {
		return nil, err
	}
	req := Request{Name: project, From: opts.From, ExpiresDays: days, Hashes: hashes, Time: now.Format(time.RFC3339)}
	if len(opts.Targets) == 0 && prev == nil {
		if dropped != "" {
			return nil, fmt.Errorf("no target files given (--target PATH=FILE): %s, so nothing of it is carried over; list each file this version is to hold", dropped)
		}
		return nil, fmt.Errorf("no target files given (--target PATH=FILE): the project's first version lists its files")
	}
	files, err := addTargets(opts.Targets, deleg, hashes, next, &req)
	if err != nil {
		return nil, err
	}
	state := workspace.State{Kind: workspace.Project, Profile: string(plan.ProfilePEP480), Repository: st.Repository,
		Created: now, Roles: []string{project}, Trusted: []string{metadata.ROOT, metadata.TARGETS, plan.RoleClaimed}, Warnings: warnings}
	if prev != nil {
		state.Trusted = append(state.Trusted, project)
	}
	for _, id := range rule.KeyIDs {
		state.Keys = append(state.Keys, workspace.KeyEntry{KeyID: id, Holder: "maintainer " + ceremony.AbbrevHash(id)})
	}
	return createWorkspace(opts.Dir, state, st, req, prev, next, files)
}

// checkOptions checks the project's name, the expiry and the hash
// algorithms asked for, with their defaults.
func checkOptions(opts Options) (project string, days int, hashes []string, err error) {
	if project, err = claims.Normalize(opts.Project); err != nil {
		return "", 0, nil, err
	}
	if err := claims.CheckProject(project); err != nil {
		return "", 0, nil, err
	}
	days = opts.ExpiresDays
	if days == 0 {
		days = 365
	}
	if days < 0 || days > 1825 {
		return "", 0, nil, fmt.Errorf("--expires-days %d: give 1 to 1825 days", opts.ExpiresDays)
	}
	hashes = opts.Hashes
	if len(hashes) == 0 {
		hashes = DefaultHashes
	}
	for _, h := range hashes {
		if _, err := hashTarget(h, nil); err != nil {
			return "", 0, nil, err
		}
	}
	return project, days, hashes, nil
}

// previousVersion is the project's previous version, where the source has
// it: its targets are carried over only if the keys claimed delegates the
// project to signed it (the online key may have written anything there;
// after a rekey, the old keys signed it, and they may be an attacker's).
// dropped says why a version the source has is not carried over.
func previousVersion(st *source.TrustedState, project string, rule threshold.Rule) (prev *metadata.TargetsType, warnings []string, dropped string, err error) {
	if data := st.Bytes[project]; data != nil {
		f, err := metafile.Parse(data)
		if err != nil {
			return nil, nil, "", fmt.Errorf("%s (%s): %w", st.From, project, err)
		}
		if tally, err := threshold.Count(rule, f); err != nil || !tally.Met() {
			h, _ := f.Header()
			dropped = fmt.Sprintf("%s v%d in %s is not signed by the keys claimed v%d delegates %s to", project, h.Version, st.From, st.Claimed.Version, project)
			if reason, ok := st.Rekeyed[project]; ok {
				dropped += fmt.Sprintf(" (a claims ceremony changed its keys: %s)", reason)
			}
			warnings = append(warnings, dropped+": nothing in it is carried over; its targets are listed again only if the maintainers list them (--target PATH=FILE for each file to keep); this version lists only the files given")
			delete(st.Bytes, project)
		} else if prev, err = f.Targets(); err != nil {
			return nil, nil, "", fmt.Errorf("%s (%s): %w", st.From, project, err)
		}
	}
	if reason, ok := st.Rekeyed[project]; ok && dropped == "" && prev == nil {
		dropped = fmt.Sprintf("the claims ceremony of %s changed %s's keys (%s)", st.From, project, reason)
		warnings = append(warnings, dropped+": its earlier versions, signed by the old keys, no longer verify and nothing of them is carried over; the previous targets are listed again only if the maintainers list them (--target PATH=FILE for each file to keep); this version lists only the files given")
	}
	return prev, warnings, dropped, nil
}

// nextVersion is the project's metadata to sign: the previous version's
// targets, if carried over, at the next version, expiring then.
func nextVersion(st *source.TrustedState, project string, prev *metadata.TargetsType, expires time.Time) (*metadata.TargetsType, error) {
	next := &metadata.TargetsType{Type: metadata.TARGETS, SpecVersion: profiles.SpecVersion, Targets: map[string]*metadata.TargetFiles{}}
	if prev != nil {
		var err error
		if next, err = delegated.ParseTargets(st.Bytes[project]); err != nil {
			return nil, err
		}
		if next.Targets == nil {
			next.Targets = map[string]*metadata.TargetFiles{}
		}
	}
	next.Version = st.VersionAbove(project, prev) + 1
	if next.Version >= rotation.SafeVersion {
		return nil, fmt.Errorf("%s: %s's version %d is too high to follow safely: ask PyPI's administrators", st.From, project, next.Version-1)
	}
	next.Expires = expires
	return next, nil
}

// addTargets adds the files given to next and to the request, and returns
// their bytes by target path. A path the previous version lists with the
// same content is kept; with other content it is refused.
func addTargets(targets []Target, deleg metadata.DelegatedRole, hashes []string, next *metadata.TargetsType, req *Request) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, t := range targets {
		if err := checkTargetPath(t.Path, deleg); err != nil {
			return nil, err
		}
		data, err := source.ReadLimited(t.File, bundle.DefaultLimits().MaxEntrySize)
		if err != nil {
			return nil, fmt.Errorf("--target %s=%s: %w", t.Path, t.File, err)
		}
		tf, err := targetFileOf(t.Path, data, hashes)
		if err != nil {
			return nil, err
		}
		if old := next.Targets[t.Path]; old != nil {
			if !delegated.SameJSON(old, tf) {
				return nil, fmt.Errorf("--target %s: %s v%d lists this path with other content already: a published file is never replaced; give the new file a new name", t.Path, req.Name, next.Version-1)
			}
			continue
		}
		if _, dup := files[t.Path]; dup {
			return nil, fmt.Errorf("--target %s is given twice", t.Path)
		}
		next.Targets[t.Path] = tf
		files[t.Path] = data
		req.Targets = append(req.Targets, RequestTarget{Path: t.Path, File: t.File, SHA256: transcripts.Sum(data)})
	}
	return files, nil
}

// createWorkspace writes the project's workspace: the request, the
// trusted metadata, the target files and the init record.
func createWorkspace(dir string, state workspace.State, st *source.TrustedState, req Request, prev, next *metadata.TargetsType, files map[string][]byte) (*workspace.Workspace, error) {
	project := req.Name
	nextFile, err := metafile.FromSigned(next)
	if err != nil {
		return nil, err
	}
	request, err := yaml.Marshal(struct {
		Project Request `yaml:"project"`
	}{req})
	if err != nil {
		return nil, err
	}
	request = append([]byte("# The project ceremony as asked of 'ceremony project init'.\n"), request...)
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	message := fmt.Sprintf("project ceremony, profile %s, %s v%d", state.Profile, project, next.Version)
	if prev != nil {
		message += fmt.Sprintf(" from v%d", prev.Version)
	}
	message += fmt.Sprintf(": adds %d target file(s) (%s); rule from claimed v%d; signing %v", len(paths), strings.Join(paths, ", "), st.Claimed.Version, state.Roles)
	own := map[string][]byte{}
	for _, p := range paths {
		own[workspace.TargetsDir+"/"+p] = files[p]
	}
	return delegated.Create(dir, state, request, nextFile, st.Bytes, own, Kind{}, func(*workspace.Workspace) string { return message }, nil)
}

// projectDelegation finds claimed's delegation to project, or says the
// project's claim status.
func projectDelegation(st *source.TrustedState, project string) (metadata.DelegatedRole, error) {
	if d := st.Claimed.Delegations; d != nil {
		for _, r := range d.Roles {
			if r.Name == project {
				return r, nil
			}
		}
	}
	status := "unclaimed: its maintainers make a claim request for " + project + ", signed by each of their keys, and send it to PyPI's administrators"
	if t := st.RecentlyClaimed; t != nil && t.Delegations != nil {
		for _, r := range t.Delegations.Roles {
			if r.Name == project {
				status = "recently claimed: recently-claimed (signed online) delegates it; the next claims ceremony moves it to claimed"
			}
		}
	}
	return metadata.DelegatedRole{}, fmt.Errorf("%w: claimed v%d of %s does not delegate %q; the project is %s", ErrNotClaimed, st.Claimed.Version, st.From, project, status)
}

// checkTargetPath refuses a target path that is not a clean relative path
// a bundle can carry, or that the delegation's patterns do not cover.
func checkTargetPath(p string, deleg metadata.DelegatedRole) error {
	if p != path.Clean(p) || path.IsAbs(p) || strings.HasPrefix(p, "../") || p == ".." || strings.Contains(p, `\`) {
		return fmt.Errorf("--target %s: not a clean relative target path (packages/...)", p)
	}
	if err := bundle.CheckName(workspace.TargetsDir + "/" + p); err != nil {
		return fmt.Errorf("--target %s: %v", p, err)
	}
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return fmt.Errorf("--target %s: a name beginning with \".\" is not a file PyPI serves", p)
		}
	}
	if !delegatedPath(deleg, p) {
		patterns := deleg.Paths
		if len(patterns) == 0 {
			patterns = deleg.PathHashPrefixes
		}
		return fmt.Errorf("--target %s is outside %s's delegation: claimed delegates it only %s; name the file as PyPI serves the project's files", p, deleg.Name, strings.Join(quoteAll(patterns), ", "))
	}
	return nil
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// delegatedPath reports whether the delegation covers target path p, as
// the TUF specification says: a pattern matched segment by segment (as
// go-tuf, tuf-js and python-tuf do), or a prefix of the hex SHA-256 of
// the path.
func delegatedPath(r metadata.DelegatedRole, p string) bool {
	for _, pattern := range r.Paths {
		ps, ts := strings.Split(pattern, "/"), strings.Split(p, "/")
		if len(ps) != len(ts) {
			continue
		}
		match := true
		for i := range ps {
			if ok, _ := filepath.Match(ps[i], ts[i]); !ok {
				match = false
				break
			}
		}
		if match {
			return true
		}
	}
	if len(r.PathHashPrefixes) > 0 {
		h := sha256.Sum256([]byte(p))
		hexHash := hex.EncodeToString(h[:])
		for _, prefix := range r.PathHashPrefixes {
			if strings.HasPrefix(hexHash, prefix) {
				return true
			}
		}
	}
	return false
}

// targetFileOf is a target's entry: its length and hashes.
func targetFileOf(p string, data []byte, algs []string) (*metadata.TargetFiles, error) {
	tf := &metadata.TargetFiles{Length: int64(len(data)), Hashes: metadata.Hashes{}, Path: p}
	for _, alg := range algs {
		h, err := hashTarget(alg, data)
		if err != nil {
			return nil, err
		}
		tf.Hashes[alg] = h
	}
	return tf, nil
}

// hashTarget hashes data with alg: sha256, sha512 or blake2b-256 (the
// names TUF and PyPI use).
func hashTarget(alg string, data []byte) ([]byte, error) {
	switch alg {
	case "sha256":
		s := sha256.Sum256(data)
		return s[:], nil
	case "sha512":
		s := sha512.Sum512(data)
		return s[:], nil
	case "blake2b-256":
		s := blake2b.Sum256(data)
		return s[:], nil
	}
	return nil, fmt.Errorf("hash algorithm %q: give sha256, sha512 or blake2b-256", alg)
}
