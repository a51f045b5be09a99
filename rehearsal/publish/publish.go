// Package publish lays signed metadata out as a TUF repository serves it
// and, for rehearsals and tests, plays the online server's part: it makes
// and signs the online roles (timestamp, snapshot, hash bins, and the
// profile's other online roles) with a throwaway online key.
//
// Layout (consistent snapshots on, as the profiles use by default):
//
//	DIR/metadata/1.root.json ... N.root.json, root.json (= N)
//	DIR/metadata/timestamp.json
//	DIR/metadata/V.snapshot.json, V.targets.json, V.<delegated role>.json
//	DIR/targets/<path dir>/<sha256>.<basename>
//
// Without consistent snapshots the version prefixes are left out and
// targets sit at DIR/targets/<path>. Nothing is overwritten: every file is
// written with atomicfile.WriteNew.
//
// After that, (*Next).Publish (next.go) publishes a ceremony's new root and
// offline roles; ApplyClaims and ApplyBundle (claims.go) a PEP 480 claims
// or project ceremony's bundle; (*Update).Publish any delegated roles and
// target files, with a new snapshot and timestamp.
package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
)

// Target is a file the repository serves.
type Target struct {
	// Path is the target path clients ask for ("packages/demo-1.0.tar.gz").
	Path string
	Data []byte
}

// Repository is what to publish.
type Repository struct {
	Dir string
	// Roots are every root version from 1 to the newest, fully signed.
	Roots []*metafile.File
	// Offline holds the signed offline roles other than root (targets,
	// claimed), by role name.
	Offline map[string]*metafile.File
	// Plan gives the profile, bin count and online expiry periods.
	Plan *plan.Plan
	// Online signs every online role.
	Online  keys.Signer
	Targets []Target
	Now     time.Time
}

type out struct {
	r          *Repository
	consistent bool
	onlineID   string
	files      map[string]*metafile.File // role -> signed metadata
	versions   map[string]int64
	order      []string
}

// Write publishes r into r.Dir, which must not exist or be empty.
func Write(r *Repository) error {
	if len(r.Roots) == 0 {
		return fmt.Errorf("no root metadata to publish")
	}
	if entries, err := os.ReadDir(r.Dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("repository directory %q is not empty: choose a new one (outputs are never overwritten)", r.Dir)
	}
	root, err := r.Roots[len(r.Roots)-1].Root()
	if err != nil {
		return fmt.Errorf("newest root: %w", err)
	}
	onlineID, err := keys.ID(r.Online.TUFKey())
	if err != nil {
		return err
	}
	o := &out{r: r, consistent: root.ConsistentSnapshot, onlineID: onlineID,
		files: map[string]*metafile.File{}, versions: map[string]int64{}}
	for role, f := range r.Offline {
		h, err := f.Header()
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		o.files[role] = f
		o.versions[role] = h.Version
	}
	if err := o.onlineTargets(); err != nil {
		return err
	}
	if err := atomicfile.MkdirAll(filepath.Join(r.Dir, "metadata"), 0o755); err != nil {
		return err
	}
	if err := atomicfile.MkdirAll(filepath.Join(r.Dir, "targets"), 0o755); err != nil {
		return err
	}
	for i, f := range r.Roots {
		b, err := f.Marshal()
		if err != nil {
			return err
		}
		if err := o.write(fmt.Sprintf("%d.root.json", i+1), b); err != nil {
			return err
		}
		if i == len(r.Roots)-1 {
			if err := o.write("root.json", b); err != nil {
				return err
			}
		}
	}
	for _, role := range o.order {
		if err := o.writeRole(role, o.files[role]); err != nil {
			return err
		}
	}
	snap, err := o.snapshot()
	if err != nil {
		return err
	}
	snapBytes, err := snap.Marshal()
	if err != nil {
		return err
	}
	if err := o.writeRole(metadata.SNAPSHOT, snap); err != nil {
		return err
	}
	ts, err := o.timestamp(snapBytes)
	if err != nil {
		return err
	}
	tsBytes, err := ts.Marshal()
	if err != nil {
		return err
	}
	if err := o.write("timestamp.json", tsBytes); err != nil {
		return err
	}
	return o.writeTargets()
}

// onlineTargets makes the online targets roles of the profile and puts each
// target in its hash bin.
func (o *out) onlineTargets() error {
	p, now := o.r.Plan, o.r.Now
	targetsFiles := map[string]*metadata.TargetFiles{}
	for _, t := range o.r.Targets {
		tf, err := metadata.TargetFile().FromBytes(t.Path, t.Data, "sha256")
		if err != nil {
			return fmt.Errorf("target %q: %w", t.Path, err)
		}
		targetsFiles[t.Path] = tf
	}
	binsDelegation := profiles.BinsDelegation(p)
	switch p.Profile {
	case plan.ProfileRSTUF:
		t := emptyTargets(1, profiles.Expiry(now, p.Roles.Targets.ExpiresDays))
		t.Delegations = binsDelegation
		if err := o.sign(metadata.TARGETS, t); err != nil {
			return err
		}
	case plan.ProfilePEP458:
		o.order = append(o.order, metadata.TARGETS)
	case plan.ProfilePEP480:
		o.order = append(o.order, metadata.TARGETS, plan.RoleClaimed)
		if err := o.sign(plan.RoleRecentlyClaimed, emptyTargets(1, profiles.Expiry(now, p.Roles.RecentlyClaimed.ExpiresDays))); err != nil {
			return err
		}
		u := emptyTargets(1, profiles.Expiry(now, p.Roles.Unclaimed.ExpiresDays))
		u.Delegations = binsDelegation
		if err := o.sign(plan.RoleUnclaimed, u); err != nil {
			return err
		}
	}
	succinct := binsDelegation.SuccinctRoles
	bins := map[string]*metadata.TargetsType{}
	for _, name := range succinct.GetRoles() {
		bins[name] = emptyTargets(1, profiles.Expiry(now, p.Roles.Bins.ExpiresDays))
	}
	for targetPath, tf := range targetsFiles {
		roles := succinct.GetRolesForTarget(targetPath)
		if len(roles) != 1 {
			return fmt.Errorf("target %q falls in %d bins, want 1", targetPath, len(roles))
		}
		bins[roles[0].Name].Targets[targetPath] = tf
	}
	for _, name := range succinct.GetRoles() {
		if err := o.sign(name, bins[name]); err != nil {
			return err
		}
	}
	return nil
}

func emptyTargets(version int64, expires time.Time) *metadata.TargetsType {
	return &metadata.TargetsType{Type: metadata.TARGETS, SpecVersion: profiles.SpecVersion, Version: version,
		Expires: expires, Targets: map[string]*metadata.TargetFiles{}}
}

// sign makes role's metadata from v and signs it with the online key.
func (o *out) sign(role string, v any) error {
	f, err := metafile.FromSigned(v)
	if err != nil {
		return fmt.Errorf("%s: %w", role, err)
	}
	msg, err := f.Canonical()
	if err != nil {
		return err
	}
	sig, err := keys.SignMessage(o.r.Online, msg)
	if err != nil {
		return fmt.Errorf("failed to sign %s online: %w", role, err)
	}
	f.AddSignature(o.onlineID, hex.EncodeToString(sig))
	h, err := f.Header()
	if err != nil {
		return err
	}
	o.files[role] = f
	o.versions[role] = h.Version
	o.order = append(o.order, role)
	return nil
}

func (o *out) snapshot() (*metafile.File, error) {
	s := &metadata.SnapshotType{Type: metadata.SNAPSHOT, SpecVersion: profiles.SpecVersion, Version: 1,
		Expires: profiles.Expiry(o.r.Now, o.r.Plan.Roles.Snapshot.ExpiresDays), Meta: map[string]*metadata.MetaFiles{}}
	for role, v := range o.versions {
		s.Meta[role+".json"] = metadata.MetaFile(v)
	}
	if err := o.sign(metadata.SNAPSHOT, s); err != nil {
		return nil, err
	}
	o.order = o.order[:len(o.order)-1] // written by Write itself
	return o.files[metadata.SNAPSHOT], nil
}

func (o *out) timestamp(snapshot []byte) (*metafile.File, error) {
	sum := sha256.Sum256(snapshot)
	meta := metadata.MetaFile(1)
	meta.Length = int64(len(snapshot))
	meta.Hashes = metadata.Hashes{"sha256": sum[:]}
	t := &metadata.TimestampType{Type: metadata.TIMESTAMP, SpecVersion: profiles.SpecVersion, Version: 1,
		Expires: profiles.Expiry(o.r.Now, o.r.Plan.Roles.Timestamp.ExpiresDays),
		Meta:    map[string]*metadata.MetaFiles{"snapshot.json": meta}}
	if err := o.sign(metadata.TIMESTAMP, t); err != nil {
		return nil, err
	}
	o.order = o.order[:len(o.order)-1]
	return o.files[metadata.TIMESTAMP], nil
}

func (o *out) writeRole(role string, f *metafile.File) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	name := role + ".json"
	if o.consistent {
		name = fmt.Sprintf("%d.%s", o.versions[role], name)
	}
	return o.write(name, b)
}

func (o *out) write(name string, data []byte) error {
	return atomicfile.WriteNew(filepath.Join(o.r.Dir, "metadata", name), data, 0o644)
}

func (o *out) writeTargets() error {
	sorted := append([]Target(nil), o.r.Targets...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	for _, t := range sorted {
		name := t.Path
		if o.consistent {
			sum := sha256.Sum256(t.Data)
			name = path.Join(path.Dir(t.Path), hex.EncodeToString(sum[:])+"."+path.Base(t.Path))
		}
		full := filepath.Join(o.r.Dir, "targets", filepath.FromSlash(name))
		if err := atomicfile.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteNew(full, t.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
