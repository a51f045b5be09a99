// Package verify checks a TUF repository directory the way a client would
// (TUF specification 1.0.31, 5.3 to 5.6) and reports every problem as a
// finding that names the file, the role and the check that failed.
//
// Repository starts from a trusted root, walks the root chain
// (N.root.json), then checks timestamp, snapshot, targets and every
// delegated targets role reachable from targets: named delegations and
// succinct hash bins (TAP 15). Signatures are verified over the canonical
// form of the "signed" bytes as they were read, never over a re-encoding,
// so metadata written by other tools verifies as their clients verify it.
//
// Where a client would stop at the first problem, Repository goes on and
// reports them all: a delegator whose signatures fail still has its
// delegations checked, so one run shows everything that is wrong. The one
// exception is trust in roots: only a root reached by an unbroken chain is
// used to check timestamp, snapshot and targets, as a client would.
//
// Files are opened only below DIR/metadata (and DIR/targets), through an
// os.Root: a role name with a path separator or ".." is refused before any
// file name is made from it, and no symbolic link leads out. No file larger
// than metafile.MaxSize is read.
//
// Delegated roles are verified in parallel, GOMAXPROCS at a time, one depth
// of the delegation graph after another; findings come out in a fixed
// order whatever the schedule.
package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// Options adjust a verification.
type Options struct {
	// TrustedRoot is the path of the root to start from. Empty means
	// DIR/metadata/1.root.json, or DIR/metadata/root.json if there is no
	// 1.root.json.
	TrustedRoot string
	// At is the time to verify as of; zero means now.
	At time.Time
	// ExpiryWarning is how close to expiry a role draws a warning. Zero
	// means DefaultExpiryWarning (30 days); negative turns the warning off.
	ExpiryWarning time.Duration
	// SkipTargetFiles: do not compare the files under DIR/targets with
	// the metadata (a ceremony builds on the metadata, not the files).
	SkipTargetFiles bool
	// Depth, if above zero, is how many delegations below top-level
	// targets are followed: 1 checks targets and the roles it delegates,
	// and reads nothing they delegate (a claims ceremony builds on claimed,
	// not on the 100,000 project roles below it). Snapshot entries no
	// checked role reaches are then not looked at either, nor are the
	// delegations of the roles at that depth decoded: a caller that uses
	// them decodes and checks them itself. Zero follows every delegation.
	Depth int
	// KeepFiles: each role state of the report keeps the file's bytes and
	// parse (RoleState.Data, Parsed), roots aside, so that a caller reads
	// nothing twice. It holds every file checked in memory until the
	// report goes.
	KeepFiles bool
}

// metadataDir is where the metadata files sit, relative to the repository.
const metadataDir = "metadata"

type verifier struct {
	meta *os.Root
	// targets is DIR/targets, or nil when the repository has none; target
	// files are checked only when it is there.
	targets *os.Root
	at      time.Time
	within  time.Duration
	report  Report

	root       *metadata.RootType
	consistent bool
	// depth is Options.Depth, keepFiles Options.KeepFiles.
	depth     int
	keepFiles bool
}

// Repository verifies the repository in dir. The error is for a directory
// that cannot be read at all; everything wrong with the metadata is a
// finding in the report.
func Repository(dir string, opts Options) (*Report, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("failed to open repository: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("repository %q is not a directory", dir)
	}
	meta, err := os.OpenRoot(filepath.Join(dir, metadataDir))
	if err != nil {
		return nil, fmt.Errorf("failed to open the metadata directory: %w", err)
	}
	defer meta.Close()
	v := &verifier{meta: meta, at: opts.At, within: opts.ExpiryWarning, depth: opts.Depth, keepFiles: opts.KeepFiles}
	if v.at.IsZero() {
		v.at = time.Now()
	}
	if v.within == 0 {
		v.within = DefaultExpiryWarning
	}
	if opts.SkipTargetFiles {
		// v.targets stays nil: no target file is read.
	} else if targets, err := os.OpenRoot(filepath.Join(dir, "targets")); err == nil {
		defer targets.Close()
		v.targets = targets
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("failed to open the targets directory: %w", err)
	}
	func() {
		// A panic here is a bug in this package or below it; hostile input
		// must not take the caller down with it, so it becomes a finding.
		defer func() {
			if r := recover(); r != nil {
				v.add([]Finding{{Severity: Error, File: metadataDir, Check: "internal", Message: fmt.Sprintf("verifier failed: %v", r)}})
			}
		}()
		v.run(dir, opts.TrustedRoot)
	}()
	return &v.report, nil
}

func (v *verifier) add(list []Finding) { v.report.Findings = append(v.report.Findings, list...) }

func (v *verifier) run(dir, trustedPath string) {
	trusted, ok := v.loadTrusted(dir, trustedPath)
	if !ok {
		return
	}
	th, _ := trusted.File.Header()
	next := v.rootFiles(th.Version, trusted)

	c := rootChain(trusted, next)
	v.add(c.findings)
	if c.root == nil {
		return
	}
	found := findings{file: c.final.Path, role: metadata.ROOT}
	found.checkExpiry(c.root.Expires, v.at, v.within)
	v.add(found.list)
	v.root = c.root
	v.consistent = c.root.ConsistentSnapshot
	v.report.RootVersion = c.root.Version
	v.report.Roles = append(v.report.Roles, c.state)
	v.checkUnversionedRoot(trusted, c)

	snapMeta, tsVersion, ok := v.timestamp()
	if !ok {
		return
	}
	snap, snapPath, ok := v.snapshot(snapMeta, tsVersion)
	if !ok {
		return
	}
	w := newWalk(v, snap, snapPath)
	w.targets()
	if v.depth == 0 {
		w.leftovers()
	}
}

// loadTrusted reads the trusted root: the one named, or the first root of
// the repository.
func (v *verifier) loadTrusted(dir, p string) (Named, bool) {
	var data []byte
	var err error
	var name string
	if p != "" {
		name = p
		if rel, rerr := filepath.Rel(dir, p); rerr == nil && filepath.IsLocal(rel) {
			name = filepath.ToSlash(rel)
		}
		data, err = readFileBounded(p)
	} else {
		name = metadataDir + "/" + rootName(1)
		data, err = readBounded(v.meta, rootName(1))
		if errors.Is(err, fs.ErrNotExist) {
			name = metadataDir + "/root.json"
			data, err = readBounded(v.meta, "root.json")
			if errors.Is(err, fs.ErrNotExist) {
				v.add([]Finding{{Severity: Error, File: metadataDir + "/" + rootName(1), Role: metadata.ROOT, Check: "missing",
					Message: "no trusted root: neither metadata/1.root.json nor metadata/root.json exists (name one with the trusted root option)"}})
				return Named{}, false
			}
		}
	}
	found := findings{file: name, role: metadata.ROOT}
	if err != nil {
		check, msg := describeReadError(err)
		found.errorf(check, "trusted root: %s", msg)
		v.add(found.list)
		return Named{}, false
	}
	f, err := metafile.Parse(data)
	if err != nil {
		found.errorf("parse", "trusted root: %v", err)
		v.add(found.list)
		return Named{}, false
	}
	return Named{Path: name, File: f}, true
}

// checkUnversionedRoot compares metadata/root.json, which many repositories
// keep as a copy of the newest root, with the end of the chain.
func (v *verifier) checkUnversionedRoot(trusted Named, c chain) {
	const name = metadataDir + "/root.json"
	if trusted.Path == name {
		return
	}
	data, err := readBounded(v.meta, "root.json")
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	found := findings{file: name, role: metadata.ROOT}
	defer func() { v.add(found.list) }()
	if err != nil {
		_, msg := describeReadError(err)
		found.errorf("read", "%s", msg)
		return
	}
	f, err := metafile.Parse(data)
	if err != nil {
		found.errorf("parse", "%v", err)
		return
	}
	h, _ := f.Header()
	switch {
	case h.Version > c.root.Version:
		found.errorf("chain", "root.json is version %d, but the chain of trusted roots ends at version %d", h.Version, c.root.Version)
	case h.Version < c.root.Version:
		found.warnf("stale", "root.json is version %d, the newest trusted root is version %d", h.Version, c.root.Version)
	case !sameSigned(f, c.final.File):
		found.errorf("chain", "differs from %s, which has the same version", c.final.Path)
	case !sameSignatures(f, c.final.File):
		// The signatures of the newest root were checked in the chain,
		// previous root's included; a root.json signed differently is
		// checked against its own rule.
		if own, err := topLevelRule(c.root, metadata.ROOT); err == nil {
			found.checkSignatures(f, []threshold.Rule{own})
		}
	}
}

func sameSignatures(a, b *metafile.File) bool {
	if len(a.Signatures) != len(b.Signatures) {
		return false
	}
	for i := range a.Signatures {
		if a.Signatures[i].KeyID != b.Signatures[i].KeyID || a.Signatures[i].Sig != b.Signatures[i].Sig {
			return false
		}
	}
	return true
}

// onlineOnly reports whether every key the rules list is one of root's
// timestamp or snapshot keys. Such a role is re-signed by the online server
// all the time (timestamp, snapshot, PEP 480's unclaimed ...), as are
// succinct hash bins, so an expiry days away is its nature, not a warning;
// an expired one is still an error.
func (v *verifier) onlineOnly(rules []threshold.Rule) bool {
	if v.root == nil || len(rules) == 0 {
		return false
	}
	var online []*metadata.Key
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT} {
		if r, ok := v.root.Roles[role]; ok {
			for _, id := range r.KeyIDs {
				if k, ok := v.root.Keys[id]; ok && k != nil {
					online = append(online, k)
				}
			}
		}
	}
	for _, rule := range rules {
		for _, id := range rule.KeyIDs {
			found := false
			for _, k := range online {
				if keys.SameKey(k, rule.Keys[id]) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	return true
}

// roleCheck is what a referrer says about a role's file and who must have
// signed it.
type roleCheck struct {
	role string
	// name is the file name inside metadata/.
	name string
	typ  string
	// meta is what timestamp or snapshot says about the file (nil for
	// timestamp itself), and from names it ("snapshot v12").
	meta  *metadata.MetaFiles
	from  string
	rules []threshold.Rule
	bins  string
	// leaf: the role is as deep as Options.Depth follows, so its
	// delegations are not read (a claimed role's 100,000 are not decoded
	// for a claims ceremony, which reads them itself).
	leaf bool
}

// loaded is a role file that was read and parsed.
type loaded struct {
	path string
	file *metafile.File
	view *signedView
}

// checkRole reads, parses and checks one role file: length and hashes,
// type, version, signatures and expiry. l.file is nil when the file could
// not be read or parsed.
func (v *verifier) checkRole(c roleCheck) (l loaded, list []Finding, state *RoleState) {
	l.path = metadataDir + "/" + c.name
	found := findings{file: l.path, role: c.role, delegator: delegatorOf(c.rules)}
	defer func() { list = found.list }()
	data, err := readBounded(v.meta, c.name)
	if err != nil {
		check, msg := describeReadError(err)
		if c.meta != nil && check == "missing" {
			msg = fmt.Sprintf("%s (%s lists version %d)", msg, c.from, c.meta.Version)
		}
		found.errorf(check, "%s", msg)
		return l, nil, nil
	}
	if c.meta != nil {
		errs, warns := lengthHashProblems(data, c.meta.Length, c.meta.Hashes, c.from)
		for _, p := range errs {
			found.errorf(p.check, "%s", p.msg)
		}
		for _, p := range warns {
			found.warnf(p.check, "%s", p.msg)
		}
	}
	f, err := metafile.ParseOwned(data)
	if err != nil {
		found.errorf("parse", "%v", err)
		return l, nil, nil
	}
	// A large role's canonical form, which its signatures are counted
	// over, is made on a second core while the walk reads its members.
	canonical := canonicalAside(f)
	defer canonical()
	// One decode gives the header and, for targets roles, what the walk
	// needs; metafile.Parse has already checked the header's fields.
	var view signedView
	view.Header, _ = f.Header()
	if c.typ == metadata.TARGETS {
		if err := readTargetsView(f, &view, !c.leaf); err != nil {
			found.errorf("parse", "not valid targets metadata: %v", err)
			return l, nil, nil
		}
	}
	h := view.Header
	if !found.checkHeader(h, c.typ) {
		return l, nil, nil
	}
	canonical()
	if c.meta != nil && h.Version != c.meta.Version {
		found.errorf("version", "version %d, but %s lists version %d", h.Version, c.from, c.meta.Version)
	}
	if len(c.rules) == 0 {
		found.errorf("threshold", "no trusted rule says who must sign it, so no signature counts")
	}
	tallies := found.checkSignatures(f, c.rules)
	within := v.within
	if c.bins != "" || v.onlineOnly(c.rules) {
		within = -1
	}
	found.checkExpiry(h.Expires, v.at, within)
	var t *threshold.Tally
	if len(tallies) > 0 {
		t = tallies[0]
	}
	s := stateOf(c.role, l.path, h, t)
	sum := sha256.Sum256(data)
	s.SHA256 = hex.EncodeToString(sum[:])
	s.Bins = c.bins
	if v.keepFiles {
		s.Data, s.Parsed = data, f
	}
	l.file, l.view = f, &view
	return l, nil, &s
}

// timestamp checks timestamp.json and returns what it says of snapshot.
func (v *verifier) timestamp() (*metadata.MetaFiles, int64, bool) {
	c := roleCheck{role: metadata.TIMESTAMP, name: "timestamp.json", typ: metadata.TIMESTAMP}
	if rule, err := topLevelRule(v.root, metadata.TIMESTAMP); err == nil {
		c.rules = []threshold.Rule{rule}
	}
	l, list, state := v.checkRole(c)
	v.add(list)
	if l.file == nil {
		return nil, 0, false
	}
	v.report.Roles = append(v.report.Roles, *state)
	found := findings{file: l.path, role: metadata.TIMESTAMP}
	defer func() { v.add(found.list) }()
	ts, err := l.file.Timestamp()
	if err != nil {
		found.errorf("parse", "%v", err)
		return nil, 0, false
	}
	m := ts.Meta["snapshot.json"]
	if m == nil {
		found.errorf("meta", "does not list snapshot.json")
		return nil, 0, false
	}
	if len(ts.Meta) > 1 {
		found.warnf("meta", "lists %d files; only snapshot.json is used", len(ts.Meta))
	}
	return m, ts.Version, true
}

// snapshot checks the snapshot timestamp points to.
func (v *verifier) snapshot(m *metadata.MetaFiles, tsVersion int64) (*metadata.SnapshotType, string, bool) {
	c := roleCheck{role: metadata.SNAPSHOT, name: roleFile(metadata.SNAPSHOT, m.Version, v.consistent), typ: metadata.SNAPSHOT,
		meta: m, from: fmt.Sprintf("timestamp v%d", tsVersion)}
	if rule, err := topLevelRule(v.root, metadata.SNAPSHOT); err == nil {
		c.rules = []threshold.Rule{rule}
	}
	l, list, state := v.checkRole(c)
	v.add(list)
	if l.file == nil {
		return nil, "", false
	}
	v.report.Roles = append(v.report.Roles, *state)
	snap, err := l.file.Snapshot()
	if err != nil {
		v.add([]Finding{{Severity: Error, File: l.path, Role: metadata.SNAPSHOT, Check: "parse", Message: err.Error()}})
		return nil, "", false
	}
	return snap, l.path, true
}

// signedView is the header of a role and, for a targets role, the part
// the walk needs; the target entries stay raw until a target file is
// checked.
type signedView struct {
	metafile.Header
	Delegations *metadata.Delegations      `json:"delegations"`
	Targets     map[string]json.RawMessage `json:"targets"`
}

// readTargetsView takes the delegations (decoded as go-tuf decodes them,
// when withDelegations) and each target's entry as written, to be decoded
// one by one, so that one bad entry is reported as itself.
func readTargetsView(f *metafile.File, view *signedView, withDelegations bool) error {
	members, err := f.Members()
	if err != nil {
		return err
	}
	for _, m := range members {
		switch m.Name {
		case "delegations":
			if !withDelegations {
				continue
			}
			if view.Delegations, err = metafile.DecodeDelegations(m.Value); err != nil {
				return fmt.Errorf("delegations: %w", err)
			}
		case "targets":
			if string(m.Value) == "null" {
				continue
			}
			entries, err := metafile.Members(m.Value)
			if err != nil {
				return fmt.Errorf("targets: %w", err)
			}
			view.Targets = make(map[string]json.RawMessage, len(entries))
			for _, e := range entries {
				view.Targets[e.Name] = e.Value
			}
		}
	}
	return nil
}

func targetPaths(view *signedView) []string {
	paths := make([]string, 0, len(view.Targets))
	for p := range view.Targets {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func trimJSON(name string) (string, bool) {
	return strings.CutSuffix(name, ".json")
}
