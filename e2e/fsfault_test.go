package e2e

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestKillBeforeEveryFilesystemChange runs the scripted ceremony (init,
// three signatures, seal, bundle) and kills each step before every write,
// fsync, link, rename, unlink, mkdir and truncate it makes, in turn
// (crashpoint.FS). After each kill, the same step run again completes (or
// says it is done), the rest of the ceremony follows, the metadata ends
// byte for byte as in the uninterrupted run, the transcript replays and
// the bundle verifies.
func TestKillBeforeEveryFilesystemChange(t *testing.T) {
	bin := buildCeremony(t)
	base := t.TempDir()
	start := filepath.Join(base, "start")
	if err := os.MkdirAll(start, 0o755); err != nil {
		t.Fatal(err)
	}
	prepareCrashDir(runner{t: t, bin: bin, dir: start})
	key := func(name string) string { return "file:keys/" + name + ".key?pin-source=pass" }
	steps := [][]string{
		{"init", "--plan", "plan.yaml", "--date", today(), "ws"},
		{"sign", "--key", key("alice"), "ws"},
		{"sign", "--key", key("bob"), "ws"},
		{"sign", "--key", key("carol"), "ws"},
		{"seal", "--key", key("alice"), "ws"},
		{"bundle", "--out", "b.tar", "ws"},
	}
	// snapshots[k] is the directory before step k of the uninterrupted run.
	snapshots := []string{start}
	for k, s := range steps {
		next := filepath.Join(base, fmt.Sprintf("after-%d", k))
		copyTree(t, snapshots[k], next)
		runner{t: t, bin: bin, dir: next}.must(s...)
		snapshots = append(snapshots, next)
	}
	want := map[string][]byte{}
	for _, role := range []string{"root", "targets"} {
		want[role], _ = os.ReadFile(filepath.Join(snapshots[len(steps)], "ws", "metadata", role+".json"))
	}

	// One run: step k killed before its n-th change; reports whether the
	// kill happened (false: the step makes fewer changes).
	kill := func(k, n int) bool {
		dir := filepath.Join(base, fmt.Sprintf("run-%d-%d", k, n))
		copyTree(t, snapshots[k], dir)
		defer os.RemoveAll(dir)
		r := runner{t: t, bin: bin, dir: dir}
		at := fmt.Sprintf("fs#%d", n)
		out, killed, err := r.run(at, steps[k]...)
		if !killed {
			if err != nil {
				t.Errorf("%s: not killed at %s, and it failed: %v\n%s", steps[k][0], at, err, out)
			}
			return false
		}
		const bundle = "b.tar"
		out, _, err = r.run("", steps[k]...)
		switch {
		case err == nil:
		case strings.Contains(out, "already signed"), strings.Contains(out, "sealed already"), strings.Contains(out, "exists already"):
		default:
			t.Errorf("step %d (%s) killed at %s, then run again: %v\n%s", k, steps[k][0], at, err, out)
			return true
		}
		r.must("replay", "ws")
		switch {
		case k == 0:
			// An init made again is a new ceremony (its expiry counts from
			// now): that it replays is what is asked of it.
		case k < len(steps)-2:
			// After a signature, the metadata must be what the
			// uninterrupted run had after it; the steps that follow are
			// then the same as there.
			for role := range want {
				got, _ := os.ReadFile(filepath.Join(dir, "ws", "metadata", role+".json"))
				if w, _ := os.ReadFile(filepath.Join(snapshots[k+1], "ws", "metadata", role+".json")); !bytes.Equal(got, w) {
					t.Errorf("step %d (%s) killed at %s: %s differs from the uninterrupted run's", k, steps[k][0], at, role)
				}
			}
		default:
			// Seal and bundle: the ceremony is finished to the end.
			for _, s := range steps[k+1:] {
				r.must(s...)
			}
			for role, w := range want {
				if got, _ := os.ReadFile(filepath.Join(dir, "ws", "metadata", role+".json")); !bytes.Equal(got, w) {
					t.Errorf("step %d (%s) killed at %s: %s differs from the uninterrupted run's", k, steps[k][0], at, role)
				}
			}
			r.must("verify", bundle)
		}
		return true
	}

	var wg sync.WaitGroup
	counts := make([]int, len(steps))
	for k := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; n < 500 && kill(k, n); n++ {
				counts[k] = n
			}
		}()
	}
	wg.Wait()
	t.Logf("kills per step (init, sign, sign, sign, seal, bundle): %v", counts)
	for k, c := range counts {
		if c == 0 {
			t.Errorf("step %d (%s) was never killed: the test does not reach its writes", k, steps[k][0])
		}
	}
}
