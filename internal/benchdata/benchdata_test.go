package benchdata_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// The benchmarks run on benchdata.Projects (100,000) delegations; the same
// code is checked here on 1,000 so that go test stays fast.
const smallN = 1000

// pep503 normalizes a project name as PEP 503 says.
func pep503(name string) string {
	return strings.ToLower(regexp.MustCompile(`[-_.]+`).ReplaceAllString(name, "-"))
}

func TestClaimedFixture(t *testing.T) {
	fx, err := benchdata.Build(smallN)
	if err != nil {
		t.Fatal(err)
	}
	d := fx.Role.Delegations
	if got := len(d.Roles); got != smallN {
		t.Fatalf("claimed delegates %d projects, want %d", got, smallN)
	}
	if got, want := len(d.Keys), smallN+smallN/4; got != want {
		t.Errorf("claimed has %d keys, want %d", got, want)
	}
	for i, r := range d.Roles {
		if r.Name != benchdata.ProjectName(i) || pep503(r.Name) != r.Name {
			t.Fatalf("role %d is named %q, want the normalized %q", i, r.Name, benchdata.ProjectName(i))
		}
		if r.Threshold != 1 || !r.Terminating || len(r.KeyIDs) != benchdata.KeysPerProject(i) {
			t.Fatalf("role %s: threshold %d, terminating %v, %d keys", r.Name, r.Threshold, r.Terminating, len(r.KeyIDs))
		}
		for _, id := range r.KeyIDs {
			if d.Keys[id] == nil {
				t.Fatalf("role %s lists key %s that claimed does not define", r.Name, id)
			}
		}
	}
	// Each delegation is what a claims ceremony writes for the project's
	// claim: claims.Delegation, so claims.ProjectPaths.
	for _, i := range []int{0, 1, 123, smallN - 1} {
		c, err := benchdata.ProjectClaim(i)
		if err != nil {
			t.Fatal(err)
		}
		if want := claims.Delegation(c); !reflect.DeepEqual(d.Roles[i], want) {
			t.Errorf("role %d is %+v, want claims.Delegation's %+v", i, d.Roles[i], want)
		}
		if !reflect.DeepEqual(d.Roles[i].Paths, claims.ProjectPaths(benchdata.ProjectName(i))) {
			t.Errorf("role %d's paths are %q, want claims.ProjectPaths's", i, d.Roles[i].Paths)
		}
	}
	const blake = "packages/2a/7a/d01e6f8c3b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5/"
	for path, want := range map[string]bool{
		blake + "project_000123-1.0-py3-none-any.whl": true,
		blake + "project-000123-1.0.tar.gz":           true,
		blake + "Project.000123-2.1.tar.gz":           true,
		// The patterns benchdata wrote before (packages/*/*/*/project-000123-*)
		// took the legacy sdist of a project "project-000123-extra": a
		// hijack across projects, since the delegations are terminating.
		blake + "project-000123-extra-1.0.tar.gz":     false,
		blake + "project_000124-1.0-py3-none-any.whl": false,
	} {
		if got, err := d.Roles[123].IsDelegatedPath(path); err != nil || got != want {
			t.Errorf("project-000123 delegated %s: %v, want %v (err %v)", path, got, want, err)
		}
	}

	// Same input, same bytes.
	again, err := benchdata.Build(smallN)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fx.File, again.File) {
		t.Error("two builds of the fixture differ")
	}

	// Ours and go-securesystemslib's cjson agree byte for byte.
	if bytes.Equal(fx.Signed, fx.Canonical) {
		t.Error("the signed object in the file is already canonical: canonicalizing it would measure a copy")
	}
	ours, err := metafile.Canonicalize(fx.Signed)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := cjson.EncodeCanonical(fx.Role)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ours, theirs) || !bytes.Equal(ours, fx.Canonical) {
		t.Fatalf("canonical JSON differs: metafile %d bytes, cjson %d bytes, fixture %d bytes", len(ours), len(theirs), len(fx.Canonical))
	}

	// The signed file verifies, by our threshold count and by go-tuf.
	f, err := metafile.Parse(fx.File)
	if err != nil {
		t.Fatal(err)
	}
	rule, err := threshold.FromTargets(fx.Top, benchdata.ClaimedRole, "targets v1")
	if err != nil {
		t.Fatal(err)
	}
	tally, err := threshold.Count(rule, f)
	if err != nil {
		t.Fatal(err)
	}
	if !tally.Met() || len(tally.Invalid) > 0 {
		t.Errorf("claimed's 1-of-1 rule is not met: %+v", tally)
	}
	claimed, err := metadata.Targets().FromBytes(fx.File)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.TopMetadata().VerifyDelegate(benchdata.ClaimedRole, claimed); err != nil {
		t.Errorf("go-tuf rejects the signed claimed role: %v", err)
	}
}

// metafile.Canonicalize reads the bytes itself; on the claimed role, in
// every shape it comes in, it writes what the old path (generic tree +
// cjson) writes, and what cjson writes from go-tuf's struct.
func TestCanonicalizeClaimedMatchesOldPath(t *testing.T) {
	fx, err := benchdata.Build(smallN)
	if err != nil {
		t.Fatal(err)
	}
	reversed, err := benchdata.Reversed(fx.Signed)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Index(reversed, []byte(`"version"`)) > bytes.Index(reversed, []byte(`"_type"`)) {
		t.Fatal("Reversed kept the members in order")
	}
	marshaled, err := json.Marshal(fx.Role)
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{
		"signed as in the file (indented)":   fx.Signed,
		"members in reverse order":           reversed,
		"already canonical":                  fx.Canonical,
		"go-tuf's struct by encoding/json":   marshaled,
		"the whole signed file (envelope)":   fx.File,
		"top-level targets by encoding/json": mustMarshal(t, fx.Top),
	} {
		got, err := metafile.Canonicalize(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		old, err := benchdata.OldCanonicalize(doc)
		if err != nil {
			t.Fatalf("%s: the old path: %v", name, err)
		}
		if !bytes.Equal(got, old) {
			t.Errorf("%s: canonical JSON differs from the old path: %d bytes, old %d bytes", name, len(got), len(old))
		}
		if name != "the whole signed file (envelope)" && name != "top-level targets by encoding/json" && !bytes.Equal(got, fx.Canonical) {
			t.Errorf("%s: canonical JSON differs from the fixture's", name)
		}
	}
}

// Parse and Targets read the claimed file as the old path did.
func TestParseClaimedMatchesOldPath(t *testing.T) {
	fx, err := benchdata.Build(smallN)
	if err != nil {
		t.Fatal(err)
	}
	f, err := metafile.Parse(fx.File)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	want, err := benchdata.OldParseTargets(fx.File)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("metafile.Parse + Targets differ from the old path on the claimed role")
	}
	if len(got.Delegations.Roles) != smallN {
		t.Errorf("%d delegations, want %d", len(got.Delegations.Roles), smallN)
	}
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The repository and the requests a claims ceremony's benchmark starts
// from: each metadata file verifies along root -> targets -> claimed, and
// a review accepts every request as a new project.
func TestRepositoryAndRequests(t *testing.T) {
	fx, err := benchdata.Build(smallN)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := fx.WriteRepository(dir); err != nil {
		t.Fatal(err)
	}
	if err := fx.WriteRepository(dir); err == nil {
		t.Error("WriteRepository wrote over an existing repository")
	}
	md := filepath.Join(dir, "metadata")
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(md, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	root, err := metadata.Root().FromBytes(read(benchdata.RootFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := root.VerifyDelegate(metadata.ROOT, root); err != nil {
		t.Errorf("root does not verify itself: %v", err)
	}
	top, err := metadata.Targets().FromBytes(read(benchdata.TargetsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := root.VerifyDelegate(metadata.TARGETS, top); err != nil {
		t.Errorf("root does not verify targets: %v", err)
	}
	claimed, err := metadata.Targets().FromBytes(read(benchdata.ClaimedFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := top.VerifyDelegate(benchdata.ClaimedRole, claimed); err != nil {
		t.Errorf("targets does not verify claimed: %v", err)
	}
	if !bytes.Equal(read(benchdata.ClaimedFile), fx.File) {
		t.Error("1.claimed.json is not the fixture's signed file")
	}

	const n = 20
	date := time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
	requests := filepath.Join(dir, "requests")
	if err := benchdata.WriteRequests(requests, n, date); err != nil {
		t.Fatal(err)
	}
	role, err := claims.ReadClaimed(filepath.Join(md, benchdata.ClaimedFile))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := claims.Review(requests, role, claims.Options{Now: date.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Claimed != smallN || len(rep.Verdicts) != n || rep.Count(claims.ChangeAdd) != n {
		t.Fatalf("review: claimed %d, %d verdicts, %d added; want %d, %d, %d", rep.Claimed, len(rep.Verdicts), rep.Count(claims.ChangeAdd), smallN, n, n)
	}
	for i, c := range rep.Accepted() {
		if c.Project != benchdata.RequestProject(i) || len(c.Keys) != 1 {
			t.Errorf("accepted claim %d is %s with %d keys, want %s with 1", i, c.Project, len(c.Keys), benchdata.RequestProject(i))
		}
	}
	// Deterministic: the same requests again are the same bytes.
	again := filepath.Join(dir, "again")
	if err := benchdata.WriteRequests(again, 2, date); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(filepath.Join(requests, benchdata.RequestFile(1)))
	if err != nil {
		t.Fatal(err)
	}
	if second, err := os.ReadFile(filepath.Join(again, benchdata.RequestFile(1))); err != nil || !bytes.Equal(first, second) {
		t.Errorf("two writes of request 1 differ (err %v)", err)
	}
}
