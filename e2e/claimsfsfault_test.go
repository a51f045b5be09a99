package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
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
	tool := filepath.Join(base, "claimsworkspace")
	if out, err := exec.Command("go", "build", "-o", tool, "github.com/tuf-ceremony/ceremony/internal/benchdata/cmd/claimsworkspace").CombinedOutput(); err != nil {
		t.Fatalf("go build claimsworkspace: %v\n%s", err, out)
	}
	start := filepath.Join(base, "start")
	if out, err := exec.Command(tool, "-dir", start, "-n", "300", "-requests", "3", "-extra", "0").CombinedOutput(); err != nil {
		t.Fatalf("claimsworkspace: %v\n%s", err, out)
	}
	init := []string{"claims", "init", "--from", "repo", "--claims", "requests", "--date", today(), "ws"}
	// One run: killed before the n-th change; false when the init makes
	// fewer changes.
	kill := func(n int) bool {
		dir := filepath.Join(base, fmt.Sprintf("run-%d", n))
		copyTree(t, start, dir)
		defer os.RemoveAll(dir)
		r := runner{t: t, bin: bin, dir: dir}
		at := fmt.Sprintf("fs#%d", n)
		out, killed, err := r.run(at, init...)
		if !killed {
			if err != nil {
				t.Errorf("not killed at %s, and it failed: %v\n%s", at, err, out)
			}
			return false
		}
		if out, _, err := r.run("", init...); err != nil && !strings.Contains(out, "exists already") {
			t.Errorf("claims init killed at %s, then run again: %v\n%s", at, err, out)
			return true
		}
		r.must("replay", "ws")
		return true
	}
	// Two runs at a time: the odd points and the even ones.
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
	kills := killed[0] + killed[1]
	t.Logf("claims init killed at %d points", kills)
	if kills < 20 {
		t.Errorf("claims init was killed at %d points only: the test does not reach its writes", kills)
	}
}
