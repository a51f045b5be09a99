package source_test

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
)

// TestRotateFromHostileRepository: a repository's delegations may name
// files outside it, and its files may be links: neither is followed.
func TestRotateFromHostileRepository(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	repo := ceremonytest.PublishWorkspace(t, f, ws, "linked", nil)
	targets := filepath.Join(repo, "metadata", "1.targets.json")
	if err := os.Remove(targets); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(ceremonytest.MetaPath(ws, "targets"), targets); err != nil {
		t.Fatal(err)
	}
	_, err := f.Rotate(rotate.Options{From: repo})
	if err == nil || !strings.Contains(err.Error(), "metadata/1.targets.json: targets: ") || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("a linked targets.json: %v", err)
	}
	// A delegation named "../../secret", signed by targets' keys, is
	// never read as a file: the repository is refused, naming it.
	repo = ceremonytest.PublishWorkspace(t, f, ws, "secret", func(r *publish.Repository) {
		tg, err := r.Offline["targets"].Targets()
		if err != nil {
			t.Fatal(err)
		}
		tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{Name: "../../secret", KeyIDs: []string{f.ID("alice")}, Threshold: 1, Paths: []string{"x"}})
		mf, err := metafile.FromSigned(tg)
		if err != nil {
			t.Fatal(err)
		}
		ceremonytest.SignFile(t, mf, f.Signers["alice"])
		ceremonytest.SignFile(t, mf, f.Signers["bob"])
		r.Offline["targets"] = mf
	})
	if err := os.WriteFile(filepath.Join(f.Dir, "secret.json"), []byte("not metadata"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = f.Rotate(rotate.Options{From: repo, Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err == nil || !strings.Contains(err.Error(), "metadata/1.targets.json: ../../secret: delegated by targets v1, refused and never opened") {
		t.Fatalf("rotate from a repository naming ../../secret: %v", err)
	}
}

// TestRotateFromForgedRoots: the roots a repository holds must make a
// chain: a renamed copy (7.root.json holding v1), a newer root signed only
// by itself, or a name with a huge version is refused, naming the file,
// and read in time bounded by the files there are.
func TestRotateFromForgedRoots(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	root := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	n := 0
	repoWith := func(name string, extra []byte) string {
		t.Helper()
		n++
		dir := ceremonytest.PublishWorkspace(t, f, ws, fmt.Sprintf("repo%d", n), nil)
		if err := os.WriteFile(filepath.Join(dir, "metadata", name), extra, 0o644); err != nil {
			t.Fatal(err)
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
		{"7.root.json", root, "metadata/7.root.json: root: root v7 cannot be reached: metadata/2.root.json is missing"},
		{"2.root.json", selfSigned, "metadata/2.root.json: root: 3 of 5 required signatures from previous root v1, have 1"},
		{"9223372036854775807.root.json", root, "holds root v1"},
	} {
		_, err := f.Rotate(rotate.Options{From: repoWith(c.name, c.data), Keyholders: []string{ws}, Lost: []string{"erin"}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Without its first root, a repository's chain has no start: the
	// operator names the root they trust.
	bare := repoWith("README", []byte("a repository"))
	if err := os.Remove(filepath.Join(bare, "metadata", "1.root.json")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Rotate(rotate.Options{From: bare, Keyholders: []string{ws}, Lost: []string{"erin"}}); err == nil ||
		!strings.Contains(err.Error(), "holds no 1.root.json to start the root chain from: give your own copy of a root in force") {
		t.Errorf("a repository without 1.root.json: %v", err)
	}
	// A 1.root.json replaced by one that gives root to alice alone, signed
	// by her: it is signed by its own threshold, so only the operator's
	// own copy of root v1 tells it is not theirs.
	rt.Version = 1
	forged, err := metafile.FromSigned(rt)
	if err != nil {
		t.Fatal(err)
	}
	ceremonytest.SignFile(t, forged, f.Signers["alice"])
	forgedData, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	repo := repoWith("1.root.json", forgedData)
	_, err = f.Rotate(rotate.Options{From: repo, TrustedRoot: ceremonytest.MetaPath(ws, "root"), Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err == nil || !strings.Contains(err.Error(), "metadata/1.root.json: root: differs from the trusted root") {
		t.Errorf("a forged 1.root.json, against the operator's own root v1: %v", err)
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
	if err == nil || !strings.Contains(err.Error(), "does not verify as a client would verify it: metadata/1.snapshot.json: snapshot: sha256 is ") {
		t.Fatalf("claims init from a repository with a changed snapshot: %v", err)
	}
	if _, err := os.Stat(w.WS("from-forged")); !os.IsNotExist(err) {
		t.Errorf("a refused claims init wrote %s", w.WS("from-forged"))
	}
}

// TestUnsignedChangesRefused: a delegation (an attacker's key for every
// package) added to claimed, or a target added to targets, without their
// keys signing again, is refused by claims init and rotate alike, naming
// the file; nothing is written.
func TestUnsignedChangesRefused(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	mallory := w.NewKey("mallory", keys.TypeEd25519)
	malloryID, err := keys.ID(mallory.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, role, want string
		edit             func(*metadata.TargetsType)
	}{
		{"delegation", plan.RoleClaimed, "metadata/1.claimed.json: claimed: ", func(tg *metadata.TargetsType) {
			tg.Delegations.Keys[malloryID] = mallory.TUFKey()
			tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{Name: "everything", KeyIDs: []string{malloryID},
				Threshold: 1, Terminating: true, Paths: []string{"packages/*/*/*/*"}})
		}},
		{"target", metadata.TARGETS, "metadata/1.targets.json: targets: ", func(tg *metadata.TargetsType) {
			tg.Targets["packages/ab/cd/0123/evil-1.0.tar.gz"] = &metadata.TargetFiles{Length: 1, Hashes: metadata.Hashes{"sha256": make([]byte, 32)}}
		}},
	} {
		repo := ceremonytest.PublishWorkspace(t, w.Fixture, w.Boot, "repo-"+c.name, func(r *publish.Repository) {
			old := r.Offline[c.role]
			tg, err := old.Targets()
			if err != nil {
				t.Fatal(err)
			}
			if tg.Delegations == nil {
				tg.Delegations = &metadata.Delegations{}
			}
			if tg.Delegations.Keys == nil {
				tg.Delegations.Keys = map[string]*metadata.Key{}
			}
			c.edit(tg)
			changed, err := metafile.FromSigned(tg)
			if err != nil {
				t.Fatal(err)
			}
			changed.Signatures = old.Signatures
			r.Offline[c.role] = changed
		})
		_, err := claimed.Init(ceremonytest.Engine, claimed.Options{From: repo, ClaimsDir: w.ClaimsDir, Dir: w.WS("claims-" + c.name), Now: ceremonytest.Now})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "does not verify as a client would") {
			t.Errorf("claims init from a repository with an unsigned %s: %v", c.name, err)
		}
		_, err = w.Rotate(rotate.Options{From: repo, Keyholders: []string{w.Boot}, Lost: []string{"erin"}, Dir: w.WS("rotate-" + c.name)})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "does not verify as a client would") {
			t.Errorf("rotate from a repository with an unsigned %s: %v", c.name, err)
		}
		for _, ws := range []string{"claims-" + c.name, "rotate-" + c.name} {
			if _, err := os.Stat(w.WS(ws)); !os.IsNotExist(err) {
				t.Errorf("a refused start wrote %s", ws)
			}
		}
	}
}

// TestRotateManyKeys: a root listing 5,000 keys (unused by any role) is
// read, named and planned from without a pass over every pair of keys.
func TestRotateManyKeys(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	repo := ceremonytest.PublishWorkspace(t, f, ws, "repo", func(r *publish.Repository) {
		rt, err := r.Roots[0].Root()
		if err != nil {
			t.Fatal(err)
		}
		rt.Version = 2
		for i := 0; i < 5000; i++ {
			pub, _, err := ed25519.GenerateKey(nil)
			if err != nil {
				t.Fatal(err)
			}
			k, err := metadata.KeyFromPublicKey(pub)
			if err != nil {
				t.Fatal(err)
			}
			id, err := keys.ID(k)
			if err != nil {
				t.Fatal(err)
			}
			rt.Keys[id] = k
		}
		v2, err := metafile.FromSigned(rt)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"alice", "bob", "carol", "dave"} {
			ceremonytest.SignFile(t, v2, f.Signers[name])
		}
		r.Roots = append(r.Roots, v2)
	})
	res, err := f.Rotate(rotate.Options{From: repo, Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err != nil {
		t.Fatalf("rotate from a root of 5,000 keys: %v", err)
	}
	if a := res.Plan.Affected; len(a) != 1 || a[0].Holder != "erin" {
		t.Errorf("affected %+v, want erin's key alone", a)
	}
}

// TestRepositoryBinsAndTargetFiles: a hash bin targets delegates, changed
// after the online key signed it, refuses the repository (a ceremony
// re-delegates the bins); a target file that differs from its metadata
// does not (a ceremony neither reads nor serves target files).
func TestRepositoryBinsAndTargetFiles(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	withTarget := func(r *publish.Repository) {
		r.Targets = []publish.Target{{Path: "packages/ab/cd/demo-1.0.tar.gz", Data: []byte("demo 1.0\n")}}
	}
	repo := ceremonytest.PublishWorkspace(t, f, ws, "bins", withTarget)
	meta := filepath.Join(repo, "metadata")
	entries, err := os.ReadDir(meta)
	if err != nil {
		t.Fatal(err)
	}
	bin := ""
	for _, e := range entries {
		if strings.Contains(e.Name(), ".bins-") || strings.Contains(e.Name(), ".bin-") {
			bin = filepath.Join(meta, e.Name())
			break
		}
	}
	if bin == "" {
		t.Fatalf("the published pep458 repository has no bin: %v", entries)
	}
	data := ceremonytest.ReadFile(t, bin)
	if err := os.WriteFile(bin, bytes.Replace(data, []byte(`"expires": "2`), []byte(`"expires": "3`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = f.Rotate(rotate.Options{From: repo, Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err == nil || !strings.Contains(err.Error(), "does not verify as a client would verify it: metadata/"+filepath.Base(bin)) {
		t.Errorf("a changed hash bin: %v", err)
	}

	repo = ceremonytest.PublishWorkspace(t, f, ws, "stale-target", withTarget)
	var file string
	if err := filepath.WalkDir(filepath.Join(repo, "targets"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			file = p
		}
		return err
	}); err != nil || file == "" {
		t.Fatalf("no target file published: %v", err)
	}
	if err := os.WriteFile(file, []byte("something else\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Rotate(rotate.Options{From: repo, Keyholders: []string{ws}, Lost: []string{"erin"}}); err != nil {
		t.Errorf("a target file that differs from its metadata: %v", err)
	}
}
