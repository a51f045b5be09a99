package benchdata

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	pathpkg "path"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// What a claims ceremony starts from: a PEP 480 repository's metadata in
// force, and a directory of maintainers' claim requests.

// Repository file names WriteRepository writes under DIR/metadata.
const (
	RootFile      = "1.root.json"
	TargetsFile   = "1.targets.json"
	ClaimedFile   = "1.claimed.json"
	SnapshotFile  = "1.snapshot.json"
	TimestampFile = "timestamp.json"
)

// Root is the `signed` part of a root role that gives each top-level role
// to admin alone, threshold 1, with consistent snapshots.
func Root(admin *metadata.Key) (*metadata.RootType, error) {
	id, err := keys.ID(admin)
	if err != nil {
		return nil, err
	}
	root := &metadata.RootType{Type: metadata.ROOT, SpecVersion: SpecVersion, Version: 1, Expires: Expires, ConsistentSnapshot: true,
		Keys: map[string]*metadata.Key{id: keys.Copy(admin)}, Roles: map[string]*metadata.Role{}}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		root.Roles[role] = &metadata.Role{KeyIDs: []string{id}, Threshold: 1}
	}
	return root, nil
}

// WriteRepository writes the fixture as the metadata a claims ceremony
// reads from a repository directory: dir/metadata/1.root.json (Root of
// the admin key), 1.targets.json (Top), 1.claimed.json (File), and the
// 1.snapshot.json and timestamp.json that list them, each signed by the
// admin key, so that the repository verifies as a client would verify it.
// An existing file is not overwritten: that is an error.
func (fx *Fixture) WriteRepository(dir string) error {
	return fx.writeRepository(dir, nil)
}

// roleFile is one more metadata file for the repository, listed in its
// snapshot.
type roleFile struct {
	role    string
	version int64
	data    []byte
}

func (fx *Fixture) writeRepository(dir string, more []roleFile) error {
	root, err := Root(fx.Admin.TUFKey())
	if err != nil {
		return err
	}
	rootFile, err := fx.signAsAdmin(root)
	if err != nil {
		return fmt.Errorf("failed to sign root: %w", err)
	}
	topFile, err := fx.signAsAdmin(fx.Top)
	if err != nil {
		return fmt.Errorf("failed to sign targets: %w", err)
	}
	snapshotFile, timestampFile, err := fx.snapshotAndTimestamp(more)
	if err != nil {
		return err
	}
	md := filepath.Join(dir, "metadata")
	if err := atomicfile.MkdirAll(md, 0o755); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{RootFile, rootFile}, {TargetsFile, topFile}, {ClaimedFile, fx.File}, {SnapshotFile, snapshotFile}, {TimestampFile, timestampFile}} {
		if err := atomicfile.WriteNew(filepath.Join(md, f.name), f.data, 0o644); err != nil {
			return err
		}
	}
	for _, f := range more {
		if err := atomicfile.WriteNew(filepath.Join(md, fmt.Sprintf("%d.%s.json", f.version, f.role)), f.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// snapshotAndTimestamp are snapshot v1, listing targets v1, claimed v1 and
// the more roles, and timestamp v1, listing snapshot v1, each signed by
// the admin key. Snapshot gives claimed's length and the more roles':
// without it go-tuf's updater fetches at most 5 MB of a targets role
// (TargetsMaxLength), and claimed at PyPI's scale is 77 MB.
func (fx *Fixture) snapshotAndTimestamp(more []roleFile) (snapshot, timestamp []byte, err error) {
	snap := &metadata.SnapshotType{Type: metadata.SNAPSHOT, SpecVersion: SpecVersion, Version: 1, Expires: Expires,
		Meta: map[string]*metadata.MetaFiles{"targets.json": {Version: 1}, "claimed.json": {Version: 1, Length: int64(len(fx.File))}}}
	for _, f := range more {
		snap.Meta[f.role+".json"] = &metadata.MetaFiles{Version: f.version, Length: int64(len(f.data))}
	}
	if snapshot, err = fx.signAsAdmin(snap); err != nil {
		return nil, nil, fmt.Errorf("failed to sign snapshot: %w", err)
	}
	ts := &metadata.TimestampType{Type: metadata.TIMESTAMP, SpecVersion: SpecVersion, Version: 1, Expires: Expires,
		Meta: map[string]*metadata.MetaFiles{"snapshot.json": {Version: 1}}}
	if timestamp, err = fx.signAsAdmin(ts); err != nil {
		return nil, nil, fmt.Errorf("failed to sign timestamp: %w", err)
	}
	return snapshot, timestamp, nil
}

// signAsAdmin is the metadata file of signed, signed by the admin key.
func (fx *Fixture) signAsAdmin(signed any) ([]byte, error) {
	f, err := metafile.FromSigned(signed)
	if err != nil {
		return nil, err
	}
	msg, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	sig, err := keys.SignMessage(fx.Admin, msg)
	if err != nil {
		return nil, err
	}
	f.AddSignature(fx.AdminID, hex.EncodeToString(sig))
	return f.Marshal()
}

// RequestProject is the name of new project i, one that Claimed does not
// delegate: "newproject-000123".
func RequestProject(i int) string { return fmt.Sprintf("newproject-%06d", i) }

// RequestKey is the maintainer key of new project i.
func RequestKey(i int) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seed(fmt.Sprintf("%s/key-0", RequestProject(i))))
}

// RequestFile is the file name WriteRequests gives new project i's request.
func RequestFile(i int) string { return RequestProject(i) + ".claim.json" }

// WriteRequests writes n claim requests into dir (created if need be), as
// 'ceremony claim' makes them: new project i (RequestProject), its one
// Ed25519 key (RequestKey), threshold 1, signed at date, in RequestFile(i).
// Existing files are not overwritten.
func WriteRequests(dir string, n int, date time.Time) error {
	if err := atomicfile.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		s, err := keys.NewSoftwareSigner("benchdata:"+RequestProject(i), RequestKey(i))
		if err != nil {
			return err
		}
		req, err := claims.MakeRequest(RequestProject(i), []keys.Signer{s}, 1, date, nil)
		if err != nil {
			return fmt.Errorf("claim request for %s: %w", RequestProject(i), err)
		}
		if err := atomicfile.WriteNew(filepath.Join(dir, RequestFile(i)), req, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// WriteWithProject is WriteRepository with what a client needs to fetch
// one file of project i through claimed: the project's own targets role
// (1.project-NNNNNN.json, signed by its first maintainer key, listing the
// file), listed in the snapshot, and the file under targets/, named by its
// SHA-256 (consistent snapshots). It returns the file's target path.
func (fx *Fixture) WriteWithProject(dir string, i int) (string, error) {
	content := []byte(fmt.Sprintf("the sdist of %s\n", ProjectName(i)))
	sum := sha256.Sum256(content)
	path := fmt.Sprintf("packages/%x/%x/%x/%s-1.0.tar.gz", sum[:1], sum[1:2], sum[2:16], strings.ReplaceAll(ProjectName(i), "-", "_"))
	role := &metadata.TargetsType{Type: metadata.TARGETS, SpecVersion: SpecVersion, Version: 1, Expires: Expires,
		Targets: map[string]*metadata.TargetFiles{path: {Length: int64(len(content)), Hashes: metadata.Hashes{"sha256": sum[:]}}}}
	signer, err := keys.NewSoftwareSigner("benchdata:"+ProjectName(i), ProjectKey(i, 0))
	if err != nil {
		return "", err
	}
	f, err := metafile.FromSigned(role)
	if err != nil {
		return "", err
	}
	msg, err := f.Canonical()
	if err != nil {
		return "", err
	}
	sig, err := keys.SignMessage(signer, msg)
	if err != nil {
		return "", err
	}
	id, err := keys.ID(signer.TUFKey())
	if err != nil {
		return "", err
	}
	f.AddSignature(id, hex.EncodeToString(sig))
	data, err := f.Marshal()
	if err != nil {
		return "", err
	}
	if err := fx.writeRepository(dir, []roleFile{{role: ProjectName(i), version: 1, data: data}}); err != nil {
		return "", err
	}
	target := filepath.Join(dir, "targets", filepath.FromSlash(pathpkg.Dir(path)), hex.EncodeToString(sum[:])+"."+pathpkg.Base(path))
	if err := atomicfile.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return "", err
	}
	return path, atomicfile.WriteNew(target, content, 0o644)
}
