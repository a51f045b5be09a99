package source_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

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
