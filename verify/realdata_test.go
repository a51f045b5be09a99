package verify

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// Metadata made by other tools, copied byte for byte into testdata/ (see
// SOURCES.md there).
const pythonTUF = "../testdata/python-tuf/repository_data"

func testdataDir(t *testing.T, rel string) string {
	t.Helper()
	dir := filepath.Join(pythonTUF, rel)
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
	}
	return dir
}

// copyTree copies dir into a fresh temporary directory.
func copyTree(t *testing.T, dir string) string {
	t.Helper()
	out := t.TempDir()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(out, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// python-tuf's test repository: root signed with RSA-PSS, the other roles
// with Ed25519, spec_version 1.0.0, no consistent snapshots, key IDs
// computed over the whole key including keyid_hash_algorithms, every role
// expiring 2030-01-01T00:00:00Z.
func TestPythonTUFRepository(t *testing.T) {
	dir := testdataDir(t, "repository")
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	r, err := Repository(dir, Options{At: at})
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || len(r.Findings) != 0 {
		t.Fatalf("want no findings:\n%s", findingsText(r))
	}
	var got []string
	for _, s := range r.Roles {
		if !s.Met() || s.Version != 1 || !s.Expires.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: %+v", s.Role, s)
		}
		got = append(got, s.Role+" "+s.File)
	}
	want := []string{
		"root metadata/1.root.json", "timestamp metadata/timestamp.json", "snapshot metadata/snapshot.json",
		"targets metadata/targets.json", "role1 metadata/role1.json", "role2 metadata/role2.json",
	}
	if !slices.Equal(got, want) {
		t.Errorf("roles read:\n%q\nwant\n%q", got, want)
	}
	if s, _ := roleState(r, "role2"); s.Delegator != "role1 v1" {
		t.Errorf("role2 delegated by %q, want role1 v1", s.Delegator)
	}

	// At the expiry instant every role has expired, and nothing else is
	// wrong.
	r, err = Repository(dir, Options{At: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Errors()) != 6 || len(r.Warnings()) != 0 {
		t.Fatalf("want 6 expiry errors:\n%s", findingsText(r))
	}
	for _, f := range r.Errors() {
		if f.Check != "expiry" {
			t.Errorf("unexpected finding %s", f)
		}
	}
}

// Changing a byte anywhere in python-tuf's metadata (the RSA root
// included) fails it and names the file.
func TestPythonTUFRepositoryFlippedByte(t *testing.T) {
	dir := copyTree(t, testdataDir(t, "repository"))
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	files, err := filepath.Glob(filepath.Join(dir, "metadata", "*.json"))
	if err != nil || len(files) != 7 {
		t.Fatalf("want 7 metadata files: %v %v", files, err)
	}
	for _, p := range files {
		rel := "metadata/" + filepath.Base(p)
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		signedAt := bytes.Index(orig, []byte(`"signed": `)) + len(`"signed": `)
		sigAt := bytes.Index(orig, []byte(`"sig": "`)) + len(`"sig": "`)
		values := stringValues(t, orig, signedAt)
		spans := [][2]int{values[0], values[len(values)/2], values[len(values)-1], {sigAt, sigAt + bytes.IndexByte(orig[sigAt:], '"')}}
		for _, span := range spans {
			doc := bytes.Clone(orig)
			if !flip(doc, span) {
				t.Fatalf("%s: nothing to flip in %q", rel, orig[span[0]:span[1]])
			}
			if err := os.WriteFile(p, doc, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Repository(dir, Options{At: at})
			if err != nil {
				t.Fatal(err)
			}
			named := false
			for _, f := range r.Errors() {
				named = named || f.File == rel
			}
			if !named {
				t.Errorf("%s changed at %q: no error names it:\n%s", rel, doc[span[0]:span[1]], findingsText(r))
			}
		}
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// python-tuf's fishy role names: targets delegates "../a", "." and "ö";
// snapshot lists "../a.json", "..json" and "ö.json". An old python-tuf
// wrote role "../a" to 1.a.json beside metadata/, outside it. "../a" must
// be refused and nothing outside metadata/ read; "." and "ö" are odd but
// harmless names and verify.
func TestFishyRoleNames(t *testing.T) {
	dir := testdataDir(t, "fishy_rolenames")
	r, err := Repository(dir, Options{At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	errs := r.Errors()
	if len(errs) != 1 {
		t.Fatalf("want one error, for \"../a\":\n%s", findingsText(r))
	}
	if e := errs[0]; e.File != "metadata/1.targets.json" || e.Role != "../a" || e.Check != "rolename" {
		t.Errorf("error %s, want metadata/1.targets.json: ../a: rolename: ...", e)
	}
	// The keys' IDs were computed with keyid_hash_algorithms, which this
	// copy of the keys no longer carries: warnings, 4 in root, 3 in targets.
	for _, w := range r.Warnings() {
		if w.Check != "keyid" {
			t.Errorf("unexpected warning %s", w)
		}
	}
	if n := len(r.Warnings()); n != 7 {
		t.Errorf("want 7 key ID warnings, got %d:\n%s", n, findingsText(r))
	}
	for _, role := range []string{".", "ö"} {
		s, ok := roleState(r, role)
		if !ok || !s.Met() {
			t.Errorf("role %q not verified: %+v", role, s)
		}
	}
	if s, _ := roleState(r, "."); s.File != "metadata/1...json" {
		t.Errorf("role \".\" read from %q", s.File)
	}
	if _, ok := roleState(r, "../a"); ok {
		t.Error(`role "../a" was read`)
	}
}

// With validly signed files for "../a" where a careless reader would look
// for them (metadata/../a.json, metadata/1.../a.json), "../a" is still
// refused, never verified.
func TestFishyRoleNamesBait(t *testing.T) {
	dir := copyTree(t, testdataDir(t, "fishy_rolenames"))
	bait, err := os.ReadFile(filepath.Join(dir, "1.a.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a.json", "metadata/1.../a.json"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), bait, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r, err := Repository(dir, Options{At: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := roleState(r, "../a"); ok || r.OK() {
		t.Fatalf(`role "../a" verified from a file outside metadata/:\n%s`, findingsText(r))
	}
	mustHave(t, r, Error, "metadata/1.targets.json", "rolename", "refused and never opened")
}
