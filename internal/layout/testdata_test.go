package layout

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// repoRoot is the module's root, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", root, err)
	}
	return root
}

// relPath matches a quoted relative path that climbs out of its directory.
var relPath = regexp.MustCompile(`["'\x60]((?:\.\./)+[^"'\x60\s]*)`)

// TestNoReadOutsideRepository: no relative path that a test file or a test
// script names reaches an existing file outside the repository, so a clone of the
// repository alone passes its tests. Test data lives under testdata/.
func TestNoReadOutsideRepository(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case "node_modules", ".git":
				return filepath.SkipDir
			}
			if path != root && d.Name() == "testdata" && filepath.Dir(path) == root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") && !strings.HasSuffix(path, ".txtar") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for _, m := range relPath.FindAllStringSubmatch(string(data), -1) {
			// Hostile paths ("../../etc/passwd") are test inputs, not
			// reads: only a path that leaves the repository and names
			// something there is one.
			target := filepath.Join(filepath.Dir(path), m[1])
			rel, err := filepath.Rel(root, target)
			outside := err != nil || rel == ".." || strings.HasPrefix(rel, "../")
			if _, err := os.Stat(target); outside && err == nil {
				t.Errorf("%s names %q, outside the repository: copy the data under testdata/ (with its source in testdata/SOURCES.md)", strings.TrimPrefix(path, root+"/"), m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d test files, want the whole repository's (over 50)", checked)
	}
}

// TestFileSizes: no production file is over 600 lines; a file that grows
// past it holds more than one idea.
func TestFileSizes(t *testing.T) {
	root := repoRoot(t)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if n := strings.Count(string(data), "\n"); n > 600 {
			t.Errorf("%s has %d lines, over 600: split it by idea", strings.TrimPrefix(path, root+"/"), n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
