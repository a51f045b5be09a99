package layout

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneClock: the engine, the kinds and the auditor's code read the
// machine's clock in one place, ceremony.Engine.Now; every step takes the
// time as a value (an Options.Now or a now parameter, zero meaning that
// clock), so that a ceremony's time is fixed once and a wrong clock has one
// place to be caught.
func TestOneClock(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	for _, dir := range []string{"ceremony", "audit"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel := strings.TrimPrefix(path, root+"/")
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			checked++
			for i, line := range strings.Split(string(data), "\n") {
				if strings.Contains(line, "time.Now()") && rel != "ceremony/clock.go" {
					t.Errorf("%s:%d: reads the machine's clock: take the time as a value, zero meaning the engine's clock (Engine.Now, Engine.NowOr)", rel, i+1)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 40 {
		t.Fatalf("checked %d files, want the engine's, the kinds' and the auditor's (over 40)", checked)
	}
}
