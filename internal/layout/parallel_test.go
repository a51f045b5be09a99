package layout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parallelFlows are the pairs of files that once held the same flow twice
// (issue 13: the claims and rotation screens and their views, the claims
// and rotation sources, the bundle READMEs, claims init and project init,
// publish's claims and next). Each now shares one copy.
var parallelFlows = [][2]string{
	{"tui/claims.go", "tui/rotate.go"},
	{"tui/claimsview.go", "tui/rotateview.go"},
	{"ceremony/source/trusted.go", "ceremony/source/source.go"},
	{"ceremony/source/trusted.go", "ceremony/source/bundle.go"},
	{"ceremony/claimed/init.go", "ceremony/project/init.go"},
	{"ceremony/claimed/kind.go", "ceremony/project/kind.go"},
	{"ceremony/bootstrap/readme.tmpl", "ceremony/claimed/readme.tmpl"},
	{"ceremony/bootstrap/readme.tmpl", "ceremony/project/readme.tmpl"},
	{"ceremony/claimed/readme.tmpl", "ceremony/project/readme.tmpl"},
	{"rehearsal/publish/claims.go", "rehearsal/publish/next.go"},
}

// minRun is the shortest run of the same lines that counts as a flow
// written twice: shorter runs are the shape of Go (error checks, closing
// braces), not a copy.
const minRun = 6

// TestNoParallelFlows: no pair of parallelFlows shares a run of minRun or
// more lines that say something (blank lines, comments and lines of
// punctuation aside), once leading space is trimmed.
func TestNoParallelFlows(t *testing.T) {
	root := repoRoot(t)
	for _, pair := range parallelFlows {
		a, b := meaningful(t, filepath.Join(root, pair[0])), meaningful(t, filepath.Join(root, pair[1]))
		if n, at := longestRun(a, b); n >= minRun {
			t.Errorf("%s and %s share %d lines (from %q): write the flow once and call it from both", pair[0], pair[1], n, a[at].text)
		}
	}
}

type line struct {
	text string
	n    int
}

// meaningful are the lines of a file that say something, trimmed; the
// imports say nothing of the flow.
func meaningful(t *testing.T, path string) []line {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v: the parallel flows this test watches have moved; update parallelFlows", err)
	}
	var out []line
	inImport := false
	for i, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "import (":
			inImport = true
			continue
		case inImport:
			inImport = l != ")"
			continue
		}
		if l == "" || strings.HasPrefix(l, "//") || strings.Trim(l, "{}()[],;") == "" ||
			l == "return nil, err" || l == "return err" || l == "if err != nil {" || l == "} else {" {
			continue
		}
		out = append(out, line{l, i + 1})
	}
	return out
}

// longestRun is the longest run of equal lines a and b share, and where it
// starts in a.
func longestRun(a, b []line) (n, at int) {
	prev := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		for j := 1; j <= len(b); j++ {
			if a[i-1].text == b[j-1].text {
				cur[j] = prev[j-1] + 1
				if cur[j] > n {
					n, at = cur[j], i-cur[j]
				}
			}
		}
		prev = cur
	}
	return n, at
}
