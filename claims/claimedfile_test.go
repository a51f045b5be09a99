package claims

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

func writeMetadata(t *testing.T, path string, signed any) {
	t.Helper()
	f, err := metafile.FromSigned(signed)
	if err != nil {
		t.Fatal(err)
	}
	data, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestReadClaimed: the delegations read are those written, keys and
// roles alike.
func TestReadClaimed(t *testing.T) {
	a, b := newSigner(t, keys.TypeECDSAP256), newSigner(t, keys.TypeEd25519)
	role := claimedWith(t, map[string][]keys.Signer{"foo": {a}, "bar-baz": {a, b}})
	path := filepath.Join(t.TempDir(), "claimed.json")
	writeMetadata(t, path, role)
	got, err := ReadClaimed(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != role.Version || !got.Expires.Equal(role.Expires) || got.Type != "targets" {
		t.Errorf("header: %+v", got)
	}
	// The library's reading of the same file.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := metadata.Targets().FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &lib.Signed) {
		t.Errorf("claimed read:\n  got  %+v\n  go-tuf reads %+v", got, lib.Signed)
	}
	if len(got.Delegations.Roles) != 2 || got.Delegations.Roles[1].Name != role.Delegations.Roles[1].Name {
		t.Errorf("roles: got %+v, want %+v", got.Delegations.Roles, role.Delegations.Roles)
	}
	if len(got.Delegations.Keys) != 2 {
		t.Fatalf("%d keys, want 2", len(got.Delegations.Keys))
	}
	for id, k := range role.Delegations.Keys {
		if g := got.Delegations.Keys[id]; g == nil || !keys.SameKey(g, k) || !keys.IDMatches(id, g) {
			t.Errorf("key %s: %+v", id, g)
		}
	}

	root := filepath.Join(t.TempDir(), "root.json")
	writeMetadata(t, root, metadata.Root().Signed)
	if _, err := ReadClaimed(root); err == nil || !strings.Contains(err.Error(), `signed._type is "root"`) {
		t.Errorf("a root as claimed: %v", err)
	}
	junk := writeFile(t, t.TempDir(), "junk.json", []byte("[1,2]"))
	if _, err := ReadClaimed(junk); err == nil || !strings.Contains(err.Error(), "junk.json: not TUF metadata") {
		t.Errorf("junk as claimed: %v", err)
	}
}

// TestFindClaimed: a workspace's metadata/claimed.json, or the version a
// repository's snapshot names.
func TestFindClaimed(t *testing.T) {
	role := claimedWith(t, nil)
	ws := t.TempDir()
	writeMetadata(t, filepath.Join(ws, "metadata", "claimed.json"), role)
	if p, err := FindClaimed(ws); err != nil || p != filepath.Join(ws, "metadata", "claimed.json") {
		t.Errorf("workspace: %q, %v", p, err)
	}

	repo := t.TempDir()
	md := filepath.Join(repo, "metadata")
	ts := metadata.Timestamp(testNow.AddDate(0, 0, 1))
	ts.Signed.Meta["snapshot.json"] = &metadata.MetaFiles{Version: 7}
	writeMetadata(t, filepath.Join(md, "timestamp.json"), ts.Signed)
	snap := metadata.Snapshot(testNow.AddDate(0, 0, 1))
	snap.Signed.Version = 7
	snap.Signed.Meta["claimed.json"] = &metadata.MetaFiles{Version: 4}
	writeMetadata(t, filepath.Join(md, "7.snapshot.json"), snap.Signed)
	writeMetadata(t, filepath.Join(md, "3.claimed.json"), role)
	writeMetadata(t, filepath.Join(md, "4.claimed.json"), role)
	if p, err := FindClaimed(repo); err != nil || p != filepath.Join(md, "4.claimed.json") {
		t.Errorf("repository: %q, %v", p, err)
	}

	delete(snap.Signed.Meta, "claimed.json")
	pep458 := t.TempDir()
	writeMetadata(t, filepath.Join(pep458, "metadata", "timestamp.json"), ts.Signed)
	writeMetadata(t, filepath.Join(pep458, "metadata", "7.snapshot.json"), snap.Signed)
	if _, err := FindClaimed(pep458); err == nil || !strings.Contains(err.Error(), "no claimed role (is it pep480?)") {
		t.Errorf("a pep458 repository: %v", err)
	}
	if _, err := FindClaimed(t.TempDir()); err == nil || !strings.Contains(err.Error(), "neither metadata/claimed.json nor a timestamp") {
		t.Errorf("an empty directory: %v", err)
	}
}
