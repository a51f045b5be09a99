package source_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestRotateFromHostileRepository: a repository's delegations may name
// files outside it, and its files may be links: neither is followed.
func TestRotateFromHostileRepository(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	repo := filepath.Join(f.Dir, "repo", "metadata")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	root := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	if err := os.WriteFile(filepath.Join(repo, "1.root.json"), root, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ceremonytest.MetaPath(ws, "targets"), filepath.Join(repo, "targets.json")); err != nil {
		t.Fatal(err)
	}
	_, err := f.Rotate(rotate.Options{From: filepath.Join(f.Dir, "repo")})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a linked targets.json: %v", err)
	}
	// A delegation named "../../secret" is never read as a file.
	tf := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "targets"))
	tg, err := tf.Targets()
	if err != nil {
		t.Fatal(err)
	}
	tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{Name: "../../secret", KeyIDs: []string{f.ID("alice")}, Threshold: 1, Paths: []string{"x"}})
	mf, err := metafile.FromSigned(tg)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := mf.Marshal()
	os.Remove(filepath.Join(repo, "targets.json"))
	if err := os.WriteFile(filepath.Join(repo, "targets.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.Dir, "secret.json"), []byte("not metadata"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := f.Rotate(rotate.Options{From: filepath.Join(f.Dir, "repo"), Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err != nil {
		t.Fatalf("rotate from a repository naming ../../secret: %v", err)
	}
	if res.Plan.Source != filepath.Join(f.Dir, "repo") {
		t.Errorf("source %q", res.Plan.Source)
	}
}

// TestRotateFromForgedRoots: the roots a repository holds must make a
// chain: a renamed copy (7.root.json holding v1), a newer root signed only
// by itself, or a name with a huge version is refused, naming the file,
// and read in time bounded by the files there are.
func TestRotateFromForgedRoots(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	root := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	repoWith := func(name string, extra []byte) string {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "repo")
		meta := filepath.Join(dir, "metadata")
		if err := os.MkdirAll(meta, 0o755); err != nil {
			t.Fatal(err)
		}
		for n, data := range map[string][]byte{"1.root.json": root, name: extra} {
			if err := os.WriteFile(filepath.Join(meta, n), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	// v2, signed by alice alone: its own key, not root v1's threshold.
	r := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "root"))
	rt, err := r.Root()
	if err != nil {
		t.Fatal(err)
	}
	rt.Version = 2
	rt.Roles[metadata.ROOT].KeyIDs, rt.Roles[metadata.ROOT].Threshold = []string{f.ID("alice")}, 1
	sf, err := metafile.FromSigned(rt)
	if err != nil {
		t.Fatal(err)
	}
	ceremonytest.SignFile(t, sf, f.Signers["alice"])
	selfSigned, err := sf.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"7.root.json", root, "7.root.json: holds root v1: a root file's name and the version it holds must agree"},
		{"2.root.json", selfSigned, "2.root.json: root v2 is not signed by 3 of the keys previous root v1 lists"},
		{"9223372036854775807.root.json", root, "holds root v1"},
	} {
		_, err := f.Rotate(rotate.Options{From: repoWith(c.name, c.data), Keyholders: []string{ws}, Lost: []string{"erin"}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

// TestUnsignedSnapshotRefused: a snapshot whose signed bytes were changed
// after the online key signed them (here, naming another claimed version)
// is no source of versions: claims init from the repository refuses it,
// naming the file.
func TestUnsignedSnapshotRefused(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	repo := w.Publish(t)
	meta := filepath.Join(repo, "metadata")
	entries, err := os.ReadDir(meta)
	if err != nil {
		t.Fatal(err)
	}
	snapshot := ""
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".snapshot.json") {
			snapshot = filepath.Join(meta, e.Name())
		}
	}
	if snapshot == "" {
		t.Fatalf("the published repository has no versioned snapshot: %v", entries)
	}
	data := ceremonytest.ReadFile(t, snapshot)
	changed := strings.Replace(string(data), `"claimed.json":{"version":1}`, `"claimed.json":{"version":7}`, 1)
	if changed == string(data) {
		changed = strings.Replace(string(data), `"version": 1`, `"version": 7`, 1)
	}
	if changed == string(data) {
		t.Fatalf("no version to change in %s", snapshot)
	}
	if err := os.WriteFile(snapshot, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = claimed.Init(ceremonytest.Engine, claimed.Options{From: repo, ClaimsDir: w.ClaimsDir, Dir: w.WS("from-forged"), Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "snapshot is signed by 0 of the 1 keys") {
		t.Fatalf("claims init from a repository with a changed snapshot: %v", err)
	}
	if _, err := os.Stat(w.WS("from-forged")); !os.IsNotExist(err) {
		t.Errorf("a refused claims init wrote %s", w.WS("from-forged"))
	}
}
