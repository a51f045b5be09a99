package publish

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"path/filepath"
	"sort"
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

// PublishNext writes n into the repository n.Dir, which Write made.
// Versioned files are written new (never overwritten); root.json and
// timestamp.json are replaced atomically, timestamp last.
func PublishNext(n *Next) error {
	dir := filepath.Join(n.Dir, "metadata")
	read := func(name string) (*metafile.File, error) { return readMetadata(dir, name) }
	tsFile, err := read("timestamp.json")
	if err != nil {
		return err
	}
	ts, err := tsFile.Timestamp()
	if err != nil {
		return err
	}
	if ts.Meta["snapshot.json"] == nil {
		return fmt.Errorf("timestamp.json lists no snapshot.json")
	}
	snapVersion := ts.Meta["snapshot.json"].Version
	snapFile, err := read(fmt.Sprintf("%d.snapshot.json", snapVersion))
	if err != nil {
		return err
	}
	snap, err := snapFile.Snapshot()
	if err != nil {
		return err
	}
	content := snap
	if n.ContentFrom != 0 {
		f, err := read(fmt.Sprintf("%d.snapshot.json", n.ContentFrom))
		if err != nil {
			return fmt.Errorf("the last good snapshot: %w", err)
		}
		if content, err = f.Snapshot(); err != nil {
			return err
		}
	}
	versions := map[string]int64{metadata.SNAPSHOT: snapVersion}
	for name, m := range snap.Meta {
		if m == nil {
			return fmt.Errorf("snapshot v%d: meta[%q] is null", snap.Version, name)
		}
		versions[strings.TrimSuffix(name, ".json")] = m.Version
	}
	onlineID, err := keys.ID(n.Online.TUFKey())
	if err != nil {
		return err
	}
	expires := n.Expires
	if expires == 0 {
		expires = 24 * time.Hour
	}
	exp := n.Now.UTC().Truncate(time.Second).Add(expires)
	minVersion := func(role string) int64 {
		if v, ok := n.MinVersions[role]; ok {
			return v
		}
		if i := strings.LastIndex(role, "-"); i > 0 {
			return n.MinVersions[role[:i+1]+"*"]
		}
		return 0
	}
	// A version pushed up beyond 2^53 (by an attacker) is not counted
	// from: MinVersions says where to go on.
	next := func(role string) int64 {
		cur := versions[role]
		if cur >= int64(1)<<53 {
			cur = 0
		}
		return max(cur+1, minVersion(role))
	}

	// Which online roles: those whose delegator lists the online key.
	var newest *metadata.RootType
	if len(n.Roots) > 0 {
		if newest, err = n.Roots[len(n.Roots)-1].Root(); err != nil {
			return err
		}
	} else {
		f, err := read("root.json")
		if err != nil {
			return err
		}
		if newest, err = f.Root(); err != nil {
			return err
		}
	}
	writes := map[string][]byte{}
	for role, f := range n.Offline {
		h, err := f.Header()
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		data, err := f.Marshal()
		if err != nil {
			return err
		}
		writes[fmt.Sprintf("%d.%s.json", h.Version, role)] = data
		versions[role] = h.Version
	}
	targetsOf := func(role string, from *metadata.SnapshotType) (*metadata.TargetsType, error) {
		if f := n.Offline[role]; f != nil {
			return f.Targets()
		}
		m := from.Meta[role+".json"]
		if m == nil {
			return nil, fmt.Errorf("snapshot v%d does not list %s", from.Version, role)
		}
		f, err := read(fmt.Sprintf("%d.%s.json", m.Version, role))
		if err != nil {
			return nil, err
		}
		return f.Targets()
	}
	resignAll := len(n.Resign) == 1 && n.Resign[0] == "*"
	wanted := map[string]bool{}
	for _, r := range n.Resign {
		wanted[r] = true
	}
	// Walk the delegations from targets, signing online roles as asked.
	signed := map[string]*metadata.TargetsType{}
	sign := func(role string, t *metadata.TargetsType) error {
		t.Version, t.Expires = next(role), exp
		f, err := metafile.FromSigned(t)
		if err != nil {
			return fmt.Errorf("%s: %w", role, err)
		}
		msg, err := f.Canonical()
		if err != nil {
			return err
		}
		sig, err := keys.SignMessage(n.Online, msg)
		if err != nil {
			return fmt.Errorf("failed to sign %s online: %w", role, err)
		}
		f.AddSignature(onlineID, hex.EncodeToString(sig))
		data, err := f.Marshal()
		if err != nil {
			return err
		}
		writes[fmt.Sprintf("%d.%s.json", t.Version, role)] = data
		versions[role] = t.Version
		signed[role] = t
		return nil
	}
	listsOnline := func(ids []string) bool {
		for _, id := range ids {
			if id == onlineID {
				return true
			}
		}
		return false
	}
	type job struct {
		role string
		ids  []string
	}
	tr := newest.Roles[metadata.TARGETS]
	if tr == nil {
		return fmt.Errorf("the newest root has no targets role")
	}
	queue := []job{{metadata.TARGETS, tr.KeyIDs}}
	for len(queue) > 0 {
		j := queue[0]
		queue = queue[1:]
		t, err := targetsOf(j.role, content)
		if err != nil {
			return err
		}
		online := listsOnline(j.ids) && n.Offline[j.role] == nil
		changed := online && n.replaceOnline(t, onlineID)
		if online && (resignAll || wanted[j.role] || changed) {
			if err := sign(j.role, t); err != nil {
				return err
			}
		}
		d := t.Delegations
		if d == nil {
			continue
		}
		for _, dr := range d.Roles {
			queue = append(queue, job{dr.Name, dr.KeyIDs})
		}
		sr := d.SuccinctRoles
		if sr == nil || !listsOnline(sr.KeyIDs) {
			continue
		}
		bins := map[string]*metadata.TargetsType{}
		for _, t := range n.AddTargets {
			tf, err := metadata.TargetFile().FromBytes(t.Path, t.Data, "sha256")
			if err != nil {
				return fmt.Errorf("target %q: %w", t.Path, err)
			}
			for _, r := range sr.GetRolesForTarget(t.Path) {
				b := bins[r.Name]
				if b == nil {
					if b, err = targetsOf(r.Name, content); err != nil {
						return err
					}
					bins[r.Name] = b
				}
				b.Targets[t.Path] = tf
			}
		}
		for _, name := range sr.GetRoles() {
			b := bins[name]
			if b == nil && !(resignAll || wanted[profiles.BinsPrefix+"-*"] || wanted[name]) {
				continue
			}
			if b == nil {
				if b, err = targetsOf(name, content); err != nil {
					return err
				}
			}
			if err := sign(name, b); err != nil {
				return err
			}
		}
	}

	// Snapshot lists every role at its version now, timestamp points at it.
	sn := &metadata.SnapshotType{Type: metadata.SNAPSHOT, SpecVersion: profiles.SpecVersion, Version: next(metadata.SNAPSHOT),
		Expires: exp, Meta: map[string]*metadata.MetaFiles{}}
	for role, v := range versions {
		if role == metadata.SNAPSHOT || role == metadata.TIMESTAMP {
			continue
		}
		sn.Meta[role+".json"] = metadata.MetaFile(v)
	}
	snFile, err := n.signOnline(onlineID, sn)
	if err != nil {
		return err
	}
	snBytes, err := snFile.Marshal()
	if err != nil {
		return err
	}
	writes[fmt.Sprintf("%d.snapshot.json", sn.Version)] = snBytes
	sum := sha256.Sum256(snBytes)
	meta := metadata.MetaFile(sn.Version)
	meta.Length = int64(len(snBytes))
	meta.Hashes = metadata.Hashes{"sha256": sum[:]}
	tsVersion := ts.Version + 1
	if ts.Version >= int64(1)<<53 {
		tsVersion = 1
	}
	tsNew := &metadata.TimestampType{Type: metadata.TIMESTAMP, SpecVersion: profiles.SpecVersion,
		Version: max(tsVersion, minVersion(metadata.TIMESTAMP)), Expires: exp,
		Meta: map[string]*metadata.MetaFiles{"snapshot.json": meta}}
	tsOut, err := n.signOnline(onlineID, tsNew)
	if err != nil {
		return err
	}
	tsBytes, err := tsOut.Marshal()
	if err != nil {
		return err
	}

	// Write: delegated and offline roles, roots, snapshot, timestamp last.
	names := make([]string, 0, len(writes))
	for name := range writes {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasSuffix(name, ".snapshot.json") {
			continue
		}
		if err := atomicfile.WriteNew(filepath.Join(dir, name), writes[name], 0o644); err != nil {
			return err
		}
	}
	for i, f := range n.Roots {
		b, err := f.Marshal()
		if err != nil {
			return err
		}
		h, err := f.Header()
		if err != nil {
			return err
		}
		if err := atomicfile.WriteNew(filepath.Join(dir, fmt.Sprintf("%d.root.json", h.Version)), b, 0o644); err != nil {
			return err
		}
		if i == len(n.Roots)-1 {
			if err := atomicfile.Replace(filepath.Join(dir, "root.json"), b, 0o644); err != nil {
				return err
			}
		}
	}
	if err := atomicfile.WriteNew(filepath.Join(dir, fmt.Sprintf("%d.snapshot.json", sn.Version)), snBytes, 0o644); err != nil {
		return err
	}
	for _, t := range n.AddTargets {
		s := sha256.Sum256(t.Data)
		name := path.Join(path.Dir(t.Path), hex.EncodeToString(s[:])+"."+path.Base(t.Path))
		full := filepath.Join(n.Dir, "targets", filepath.FromSlash(name))
		if err := atomicfile.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := atomicfile.WriteNew(full, t.Data, 0o644); err != nil {
			return err
		}
	}
	return atomicfile.Replace(filepath.Join(dir, "timestamp.json"), tsBytes, 0o644)
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

func (n *Next) signOnline(onlineID string, v any) (*metafile.File, error) {
	f, err := metafile.FromSigned(v)
	if err != nil {
		return nil, err
	}
	msg, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	sig, err := keys.SignMessage(n.Online, msg)
	if err != nil {
		return nil, fmt.Errorf("failed to sign online: %w", err)
	}
	f.AddSignature(onlineID, hex.EncodeToString(sig))
	return f, nil
}
