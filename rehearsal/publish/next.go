package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/profiles"
)

// Next is the next state of a repository Write published (consistent
// snapshots), as the online server publishes it after a ceremony: new
// root versions, the offline roles signed at the ceremony, the online
// roles signed again, then snapshot and timestamp, timestamp last.
//
// It also plays an attacker holding the online key, for tests: the same
// steps with the stolen key and versions pushed up.
type Next struct {
	Dir string
	// Roots are the new root versions, in order, fully signed.
	Roots []*metafile.File
	// Offline holds the offline roles signed at the ceremony, by role.
	Offline map[string]*metafile.File
	// Online is the key the online roles are signed with now.
	Online keys.Signer
	// ReplaceOnline are the key IDs of online keys Online takes the place
	// of in the delegations online roles make (pep480's unclaimed, rstuf's
	// targets): the old online key, when it changes.
	ReplaceOnline []string
	// Resign lists online roles to sign again even if nothing in them
	// changes; "*" means every online role.
	Resign []string
	// ContentFrom, if not 0, is the snapshot version whose roles' content
	// online roles are signed again from: the last good snapshot.
	ContentFrom int64
	// MinVersions are the lowest versions to publish roles at, by role
	// ("bins-*" for every bin, "snapshot", "timestamp").
	MinVersions map[string]int64
	// AddTargets are put into their hash bins (bins-*), which are signed
	// again.
	AddTargets []Target
	// Expires is how long the online roles signed now last; 0 means a day.
	Expires time.Duration
	Now     time.Time
}

// Publish writes n into the repository n.Dir, which Write made.
// Versioned files are written new (never overwritten); root.json and
// timestamp.json are replaced atomically, timestamp last.
func (n *Next) Publish() error {
	r, err := startNext(n)
	if err != nil {
		return err
	}
	if err := r.addOffline(); err != nil {
		return err
	}
	if err := r.signOnlineRoles(); err != nil {
		return err
	}
	top, err := r.signTopRoles()
	if err != nil {
		return err
	}
	return r.write(top)
}

// nextRun is the state the steps of (*Next).Publish share.
type nextRun struct {
	n   *Next
	dir string // the metadata directory
	key onlineKey
	// exp is when the online roles signed now expire.
	exp time.Time
	// ts is the timestamp published now.
	ts *metadata.TimestampType
	// content is the snapshot whose roles' content online roles are
	// signed again from.
	content *metadata.SnapshotType
	// newest is the newest root, whose targets role the walk starts at.
	newest *metadata.RootType
	// versions are every role's version once n is published.
	versions map[string]int64
	// writes are the metadata files to write new, by file name.
	writes map[string][]byte
}

// startNext reads what n.Dir publishes now: the timestamp, the snapshot it
// lists (and the one n.ContentFrom names), the roles' versions and the
// newest root.
func startNext(n *Next) (*nextRun, error) {
	r := &nextRun{n: n, dir: filepath.Join(n.Dir, "metadata"), writes: map[string][]byte{}}
	ts, snap, err := readPublished(r.read, true)
	if err != nil {
		return nil, err
	}
	r.ts = ts
	if r.content, err = r.contentSnapshot(snap); err != nil {
		return nil, err
	}
	if r.versions, err = publishedVersions(ts.Meta["snapshot.json"].Version, snap); err != nil {
		return nil, err
	}
	if r.key, err = newOnlineKey(n.Online); err != nil {
		return nil, err
	}
	r.exp = onlineExpiry(n.Now, n.Expires)
	if r.newest, err = r.newestRoot(); err != nil {
		return nil, err
	}
	return r, nil
}

// read reads and parses the published metadata file name.
func (r *nextRun) read(name string) (*metafile.File, error) {
	return readMetadata(r.dir, name)
}

// contentSnapshot is the snapshot version n.ContentFrom, or current if
// that is 0.
func (r *nextRun) contentSnapshot(current *metadata.SnapshotType) (*metadata.SnapshotType, error) {
	if r.n.ContentFrom == 0 {
		return current, nil
	}
	f, err := r.read(fmt.Sprintf("%d.snapshot.json", r.n.ContentFrom))
	if err != nil {
		return nil, fmt.Errorf("the last good snapshot: %w", err)
	}
	return f.Snapshot()
}

// publishedVersions are the versions of the roles snap lists, by role, and
// snapVersion as the snapshot's.
func publishedVersions(snapVersion int64, snap *metadata.SnapshotType) (map[string]int64, error) {
	versions := map[string]int64{metadata.SNAPSHOT: snapVersion}
	for name, m := range snap.Meta {
		if m == nil {
			return nil, fmt.Errorf("snapshot v%d: meta[%q] is null", snap.Version, name)
		}
		versions[strings.TrimSuffix(name, ".json")] = m.Version
	}
	return versions, nil
}

// newestRoot is the last of n.Roots, or the published root.json if there
// are none.
func (r *nextRun) newestRoot() (*metadata.RootType, error) {
	if roots := r.n.Roots; len(roots) > 0 {
		return roots[len(roots)-1].Root()
	}
	return readRoot(r.read)
}

// addOffline queues the offline roles signed at the ceremony for writing,
// at their own versions.
func (r *nextRun) addOffline() error {
	for role, f := range r.n.Offline {
		h, err := f.Header()
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		data, err := f.Marshal()
		if err != nil {
			return err
		}
		r.writes[fmt.Sprintf("%d.%s.json", h.Version, role)] = data
		r.versions[role] = h.Version
	}
	return nil
}

// minVersion is the lowest version n.MinVersions allows for role: its own
// entry, or that of its family ("bins-*" for "bins-0a").
func (r *nextRun) minVersion(role string) int64 {
	if v, ok := r.n.MinVersions[role]; ok {
		return v
	}
	if i := strings.LastIndex(role, "-"); i > 0 {
		return r.n.MinVersions[role[:i+1]+"*"]
	}
	return 0
}

// nextVersion is the version to publish role at next. A version pushed up
// beyond 2^53 (by an attacker) is not counted from: MinVersions says where
// to go on.
func (r *nextRun) nextVersion(role string) int64 {
	cur := r.versions[role]
	if cur >= int64(1)<<53 {
		cur = 0
	}
	return max(cur+1, r.minVersion(role))
}

// resign reports whether n.Resign asks for role to be signed again.
func (r *nextRun) resign(role string) bool {
	return len(r.n.Resign) == 1 && r.n.Resign[0] == "*" || slices.Contains(r.n.Resign, role)
}

// targetsOf is role's content: the offline version signed at the ceremony,
// or the version the content snapshot lists.
func (r *nextRun) targetsOf(role string) (*metadata.TargetsType, error) {
	if f := r.n.Offline[role]; f != nil {
		return f.Targets()
	}
	m := r.content.Meta[role+".json"]
	if m == nil {
		return nil, fmt.Errorf("snapshot v%d does not list %s", r.content.Version, role)
	}
	f, err := r.read(fmt.Sprintf("%d.%s.json", m.Version, role))
	if err != nil {
		return nil, err
	}
	return f.Targets()
}

// delegation is a role the walk visits, with the key IDs its delegator
// lists for it.
type delegation struct {
	role   string
	keyIDs []string
}

// signOnlineRoles walks the delegations from the newest root's targets
// role, breadth first, and signs again the online roles (those whose
// delegator lists the online key) as n asks.
func (r *nextRun) signOnlineRoles() error {
	tr := r.newest.Roles[metadata.TARGETS]
	if tr == nil {
		return fmt.Errorf("the newest root has no targets role")
	}
	queue := []delegation{{metadata.TARGETS, tr.KeyIDs}}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		t, err := r.visit(j)
		if err != nil {
			return err
		}
		d := t.Delegations
		if d == nil {
			continue
		}
		for _, dr := range d.Roles {
			queue = append(queue, delegation{dr.Name, dr.KeyIDs})
		}
		if err := r.signBins(d.SuccinctRoles); err != nil {
			return err
		}
	}
	return nil
}

// visit reads j's role and, if it is online, signs it again when n.Resign
// asks for it or its delegations now name the new online key. It returns
// the role's content.
func (r *nextRun) visit(j delegation) (*metadata.TargetsType, error) {
	t, err := r.targetsOf(j.role)
	if err != nil {
		return nil, err
	}
	online := slices.Contains(j.keyIDs, r.key.id) && r.n.Offline[j.role] == nil
	changed := online && r.n.replaceOnline(t, r.key.id)
	if online && (r.resign(j.role) || changed) {
		if err := r.signRole(j.role, t); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// signBins signs again the hash bins sr delegates, if the online key signs
// them: the bins n.AddTargets fall in, and those n.Resign asks for.
func (r *nextRun) signBins(sr *metadata.SuccinctRoles) error {
	if sr == nil || !slices.Contains(sr.KeyIDs, r.key.id) {
		return nil
	}
	bins, err := r.binsWithTargets(sr)
	if err != nil {
		return err
	}
	for _, name := range sr.GetRoles() {
		b := bins[name]
		if b == nil && !r.resign(profiles.BinsPrefix+"-*") && !r.resign(name) {
			continue
		}
		if b == nil {
			if b, err = r.targetsOf(name); err != nil {
				return err
			}
		}
		if err := r.signRole(name, b); err != nil {
			return err
		}
	}
	return nil
}

// binsWithTargets puts each of n.AddTargets into the bins of sr it falls
// in, and returns those bins by name.
func (r *nextRun) binsWithTargets(sr *metadata.SuccinctRoles) (map[string]*metadata.TargetsType, error) {
	bins := map[string]*metadata.TargetsType{}
	for _, t := range r.n.AddTargets {
		tf, err := metadata.TargetFile().FromBytes(t.Path, t.Data, "sha256")
		if err != nil {
			return nil, fmt.Errorf("target %q: %w", t.Path, err)
		}
		for _, role := range sr.GetRolesForTarget(t.Path) {
			b := bins[role.Name]
			if b == nil {
				if b, err = r.targetsOf(role.Name); err != nil {
					return nil, err
				}
				bins[role.Name] = b
			}
			b.Targets[t.Path] = tf
		}
	}
	return bins, nil
}

// signRole signs t as role's next version with the online key, expiring
// with the other online roles, and queues it for writing.
func (r *nextRun) signRole(role string, t *metadata.TargetsType) error {
	t.Version, t.Expires = r.nextVersion(role), r.exp
	f, err := r.key.signRole(role, t)
	if err != nil {
		return err
	}
	data, err := f.Marshal()
	if err != nil {
		return err
	}
	r.writes[fmt.Sprintf("%d.%s.json", t.Version, role)] = data
	r.versions[role] = t.Version
	return nil
}

// signTopRoles signs the next snapshot, which lists every role at its
// version now, and the timestamp that points at it.
func (r *nextRun) signTopRoles() (*topRoles, error) {
	meta := map[string]*metadata.MetaFiles{}
	for role, v := range r.versions {
		if role == metadata.SNAPSHOT || role == metadata.TIMESTAMP {
			continue
		}
		meta[role+".json"] = metadata.MetaFile(v)
	}
	tsVersion := r.ts.Version + 1
	if r.ts.Version >= int64(1)<<53 {
		tsVersion = 1
	}
	top, err := r.key.signTopRoles(r.nextVersion(metadata.SNAPSHOT), max(tsVersion, r.minVersion(metadata.TIMESTAMP)), r.exp, meta)
	if err != nil {
		return nil, err
	}
	// Queued with the others, but written after the roots (write).
	r.writes[fmt.Sprintf("%d.snapshot.json", top.snapshotVersion)] = top.snapshot
	return top, nil
}

// write writes everything out: delegated and offline roles, roots,
// snapshot, added targets, and timestamp.json last.
func (r *nextRun) write(top *topRoles) error {
	for _, name := range slices.Sorted(maps.Keys(r.writes)) {
		if strings.HasSuffix(name, ".snapshot.json") {
			continue
		}
		if err := atomicfile.WriteNew(filepath.Join(r.dir, name), r.writes[name], 0o644); err != nil {
			return err
		}
	}
	if err := r.writeRoots(); err != nil {
		return err
	}
	if err := atomicfile.WriteNew(filepath.Join(r.dir, fmt.Sprintf("%d.snapshot.json", top.snapshotVersion)), top.snapshot, 0o644); err != nil {
		return err
	}
	if err := r.writeTargets(); err != nil {
		return err
	}
	return atomicfile.Replace(filepath.Join(r.dir, "timestamp.json"), top.timestamp, 0o644)
}

// writeRoots writes the new root versions, and replaces root.json with the
// newest.
func (r *nextRun) writeRoots() error {
	for i, f := range r.n.Roots {
		b, err := f.Marshal()
		if err != nil {
			return err
		}
		h, err := f.Header()
		if err != nil {
			return err
		}
		if err := atomicfile.WriteNew(filepath.Join(r.dir, fmt.Sprintf("%d.root.json", h.Version)), b, 0o644); err != nil {
			return err
		}
		if i == len(r.n.Roots)-1 {
			if err := atomicfile.Replace(filepath.Join(r.dir, "root.json"), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeTargets writes n.AddTargets under their consistent-snapshot names,
// DIR/SHA256.BASE.
func (r *nextRun) writeTargets() error {
	for _, t := range r.n.AddTargets {
		s := sha256.Sum256(t.Data)
		name := path.Join(path.Dir(t.Path), hex.EncodeToString(s[:])+"."+path.Base(t.Path))
		full := filepath.Join(r.n.Dir, "targets", filepath.FromSlash(name))
		if err := atomicfile.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteNew(full, t.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// replaceOnline puts the online key in place of n.ReplaceOnline in t's
// delegations, and reports whether anything changed.
func (n *Next) replaceOnline(t *metadata.TargetsType, onlineID string) bool {
	d := t.Delegations
	if d == nil || len(n.ReplaceOnline) == 0 {
		return false
	}
	old := map[string]bool{}
	for _, id := range n.ReplaceOnline {
		old[id] = true
	}
	changed := false
	swap := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if old[id] {
				id, changed = onlineID, true
			}
			dup := false
			for _, x := range out {
				dup = dup || x == id
			}
			if !dup {
				out = append(out, id)
			}
		}
		return out
	}
	for i := range d.Roles {
		d.Roles[i].KeyIDs = swap(d.Roles[i].KeyIDs)
	}
	if d.SuccinctRoles != nil {
		d.SuccinctRoles.KeyIDs = swap(d.SuccinctRoles.KeyIDs)
	}
	if changed {
		for id := range old {
			delete(d.Keys, id)
		}
		d.Keys[onlineID] = keys.Copy(n.Online.TUFKey())
	}
	return changed
}
