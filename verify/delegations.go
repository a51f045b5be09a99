package verify

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// maxBinBits bounds a succinct delegation's bit_length. TAP 15 allows up to
// 32, but every bin is a file that must be listed in snapshot and read;
// PEP 458 uses 14 (16,384 bins) and RSTUF at most 14. 16 leaves room.
const maxBinBits = 16

// delegation is one role a targets role delegates, with the rule that
// says who must sign it.
type delegation struct {
	role string
	rule threshold.Rule
	// bins is the succinct delegation's name prefix, "" for a named role.
	bins string
	// covers reports whether the delegation covers a target path.
	covers func(path string) bool
}

// walk checks top-level targets and every delegated role reachable from
// it, one depth at a time.
type walk struct {
	v        *verifier
	snap     *metadata.SnapshotType
	snapPath string
	snapFrom string
	// done holds the roles already checked (read or not), by name.
	done map[string]string
	// refused holds role names that were refused and never opened.
	refused map[string]bool
}

func newWalk(v *verifier, snap *metadata.SnapshotType, snapPath string) *walk {
	return &walk{v: v, snap: snap, snapPath: snapPath, snapFrom: fmt.Sprintf("snapshot v%d", snap.Version),
		done: map[string]string{}, refused: map[string]bool{}}
}

// job is one role to check in a round, with every rule that delegates it
// in that round, and what checking it found.
type job struct {
	role   string
	rules  []threshold.Rule
	bins   string
	covers func(string) bool

	// depth is how many delegations below top-level targets the role is.
	depth int

	path     string
	findings []Finding
	state    *RoleState
	children []delegation
	refused  []string
}

// targets checks top-level targets, then the delegations below it.
func (w *walk) targets() {
	rule, err := topLevelRule(w.v.root, metadata.TARGETS)
	var rules []threshold.Rule
	if err == nil {
		rules = []threshold.Rule{rule}
	}
	top := &job{role: metadata.TARGETS, rules: rules}
	w.round([]*job{top})
}

// round runs the jobs of one depth in parallel, records them in order,
// and goes on with the roles they delegate.
func (w *walk) round(jobs []*job) {
	for depth := 0; len(jobs) > 0; depth++ {
		for _, j := range jobs {
			j.depth = depth
		}
		parallel(len(jobs), func(i int) { w.check(jobs[i]) })
		var next []delegation
		for _, j := range jobs {
			w.v.add(j.findings)
			if j.state != nil {
				w.v.report.Roles = append(w.v.report.Roles, *j.state)
			}
			w.done[j.role] = j.path
			for _, r := range j.refused {
				w.refused[r] = true
			}
			next = append(next, j.children...)
		}
		jobs = w.plan(next)
	}
}

// plan turns the delegations found in one round into the jobs of the next:
// one job per role, with every rule that delegates it. A role checked in
// an earlier round (delegated again, or a cycle) is not read again as a
// job; its signatures are counted against the new rule here.
func (w *walk) plan(next []delegation) []*job {
	var jobs []*job
	byRole := map[string]*job{}
	for _, d := range next {
		if j, ok := byRole[d.role]; ok {
			j.rules = append(j.rules, d.rule)
			continue
		}
		if p, ok := w.done[d.role]; ok {
			w.recount(d, p)
			continue
		}
		j := &job{role: d.role, rules: []threshold.Rule{d.rule}, bins: d.bins, covers: d.covers}
		byRole[d.role] = j
		jobs = append(jobs, j)
	}
	return jobs
}

// recount checks the signatures of an already checked role against one more
// delegation of it.
func (w *walk) recount(d delegation, path string) {
	if path == "" {
		return // it could not be read; that is already a finding
	}
	found := findings{file: path, role: d.role, delegator: d.rule.Delegator}
	data, err := readBounded(w.v.meta, strings.TrimPrefix(path, metadataDir+"/"))
	if err != nil {
		_, msg := describeReadError(err)
		found.errorf("read", "%s", msg)
	} else if f, err := metafile.Parse(data); err != nil {
		found.errorf("parse", "%v", err)
	} else {
		found.checkSignatures(f, []threshold.Rule{d.rule})
	}
	w.v.add(found.list)
}

// check checks one role: its snapshot entry, its file, the paths of its
// targets, the target files if the repository has them, and its own
// delegations. It runs concurrently with other checks and touches only j.
func (w *walk) check(j *job) {
	found := findings{file: w.snapPath, role: j.role, delegator: delegatorOf(j.rules)}
	defer func() {
		if r := recover(); r != nil {
			found.errorf("internal", "verifier failed on this role: %v", r)
		}
		j.findings = append(found.list, j.findings...)
	}()
	m := w.snap.Meta[j.role+".json"]
	if m == nil {
		by := "it is delegated"
		if len(j.rules) > 0 {
			by = j.rules[0].Delegator + " delegates it"
		}
		found.errorf("snapshot", "not listed in %s, but %s", w.snapFrom, by)
		return
	}
	c := roleCheck{role: j.role, name: roleFile(j.role, m.Version, w.v.consistent), typ: metadata.TARGETS,
		meta: m, from: w.snapFrom, rules: j.rules, bins: j.bins, leaf: w.v.depth > 0 && j.depth >= w.v.depth}
	l, list, state := w.v.checkRole(c)
	j.path = l.path
	j.findings = append(j.findings, list...)
	if l.file == nil {
		return
	}
	j.state = state
	found.file = l.path
	view := l.view
	paths := targetPaths(view)
	if j.covers != nil {
		var outside []string
		for _, p := range paths {
			if !j.covers(p) {
				outside = append(outside, p)
			}
		}
		if len(outside) > 0 {
			found.warnf("paths", "%d of %d targets lie outside what %s delegates to this role, so clients never find them here (first: %q)",
				len(outside), len(paths), j.rules[0].Delegator, outside[0])
		}
	}
	if w.v.targets != nil {
		w.checkTargetFiles(&found, view, paths)
	}
	if view.Delegations != nil && (w.v.depth == 0 || j.depth < w.v.depth) {
		j.children, j.refused = w.delegationsOf(&found, view.Header, view.Delegations)
	}
}

// checkTargetFiles compares the files under targets/ with what the role
// says of them.
func (w *walk) checkTargetFiles(found *findings, view *signedView, paths []string) {
	for _, p := range paths {
		var tf metadata.TargetFiles
		if err := json.Unmarshal(view.Targets[p], &tf); err != nil {
			found.errorf("target", "target %q: not a valid target entry: %v", p, err)
			continue
		}
		if !filepath.IsLocal(filepath.FromSlash(p)) || strings.Contains(p, `\`) {
			found.warnf("target", "target %q is not a path inside targets/, so it is not checked", p)
			continue
		}
		present := false
		for _, name := range targetCandidates(p, tf.Hashes, w.v.consistent) {
			probs, err := checkTargetFile(w.v.targets, filepath.FromSlash(name), tf.Length, tf.Hashes)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			present = true
			if err != nil {
				found.errorf("target", "target %q: failed to read targets/%s: %v", p, name, err)
				break
			}
			for _, pr := range probs {
				found.errorf(pr.check, "%s", pr.msg)
			}
			break
		}
		if !present {
			found.warnf("target", "target %q is not under targets/, so it is not checked", p)
		}
	}
}

// delegationsOf reads a targets role's delegations into the next round's
// work. Refused role names are findings, and returned so that snapshot's
// entries for them are not reported twice.
func (w *walk) delegationsOf(found *findings, h metafile.Header, d *metadata.Delegations) ([]delegation, []string) {
	delegator := fmt.Sprintf("%s v%d", found.role, h.Version)
	found.checkKeys(d.Keys)
	if len(d.Roles) > 0 && d.SuccinctRoles != nil {
		found.errorf("delegations", "has both roles and succinct_roles; the specification allows one or the other")
	}
	var out []delegation
	var refused []string
	about := func(role string) *findings { return &findings{file: found.file, role: role, delegator: delegator} }
	seen := map[string]bool{}
	for i := range d.Roles {
		r := d.Roles[i]
		rf := about(r.Name)
		if p := roleNameProblem(r.Name); p != "" {
			rf.errorf("rolename", "delegated by %s, refused and never opened: %s", delegator, p)
			refused = append(refused, r.Name)
		} else if seen[r.Name] {
			rf.errorf("delegation", "%s delegates %q more than once", delegator, r.Name)
		} else if rule, err := ruleFor(r.Name, delegator, r.KeyIDs, r.Threshold, d.Keys); err != nil {
			rf.errorf("delegation", "%s's delegation of %q: %v", delegator, r.Name, err)
		} else {
			if r.Paths != nil && r.PathHashPrefixes != nil {
				rf.warnf("delegation", "%s's delegation of %q has both paths and path_hash_prefixes", delegator, r.Name)
			}
			out = append(out, delegation{role: r.Name, rule: rule, covers: func(p string) bool {
				ok, err := r.IsDelegatedPath(p)
				return err == nil && ok
			}})
		}
		seen[r.Name] = true
		found.list = append(found.list, rf.list...)
	}
	if sr := d.SuccinctRoles; sr != nil {
		rf := about(sr.NamePrefix + "-*")
		switch {
		case sr.BitLength < 1 || sr.BitLength > maxBinBits:
			rf.errorf("delegation", "%s's succinct delegation has bit_length %d; this verifier takes 1 to %d", delegator, sr.BitLength, maxBinBits)
		case roleNameProblem(sr.NamePrefix+"-0") != "":
			rf.errorf("rolename", "%s's succinct delegation: name prefix %q refused, no bin opened: %s", delegator, sr.NamePrefix, roleNameProblem(sr.NamePrefix+"-0"))
		default:
			rule, err := ruleFor(sr.NamePrefix+"-*", delegator, sr.KeyIDs, sr.Threshold, d.Keys)
			if err != nil {
				rf.errorf("delegation", "%s's succinct delegation: %v", delegator, err)
				break
			}
			for i, name := range sr.GetRoles() {
				br := rule
				br.Role = name
				bits, bin := sr.BitLength, uint32(i)
				out = append(out, delegation{role: name, rule: br, bins: sr.NamePrefix, covers: func(p string) bool {
					sum := sha256.Sum256([]byte(p))
					return binary.BigEndian.Uint32(sum[:4])>>(32-bits) == bin
				}})
			}
		}
		found.list = append(found.list, rf.list...)
	}
	return out, refused
}

// leftovers looks at snapshot's entries that no checked role delegates:
// missing files are errors (clients that follow another path would fail),
// present ones are warnings, since nothing vouches for them.
func (w *walk) leftovers() {
	names := make([]string, 0, len(w.snap.Meta))
	for name := range w.snap.Meta {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := w.snap.Meta[name]
		found := findings{file: w.snapPath, role: name, delegator: w.snapFrom}
		role, ok := trimJSON(name)
		switch {
		case !ok:
			found.warnf("meta", "entry %q is not a metadata file name; ignored", name)
		case role == metadata.TARGETS:
		case topLevelRoles[role]:
			found.role = role
			found.warnf("meta", "lists %q, a top-level role that snapshot does not cover; ignored", name)
		default:
			found.role = role
			if _, done := w.done[role]; done || w.refused[role] {
				break
			}
			if p := roleNameProblem(role); p != "" {
				found.errorf("rolename", "listed in %s, refused and never opened: %s", w.snapFrom, p)
				break
			}
			if m == nil {
				found.errorf("meta", "entry %q is null", name)
				break
			}
			file := roleFile(role, m.Version, w.v.consistent)
			found.file = metadataDir + "/" + file
			if _, err := w.v.meta.Stat(file); err != nil {
				check, msg := describeReadError(err)
				found.errorf(check, "%s (%s lists version %d)", msg, w.snapFrom, m.Version)
				break
			}
			found.warnf("unreachable", "listed in %s, but no role that was checked delegates it, so it is not checked", w.snapFrom)
		}
		w.v.add(found.list)
	}
}

// parallel calls fn(0) ... fn(n-1) on GOMAXPROCS goroutines.
func parallel(n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
