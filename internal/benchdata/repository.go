package benchdata

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"path/filepath"
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
	snapshotFile, timestampFile, err := fx.snapshotAndTimestamp()
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
	return nil
}

// snapshotAndTimestamp are snapshot v1, listing targets v1 and claimed v1,
// and timestamp v1, listing snapshot v1, each signed by the admin key.
func (fx *Fixture) snapshotAndTimestamp() (snapshot, timestamp []byte, err error) {
	snap := &metadata.SnapshotType{Type: metadata.SNAPSHOT, SpecVersion: SpecVersion, Version: 1, Expires: Expires,
		Meta: map[string]*metadata.MetaFiles{"targets.json": {Version: 1}, "claimed.json": {Version: 1}}}
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
