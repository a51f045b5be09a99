package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// TestKillClaimsInitBeforeEveryFilesystemChange kills a claims init before
// each write, fsync, link, rename, unlink and mkdir it makes, in turn
// (crashpoint.FS). The init writes its trusted copies beside its new
// metadata, on two goroutines, so the order of the points between the two
// can differ from run to run: whatever was done when the kill came, the
// same init run again completes, and its workspace replays.
func TestKillClaimsInitBeforeEveryFilesystemChange(t *testing.T) {
	bin := buildCeremony(t)
	base := t.TempDir()
	start := claimsStart(t, base, 300)
	init := []string{"claims", "init", "--from", "repo", "--claims", "requests", "--date", today(), "ws"}
	kills := killAtEachPoint(t, runner{t: t, bin: bin, dir: start}, init, "exists already", func(r runner, at string) {
		r.must("replay", "ws")
	})
	t.Logf("claims init killed at %d points", kills)
	if kills < 20 {
		t.Errorf("claims init was killed at %d points only: the test does not reach its writes", kills)
	}
}

// TestKillClaimsSignBeforeEveryFilesystemChange kills the signature of a
// claimed role large enough to be stored as the metadata's file by a
// second name (transcripts.PutStateStaged, Rebase) before each write,
// fsync, link, rename and unlink it makes, in turn. Whatever was done when
// the kill came, the signature run again completes (or says it is done),
// claimed ends byte for byte as in the uninterrupted run, the workspace
// replays and its bundle verifies.
func TestKillClaimsSignBeforeEveryFilesystemChange(t *testing.T) {
	bin := buildCeremony(t)
	base := t.TempDir()
	start := claimsStart(t, base, 2000)
	runner{t: t, bin: bin, dir: start}.must("claims", "init", "--from", "repo", "--claims", "requests", "--date", today(), "ws")
	if fi, err := os.Stat(filepath.Join(start, "ws", "metadata", "claimed.json")); err != nil || fi.Size() < transcripts.MinDeltaState {
		t.Fatalf("claimed is too small to be stored by a second name: %v", err)
	}
	sign := []string{"sign", "--key", "file:admin.key?pin-source=admin.pass", "ws"}
	signed := filepath.Join(base, "signed")
	copyTree(t, start, signed)
	runner{t: t, bin: bin, dir: signed}.must(sign...)
	want, err := os.ReadFile(filepath.Join(signed, "ws", "metadata", "claimed.json"))
	if err != nil {
		t.Fatal(err)
	}
	kills := killAtEachPoint(t, runner{t: t, bin: bin, dir: start}, sign, "already signed", func(r runner, at string) {
		if got, _ := os.ReadFile(filepath.Join(r.dir, "ws", "metadata", "claimed.json")); !bytes.Equal(got, want) {
			t.Errorf("sign killed at %s: claimed differs from the uninterrupted run's", at)
		}
		r.must("replay", "ws")
		r.must("bundle", "--out", "b.tar", "ws")
		r.must("verify", "b.tar")
	})
	t.Logf("sign killed at %d points", kills)
	if kills < 8 {
		t.Errorf("sign was killed at %d points only: the test does not reach its writes", kills)
	}
}

// killAtEachPoint runs step on a copy of start's directory killed before
// its n-th filesystem change, for n = 1, 2, ... until the step makes
// fewer changes, two runs at a time (the odd points and the even ones),
// and returns the number of kills. After each kill the step run again
// must complete, or fail saying done (the step was done before the
// kill); then check looks at the copy.
func killAtEachPoint(t *testing.T, start runner, step []string, done string, check func(r runner, at string)) int {
	kill := func(n int) bool {
		dir := filepath.Join(filepath.Dir(start.dir), fmt.Sprintf("run-%d", n))
		copyTree(t, start.dir, dir)
		defer os.RemoveAll(dir)
		r := runner{t: t, bin: start.bin, dir: dir}
		at := fmt.Sprintf("fs#%d", n)
		out, killed, err := r.run(at, step...)
		if !killed {
			if err != nil {
				t.Errorf("not killed at %s, and it failed: %v\n%s", at, err, out)
			}
			return false
		}
		if out, _, err := r.run("", step...); err != nil && !strings.Contains(out, done) {
			t.Errorf("%s killed at %s, then run again: %v\n%s", step[0], at, err, out)
			return true
		}
		check(r, at)
		return true
	}
	var wg sync.WaitGroup
	killed := make([]int, 2)
	for w := range 2 {
		wg.Go(func() {
			for n := 1 + w; n < 1000 && kill(n); n += 2 {
				killed[w]++
			}
		})
	}
	wg.Wait()
	return killed[0] + killed[1]
}

// claimsStart prepares base/start with claimsworkspace: a repository whose
// claimed delegates projects projects, three claim requests, and the
// administrator's key; it returns base/start.
func claimsStart(t *testing.T, base string, projects int) string {
	t.Helper()
	tool := filepath.Join(base, "claimsworkspace")
	if out, err := exec.Command("go", "build", "-o", tool, "github.com/tuf-ceremony/ceremony/internal/benchdata/cmd/claimsworkspace").CombinedOutput(); err != nil {
		t.Fatalf("go build claimsworkspace: %v\n%s", err, out)
	}
	start := filepath.Join(base, "start")
	if out, err := exec.Command(tool, "-dir", start, "-n", strconv.Itoa(projects), "-requests", "3", "-extra", "0").CombinedOutput(); err != nil {
		t.Fatalf("claimsworkspace: %v\n%s", err, out)
	}
	return start
}
