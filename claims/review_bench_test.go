package claims_test

// An external test package: package benchdata builds its claimed role with
// claims.Delegation, so package claims' own tests cannot import it.

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
)

// benchNow is the clock of these tests (testNow of package claims' own).
var benchNow = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)

var (
	bigOnce sync.Once
	bigRole *metadata.TargetsType
	bigErr  error
)

// big is the claimed role of the benchmarks: 100,000 project delegations.
func big(t testing.TB) *metadata.TargetsType {
	t.Helper()
	bigOnce.Do(func() { bigRole, bigErr = benchdata.Claimed(benchdata.Projects) })
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	return bigRole
}

// requestsAgainstBig writes n requests: new projects, one reusing the key
// of the last claimed project, one for a claimed project with another key.
func requestsAgainstBig(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < n-2; i++ {
		benchWrite(t, dir, fmt.Sprintf("new-%03d.json", i), benchRequest(t, fmt.Sprintf("new-%03d", i), newBenchSigner(t)))
	}
	last := benchdata.Projects - 1
	reused, err := keys.NewSoftwareSigner("bench:reused", benchdata.ProjectKey(last, 0))
	if err != nil {
		t.Fatal(err)
	}
	benchWrite(t, dir, "reuse.json", benchRequest(t, "reuse", reused))
	benchWrite(t, dir, "taken.json", benchRequest(t, benchdata.ProjectName(7), newBenchSigner(t)))
	return dir
}

// syntheticBig is a claimed role shaped as benchdata's (the same names,
// one key per project, two for every fourth) whose keys are not real but
// for the last project's: Review reads delegations' key IDs, not their
// keys, unless the key IDs differ from a request's. It takes a fraction of
// a second to build, where benchdata derives 125,000 real keys.
func syntheticBig(t testing.TB) *metadata.TargetsType {
	t.Helper()
	n := benchdata.Projects
	d := &metadata.Delegations{Keys: make(map[string]*metadata.Key, n+n/4), Roles: make([]metadata.DelegatedRole, 0, n)}
	for i := 0; i < n; i++ {
		var ids []string
		for j := 0; j < benchdata.KeysPerProject(i); j++ {
			id := fmt.Sprintf("%064x", i*4+j)
			if i == n-1 && j == 0 {
				s, err := keys.NewSoftwareSigner("bench:last", benchdata.ProjectKey(i, j))
				if err != nil {
					t.Fatal(err)
				}
				id = benchKeyID(t, s)
				d.Keys[id] = s.TUFKey()
			} else {
				d.Keys[id] = &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: id}}
			}
			ids = append(ids, id)
		}
		name := benchdata.ProjectName(i)
		d.Roles = append(d.Roles, metadata.DelegatedRole{Name: name, KeyIDs: ids, Threshold: 1, Terminating: true, Paths: claims.ProjectPaths(name)})
	}
	return &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 1, Expires: benchNow.AddDate(1, 0, 0), Delegations: d}
}

// TestReviewAgainst100000Projects: against a claimed role of 100,000
// delegations, key reuse and claimed projects are found.
func TestReviewAgainst100000Projects(t *testing.T) {
	dir := requestsAgainstBig(t, 10)
	rep, err := claims.Review(dir, syntheticBig(t), claims.Options{Now: benchNow})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Claimed != benchdata.Projects || rep.Count(claims.ChangeAdd) != 9 || rep.Count(claims.Refused) != 1 {
		t.Fatalf("claimed %d, add %d, refused %d", rep.Claimed, rep.Count(claims.ChangeAdd), rep.Count(claims.Refused))
	}
	v := benchVerdict(t, rep, "reuse.json")
	if fl := strings.Join(v.Flags, "|"); !strings.Contains(fl, "is also a key of: "+benchdata.ProjectName(benchdata.Projects-1)) {
		t.Errorf("reuse.json flags %q", fl)
	}
	if v := benchVerdict(t, rep, "taken.json"); !strings.Contains(v.Reason, "is already claimed by key(s)") {
		t.Errorf("taken.json: %q", v.Reason)
	}
}

// BenchmarkReview100000: review 10 requests against 100,000 delegations
// (the index is built each time: that is what a review costs).
func BenchmarkReview100000(b *testing.B) {
	role := big(b)
	dir := requestsAgainstBig(b, 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := claims.Review(dir, role, claims.Options{Now: benchNow}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadClaimed100000: read the 77 MB claimed file as 'ceremony
// claims review --claimed' does.
func BenchmarkReadClaimed100000(b *testing.B) {
	fx, err := benchdata.Build(benchdata.Projects)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "claimed.json")
	if err := os.WriteFile(path, fx.File, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fx.File)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := claims.ReadClaimed(path); err != nil {
			b.Fatal(err)
		}
	}
}

func newBenchSigner(t testing.TB) keys.Signer {
	t.Helper()
	s, err := keys.GenerateSoftware("memory:ed25519", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func benchKeyID(t testing.TB, s keys.Signer) string {
	t.Helper()
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func benchRequest(t testing.TB, project string, signer keys.Signer) []byte {
	t.Helper()
	data, err := claims.MakeRequest(project, []keys.Signer{signer}, 1, benchNow, nil)
	if err != nil {
		t.Fatalf("MakeRequest(%q): %v", project, err)
	}
	return data
}

func benchWrite(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func benchVerdict(t testing.TB, rep *claims.Report, file string) *claims.Verdict {
	t.Helper()
	for i := range rep.Verdicts {
		if filepath.Base(rep.Verdicts[i].File) == file {
			return &rep.Verdicts[i]
		}
	}
	t.Fatalf("no verdict for %s", file)
	return nil
}
