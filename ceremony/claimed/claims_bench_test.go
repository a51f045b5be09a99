package claimed_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// BenchmarkClaimsCeremony100k times a claims ceremony over a claimed role
// that delegates to benchdata.Projects projects (PEP 480's scale), as
// 'ceremony claims init' writes it, taking in a directory of new projects'
// claim requests (100; CEREMONY_BENCH_REQUESTS), step by step: claims init
// from a repository directory (reading and checking root, targets and
// claimed, the review, claimed v2 built and stored), one signature,
// status, bundle, the bundle's verification (claimed checked against the
// requests) and its replay. Each step reports its time (STEP-s) and the
// memory it allocated (STEP-MB, runtime.MemStats.TotalAlloc); ns/op is
// the six steps, without building the repository.
//
//	go test -run '^$' -bench ClaimsCeremony100k -benchtime 1x ./ceremony/claimed/
//	CEREMONY_BENCH_PROJECTS=1000 go test -run '^$' -bench ClaimsCeremony100k ./ceremony/claimed/
func BenchmarkClaimsCeremony100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		c := newClaimsBench(b, benchN("CEREMONY_BENCH_PROJECTS", benchdata.Projects), benchN("CEREMONY_BENCH_REQUESTS", 100))
		b.StartTimer()
		c.run(b, func(step string, took time.Duration, allocated uint64) {
			b.ReportMetric(took.Seconds(), step+"-s")
			b.ReportMetric(float64(allocated)/1e6, step+"-MB")
		})
	}
}

// TestClaimsCeremonyBench runs the benchmark's ceremony on 1,000 projects
// and 10 requests and checks what each step gave: the benchmark measures a
// ceremony that works, on the role the tool writes.
func TestClaimsCeremonyBench(t *testing.T) {
	const projects, requests = 1000, 10
	c := newClaimsBench(t, projects, requests)
	var steps []string
	c.run(t, func(step string, _ time.Duration, _ uint64) { steps = append(steps, step) })
	if len(steps) != 6 {
		t.Fatalf("steps %v, want init, sign, status, bundle, verify, replay", steps)
	}
	if len(c.init.Accepted) != requests || c.init.ClaimedVersion != 2 {
		t.Fatalf("claims init accepted %d requests for claimed v%d, want %d for v2", len(c.init.Accepted), c.init.ClaimedVersion, requests)
	}
	if !c.status.AllMet() {
		t.Error("status after the one signature: not every threshold is met")
	}
	data, err := os.ReadFile(filepath.Join(c.ws, "metadata", "claimed.json"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := metafile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	next, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	roles := next.Delegations.Roles
	if len(roles) != projects+requests || roles[0].Name != benchdata.ProjectName(0) || roles[projects].Name != benchdata.RequestProject(requests-1) {
		t.Errorf("claimed v2 delegates %d roles, first %s, first added %s; want %d, %s, %s", len(roles), roles[0].Name, roles[projects].Name,
			projects+requests, benchdata.ProjectName(0), benchdata.RequestProject(requests-1))
	}
	if len(f.Signatures) != 1 || f.Signatures[0].KeyID != c.fx.AdminID {
		t.Errorf("claimed v2 signatures %+v, want one by the admin key", f.Signatures)
	}
}

// claimsBench is a claims ceremony ready to run: a repository whose claimed
// role delegates to n projects, and a directory of requests.
type claimsBench struct {
	fx                 *benchdata.Fixture
	now                time.Time
	repo, requests, ws string
	bundle             string
	// What the steps returned.
	init   *claimed.Result
	status *ceremony.Status
}

func newClaimsBench(tb testing.TB, n, requests int) *claimsBench {
	tb.Helper()
	dir := tb.TempDir()
	fx, err := benchdata.Build(n)
	if err != nil {
		tb.Fatal(err)
	}
	c := &claimsBench{fx: fx, now: benchdata.Expires.AddDate(-1, 0, 0), repo: filepath.Join(dir, "repo"),
		requests: filepath.Join(dir, "requests"), ws: filepath.Join(dir, "ws"), bundle: filepath.Join(dir, "claims.tar")}
	if err := fx.WriteRepository(c.repo); err != nil {
		tb.Fatal(err)
	}
	if err := benchdata.WriteRequests(c.requests, requests, c.now.Add(-24*time.Hour)); err != nil {
		tb.Fatal(err)
	}
	return c
}

// run does the six steps, calling report after each with its time and the
// memory it allocated.
func (c *claimsBench) run(tb testing.TB, report func(step string, took time.Duration, allocated uint64)) {
	tb.Helper()
	step := func(name string, f func() error) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		start := time.Now()
		err := f()
		took := time.Since(start)
		runtime.ReadMemStats(&after)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		report(name, took, after.TotalAlloc-before.TotalAlloc)
	}
	step("init", func() (err error) {
		c.init, err = claimed.Init(ceremonytest.Engine, claimed.Options{From: c.repo, ClaimsDir: c.requests, Dir: c.ws, Now: c.now})
		return err
	})
	step("sign", func() error {
		_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: c.ws, Signer: c.fx.Admin, Now: c.now})
		return err
	})
	step("status", func() (err error) {
		c.status, err = ceremony.GetStatus(c.ws)
		return err
	})
	step("bundle", func() error {
		_, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: c.ws, Out: c.bundle, Now: c.now})
		return err
	})
	step("verify", func() error {
		rep, err := audit.VerifyBundle(ceremonytest.Engine, c.bundle, "", c.now)
		if err == nil && !rep.OK() {
			tb.Fatalf("verify: %v", rep.Errors())
		}
		return err
	})
	step("replay", func() error {
		rep, err := audit.ReplayBundle(ceremonytest.Engine, c.bundle)
		if err == nil && !rep.OK() {
			tb.Fatalf("replay: %+v", rep.FirstBad)
		}
		return err
	})
}

// benchN is the environment variable's positive integer, or def.
func benchN(env string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(env)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestClaimsCeremony10k runs the whole claims ceremony on 10,000 projects
// (a claimed role of about 8 MB) and checks its outputs against the slow
// paths the fast ones replaced: claimed v2 as go-tuf decodes it and as the
// generic tree and go-securesystemslib's cjson canonicalize it; the
// workspace holds claimed v2 once (the signed state is the metadata's
// file by a second name, the init's state a difference from it, rebuilt
// to its name); the bundle verifies and replays, and holds claimed v2
// once.
func TestClaimsCeremony10k(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 projects: not in -short")
	}
	const projects, requests = 10_000, 20
	c := newClaimsBench(t, projects, requests)
	c.run(t, func(string, time.Duration, uint64) {})
	data, err := os.ReadFile(filepath.Join(c.ws, "metadata", "claimed.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(data) < transcripts.MinDeltaState {
		t.Fatalf("claimed is %d bytes: too small to be stored as a difference", len(data))
	}
	f, err := metafile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	fast, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	slow, err := metadata.Targets().FromBytes(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, &slow.Signed) {
		t.Error("claimed v2 decoded by metafile differs from go-tuf's decoding")
	}
	if len(fast.Delegations.Roles) != projects+requests {
		t.Errorf("claimed v2 delegates %d roles, want %d", len(fast.Delegations.Roles), projects+requests)
	}
	canonical, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	oldCanonical, err := benchdata.OldCanonicalize(f.Signed)
	if err != nil {
		t.Fatal(err)
	}
	rewritten, err := metafile.FromSigned(fast)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := rewritten.Canonical()
	if !bytes.Equal(canonical, oldCanonical) || !bytes.Equal(again, oldCanonical) {
		t.Error("claimed v2's canonical bytes differ from the generic tree and cjson's")
	}
	// The transcript: the signature's state whole, as the metadata's
	// file by a second name; init's as a difference from it.
	tr := filepath.Join(c.ws, "transcript")
	stored, err := transcripts.Verify(tr)
	if err != nil {
		t.Fatal(err)
	}
	last := transcripts.LastState(stored.Records, "claimed")
	if last != transcripts.Sum(data) {
		t.Fatalf("the transcript's last claimed state is %s, the file hashes to %s", last, transcripts.Sum(data))
	}
	meta, _ := os.Stat(filepath.Join(c.ws, "metadata", "claimed.json"))
	if whole, err := os.Stat(filepath.Join(tr, transcripts.StatesDir, last+".json")); err != nil || !os.SameFile(meta, whole) {
		t.Errorf("the signed state is not the metadata's file by a second name: %v", err)
	}
	initState := stored.Records[0].States["claimed"]
	if _, err := os.Stat(filepath.Join(tr, transcripts.StatesDir, initState+".json")); err == nil {
		t.Error("the init's state is still stored whole beside the signed one")
	}
	if _, err := transcripts.ReadState(tr, initState); err != nil {
		t.Errorf("the init's state, rebuilt: %v", err)
	}
	rebuilt, err := transcripts.ReadState(tr, last)
	if err != nil || !bytes.Equal(rebuilt, data) {
		t.Errorf("the signed state read back: %d bytes, %v; want claimed.json's %d", len(rebuilt), err, len(data))
	}
	filepath.Walk(c.ws, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && fi.Size() >= transcripts.MinDeltaState && !os.SameFile(fi, meta) {
			if p != filepath.Join(c.ws, "trusted", "claimed.json") {
				t.Errorf("the workspace holds %s (%d bytes) besides claimed v2's metadata and the trusted v1", p, fi.Size())
			}
		}
		return nil
	})
	checkBundleHoldsClaimedOnce(t, c, data, last)
}
