package publish

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
)

// The online server's part after a PEP 480 claims or project ceremony, for
// rehearsals and tests. The bundle is checked first by the caller
// ('ceremony verify BUNDLE', audit.VerifyBundle): here it is only laid
// out.
//
//   - A claims bundle: claimed's new version is written, the projects it
//     adds are dropped from recently-claimed, whose next version the
//     online key signs, then snapshot and timestamp.
//   - A project bundle: the project's role and its target files are
//     written (each file under every hash its entry lists, as clients ask
//     for one of them), then snapshot and timestamp.
//
// Update also serves tests that play an attacker with the online key:
// any role files, signed by whoever, published under a new snapshot.

// Update publishes signed delegated targets roles and target files, then a
// new snapshot (every role at its version now) and timestamp, signed with
// the online key.
type Update struct {
	Dir string
	// Roles are the new versions of delegated targets roles, signed, by
	// role name.
	Roles map[string]*metafile.File
	// Files are target files to serve, by target path; each is written
	// under every hash the entry of Roles that lists it gives (consistent
	// snapshots), or under its path.
	Files map[string][]byte
	// Online signs snapshot and timestamp.
	Online keys.Signer
	// Expires is how long snapshot and timestamp last; 0 means a day.
	Expires time.Duration
	Now     time.Time
}

// Publish writes u into the repository u.Dir, which Write made:
// versioned files new (never overwritten), timestamp.json replaced last.
func (u *Update) Publish() error {
	dir := filepath.Join(u.Dir, "metadata")
	read := func(name string) (*metafile.File, error) { return readMetadata(dir, name) }
	root, err := readRoot(read)
	if err != nil {
		return err
	}
	consistent := root.ConsistentSnapshot
	ts, snap, err := readPublished(read, consistent)
	if err != nil {
		return err
	}
	key, err := newOnlineKey(u.Online)
	if err != nil {
		return err
	}
	exp := onlineExpiry(u.Now, u.Expires)
	writes, listed, err := u.roleFiles(consistent, snap.Meta)
	if err != nil {
		return err
	}
	top, err := key.signTopRoles(snap.Version+1, ts.Version+1, exp, snap.Meta)
	if err != nil {
		return err
	}

	// Target files first, then roles, snapshot, timestamp last.
	if err := u.serveTargets(listed, consistent); err != nil {
		return err
	}
	write := metadataWriter(consistent)
	for _, name := range slices.Sorted(maps.Keys(writes)) {
		if err := write(filepath.Join(dir, name), writes[name], 0o644); err != nil {
			return err
		}
	}
	snapName := versioned(consistent, top.snapshotVersion, metadata.SNAPSHOT)
	if err := write(filepath.Join(dir, snapName), top.snapshot, 0o644); err != nil {
		return err
	}
	return atomicfile.Replace(filepath.Join(dir, "timestamp.json"), top.timestamp, 0o644)
}

// roleFiles checks the names of u.Roles and marshals them, by the file
// name each is written under. It lists each role in meta at its new
// version, and returns the target files the roles list, by target path.
func (u *Update) roleFiles(consistent bool, meta map[string]*metadata.MetaFiles) (map[string][]byte, map[string]*metadata.TargetFiles, error) {
	writes := map[string][]byte{}
	listed := map[string]*metadata.TargetFiles{}
	for role, f := range u.Roles {
		if strings.ContainsAny(role, `/\`) || role == "" || role == "." || role == ".." {
			return nil, nil, fmt.Errorf("role %q is not a file name", role)
		}
		h, err := f.Header()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", role, err)
		}
		t, err := f.Targets()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", role, err)
		}
		for p, tf := range t.Targets {
			listed[p] = tf
		}
		data, err := f.Marshal()
		if err != nil {
			return nil, nil, err
		}
		writes[versioned(consistent, h.Version, role)] = data
		meta[role+".json"] = metadata.MetaFile(h.Version)
	}
	return writes, listed, nil
}

// serveTargets writes u.Files, in path order, under the names their
// entries in listed give. Each must be listed, and match its entry.
func (u *Update) serveTargets(listed map[string]*metadata.TargetFiles, consistent bool) error {
	for _, p := range slices.Sorted(maps.Keys(u.Files)) {
		tf := listed[p]
		if tf == nil {
			return fmt.Errorf("target %q: no role of the update lists it", p)
		}
		if err := tf.VerifyLengthHashes(u.Files[p]); err != nil && !unknownHashOnly(tf, u.Files[p]) {
			return fmt.Errorf("target %q: %w", p, err)
		}
		if err := u.serveTarget(targetNames(p, tf, consistent), u.Files[p]); err != nil {
			return err
		}
	}
	return nil
}

// serveTarget writes data under each of names below u.Dir/targets.
func (u *Update) serveTarget(names []string, data []byte) error {
	for _, name := range names {
		full := filepath.Join(u.Dir, "targets", filepath.FromSlash(name))
		if err := atomicfile.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		// A target served already with the same bytes (a release
		// listed again in a project's next version) is left as it
		// is; different bytes under a served name are refused.
		if served, err := os.ReadFile(full); err == nil && bytes.Equal(served, data) {
			continue
		}
		if err := atomicfile.WriteNew(full, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// metadataWriter is how a metadata file is written: new with consistent
// snapshots (never overwritten), replaced in place without.
func metadataWriter(consistent bool) func(string, []byte, os.FileMode) error {
	if consistent {
		return atomicfile.WriteNew
	}
	return atomicfile.Replace
}

// unknownHashOnly reports whether data matches every hash of tf that
// go-tuf can check (sha256, sha512), and its length: blake2b-256 is
// checked by the ceremony, not here.
func unknownHashOnly(tf *metadata.TargetFiles, data []byte) bool {
	known := &metadata.TargetFiles{Length: tf.Length, Hashes: metadata.Hashes{}}
	for alg, h := range tf.Hashes {
		if alg == "sha256" || alg == "sha512" {
			known.Hashes[alg] = h
		}
	}
	return len(known.Hashes) > 0 && known.VerifyLengthHashes(data) == nil
}

// targetNames are the names a target is served under: with consistent
// snapshots, DIR/HASH.BASE for every hash its entry lists.
func targetNames(p string, tf *metadata.TargetFiles, consistent bool) []string {
	if !consistent {
		return []string{p}
	}
	algs := make([]string, 0, len(tf.Hashes))
	for alg := range tf.Hashes {
		algs = append(algs, alg)
	}
	sort.Strings(algs)
	var out []string
	for _, alg := range algs {
		out = append(out, path.Join(path.Dir(p), hex.EncodeToString(tf.Hashes[alg])+"."+path.Base(p)))
	}
	return out
}

// versioned is the file name of role's metadata at version: prefixed by
// the version with consistent snapshots.
func versioned(consistent bool, version int64, role string) string {
	if consistent {
		return fmt.Sprintf("%d.%s.json", version, role)
	}
	return role + ".json"
}

// readRoot reads and parses root.json with read.
func readRoot(read func(string) (*metafile.File, error)) (*metadata.RootType, error) {
	f, err := read("root.json")
	if err != nil {
		return nil, err
	}
	return f.Root()
}

// readPublished reads with read timestamp.json and the snapshot version it
// lists, named as consistent snapshots say.
func readPublished(read func(string) (*metafile.File, error), consistent bool) (*metadata.TimestampType, *metadata.SnapshotType, error) {
	tsFile, err := read("timestamp.json")
	if err != nil {
		return nil, nil, err
	}
	ts, err := tsFile.Timestamp()
	if err != nil {
		return nil, nil, err
	}
	sm := ts.Meta["snapshot.json"]
	if sm == nil {
		return nil, nil, fmt.Errorf("timestamp.json lists no snapshot.json")
	}
	snapFile, err := read(versioned(consistent, sm.Version, metadata.SNAPSHOT))
	if err != nil {
		return nil, nil, err
	}
	snap, err := snapFile.Snapshot()
	if err != nil {
		return nil, nil, err
	}
	return ts, snap, nil
}

// onlineExpiry is when online metadata signed at now expires: expires
// later, or a day later if expires is 0.
func onlineExpiry(now time.Time, expires time.Duration) time.Time {
	if expires == 0 {
		expires = 24 * time.Hour
	}
	return now.UTC().Truncate(time.Second).Add(expires)
}

// onlineKey is the online key that signs the online roles, with its key ID.
type onlineKey struct {
	signer keys.Signer
	id     string
}

// newOnlineKey is the online key s, with its key ID.
func newOnlineKey(s keys.Signer) (onlineKey, error) {
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		return onlineKey{}, err
	}
	return onlineKey{signer: s, id: id}, nil
}

// sign makes metadata from v and signs it.
func (k onlineKey) sign(v any) (*metafile.File, error) {
	f, err := metafile.FromSigned(v)
	if err != nil {
		return nil, err
	}
	if err := k.addSignature(f, "online"); err != nil {
		return nil, err
	}
	return f, nil
}

// signRole makes role's metadata from v and signs it; errors name the
// role.
func (k onlineKey) signRole(role string, v any) (*metafile.File, error) {
	f, err := metafile.FromSigned(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", role, err)
	}
	if err := k.addSignature(f, role+" online"); err != nil {
		return nil, err
	}
	return f, nil
}

// addSignature signs f's canonical form and adds the signature to f; what
// says what was signed, in the error ("failed to sign online: ...").
func (k onlineKey) addSignature(f *metafile.File, what string) error {
	msg, err := f.Canonical()
	if err != nil {
		return err
	}
	sig, err := keys.SignMessage(k.signer, msg)
	if err != nil {
		return fmt.Errorf("failed to sign %s: %w", what, err)
	}
	f.AddSignature(k.id, hex.EncodeToString(sig))
	return nil
}

// topRoles are a new snapshot and the timestamp that lists it, signed and
// marshalled.
type topRoles struct {
	snapshotVersion     int64
	snapshot, timestamp []byte
}

// signTopRoles makes snapshot version snVersion, which lists meta, and
// timestamp version tsVersion, which lists that snapshot; both expire at
// exp and are signed with k.
func (k onlineKey) signTopRoles(snVersion, tsVersion int64, exp time.Time, meta map[string]*metadata.MetaFiles) (*topRoles, error) {
	sn := &metadata.SnapshotType{Type: metadata.SNAPSHOT, SpecVersion: profiles.SpecVersion, Version: snVersion, Expires: exp, Meta: meta}
	snOut, err := k.sign(sn)
	if err != nil {
		return nil, err
	}
	snBytes, err := snOut.Marshal()
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(snBytes)
	snMeta := metadata.MetaFile(snVersion)
	snMeta.Length = int64(len(snBytes))
	snMeta.Hashes = metadata.Hashes{"sha256": sum[:]}
	ts := &metadata.TimestampType{Type: metadata.TIMESTAMP, SpecVersion: profiles.SpecVersion, Version: tsVersion, Expires: exp,
		Meta: map[string]*metadata.MetaFiles{"snapshot.json": snMeta}}
	tsOut, err := k.sign(ts)
	if err != nil {
		return nil, err
	}
	tsBytes, err := tsOut.Marshal()
	if err != nil {
		return nil, err
	}
	return &topRoles{snapshotVersion: snVersion, snapshot: snBytes, timestamp: tsBytes}, nil
}

// CurrentRole reads the version of role the repository's snapshot lists
// now.
func CurrentRole(dir, role string) (*metafile.File, error) {
	mdir := filepath.Join(dir, "metadata")
	read := func(name string) (*metafile.File, error) {
		data, err := os.ReadFile(filepath.Join(mdir, name))
		if err != nil {
			return nil, err
		}
		return metafile.Parse(data)
	}
	root, err := readRoot(read)
	if err != nil {
		return nil, err
	}
	_, snap, err := readPublished(read, root.ConsistentSnapshot)
	if err != nil {
		return nil, err
	}
	m := snap.Meta[role+".json"]
	if m == nil {
		return nil, fmt.Errorf("snapshot v%d does not list %s", snap.Version, role)
	}
	return read(versioned(root.ConsistentSnapshot, m.Version, role))
}

// ClaimsUpdate is a claims ceremony's output as the online server applies
// it.
type ClaimsUpdate struct {
	Dir string
	// Claimed is the new claimed, signed at the ceremony.
	Claimed *metafile.File
	// Accepted are the projects claimed now delegates, to drop from
	// recently-claimed.
	Accepted []string
	Online   keys.Signer
	Expires  time.Duration
	Now      time.Time
}

// ApplyClaims publishes a claims ceremony: claimed's new version,
// recently-claimed's next version without the accepted projects (signed
// online), snapshot and timestamp.
func ApplyClaims(c *ClaimsUpdate) error {
	rcFile, err := CurrentRole(c.Dir, plan.RoleRecentlyClaimed)
	if err != nil {
		return fmt.Errorf("recently-claimed: %w", err)
	}
	rc, err := rcFile.Targets()
	if err != nil {
		return fmt.Errorf("recently-claimed: %w", err)
	}
	drop := map[string]bool{}
	for _, p := range c.Accepted {
		drop[p] = true
	}
	if d := rc.Delegations; d != nil {
		var kept []metadata.DelegatedRole
		used := map[string]bool{}
		for _, r := range d.Roles {
			if drop[r.Name] {
				continue
			}
			kept = append(kept, r)
			for _, id := range r.KeyIDs {
				used[id] = true
			}
		}
		if d.SuccinctRoles != nil {
			for _, id := range d.SuccinctRoles.KeyIDs {
				used[id] = true
			}
		}
		for id := range d.Keys {
			if !used[id] {
				delete(d.Keys, id)
			}
		}
		d.Roles = kept
		if len(d.Roles) == 0 && d.SuccinctRoles == nil {
			rc.Delegations = nil // TUF wants roles or succinct_roles in it
		}
	}
	rc.Version++
	rc.Expires = onlineExpiry(c.Now, c.Expires)
	key, err := newOnlineKey(c.Online)
	if err != nil {
		return err
	}
	rcNew, err := key.sign(rc)
	if err != nil {
		return err
	}
	return (&Update{Dir: c.Dir, Roles: map[string]*metafile.File{plan.RoleClaimed: c.Claimed, plan.RoleRecentlyClaimed: rcNew},
		Online: c.Online, Expires: c.Expires, Now: c.Now}).Publish()
}

// ApplyBundle publishes a claims or project ceremony's bundle (checked
// already: audit.VerifyBundle) into the repository dir.
func ApplyBundle(dir, bundlePath string, online keys.Signer, now time.Time) error {
	b, err := bundle.Read(bundlePath, bundle.DefaultLimits())
	if err != nil {
		return err
	}
	defer b.Close()
	err = applyBundle(dir, bundlePath, b, online, now)
	if berr := b.Err(); berr != nil {
		// An entry could not be read again: that, not what followed, is
		// the cause.
		return berr
	}
	return err
}

func applyBundle(dir, bundlePath string, b *bundle.Bundle, online keys.Signer, now time.Time) error {
	var info struct {
		Kind     string            `json:"kind"`
		Partial  bool              `json:"partial"`
		Metadata map[string]string `json:"metadata"`
	}
	data, ok := b.Get("bundle-info.json")
	if !ok || json.Unmarshal(data, &info) != nil {
		return fmt.Errorf("%s: no readable bundle-info.json: not a ceremony bundle", bundlePath)
	}
	if info.Partial {
		return fmt.Errorf("%s is a partial bundle: never published", bundlePath)
	}
	if len(info.Metadata) != 1 {
		return fmt.Errorf("%s: a claims or project bundle signs one role, this one %d", bundlePath, len(info.Metadata))
	}
	var role, entry string
	for role, entry = range info.Metadata {
	}
	raw, ok := b.Get(entry)
	if !ok {
		return fmt.Errorf("%s: no %s", bundlePath, entry)
	}
	f, err := metafile.Parse(raw)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", bundlePath, entry, err)
	}
	switch info.Kind {
	case "claims":
		var accepted struct {
			Projects []struct {
				Project string `json:"project"`
			} `json:"projects"`
		}
		data, ok := b.Get("accepted-projects.json")
		if !ok || json.Unmarshal(data, &accepted) != nil {
			return fmt.Errorf("%s: no readable accepted-projects.json", bundlePath)
		}
		var projects []string
		for _, p := range accepted.Projects {
			projects = append(projects, p.Project)
		}
		return ApplyClaims(&ClaimsUpdate{Dir: dir, Claimed: f, Accepted: projects, Online: online, Now: now})
	case "project":
		files := map[string][]byte{}
		for _, e := range b.Manifest.Entries {
			if p, ok := strings.CutPrefix(e.Name, "targets/"); ok {
				files[p], _ = b.Get(e.Name)
			}
		}
		if err := b.Err(); err != nil {
			return err // nothing is published from a bundle read back wrong
		}
		return (&Update{Dir: dir, Roles: map[string]*metafile.File{role: f}, Files: files, Online: online, Now: now}).Publish()
	}
	return fmt.Errorf("%s is a %s bundle: ApplyBundle publishes claims and project bundles", bundlePath, info.Kind)
}
