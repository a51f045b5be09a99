package layout

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// errorWithCommand is an error (or a problem) built with a message that
// names a command of this tool.
var errorWithCommand = regexp.MustCompile(`(Errorf|errors\.New|errorf|problem|refuse)\(.*'ceremony [a-z]`)

// TestHintsInCommandOnly: no library error names a command of the tool;
// it says what to do in words and carries the command with hint.With, which
// only the command line and the app turn into "run 'ceremony ...'".
// Documents the tool prints for people (scripts, a plan's steps, READMEs)
// name commands: those are not errors.
func TestHintsInCommandOnly(t *testing.T) {
	root := repoRoot(t)
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(path, root+"/")
		if d.IsDir() {
			switch rel {
			case "cmd", "tui", "e2e", "rehearsal", "node_modules", ".git", "testdata", "internal/testutil", "internal/layout":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(data), "\n") {
			if errorWithCommand.MatchString(line) {
				t.Errorf("%s:%d: an error names a command of the tool: say what to do in words and give the command with hint.With", rel, i+1)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("checked %d files, want the libraries' (over 50)", checked)
	}
}
