package claims

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

func TestProjectPathsSpelling(t *testing.T) {
	got := ProjectPaths("foo-bar")
	want := []string{
		"packages/*/*/*/[fF][oO][oO][_.][bB][aA][rR]-[0-9]*",
		"packages/*/*/*/[fF][oO][oO]-[bB][aA][rR]-[0-9]*",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ProjectPaths(foo-bar) = %q, want %q", got, want)
	}
	if got := ProjectPaths("py2"); len(got) != 1 || got[0] != "packages/*/*/*/[pP][yY]2-[0-9]*" {
		t.Errorf("ProjectPaths(py2) = %q: a name without separators has one pattern", got)
	}
}

// pathCases: which of the projects' delegations each target path falls
// under. Every spelling a client reads as the project's is covered, and no
// other project's file is.
var pathCases = []struct {
	target string
	want   string // the project whose patterns match, "" for none
}{
	{"packages/ab/cd/0123/foo_bar-1.0-py3-none-any.whl", "foo-bar"},
	{"packages/ab/cd/0123/foo_bar-1.0.tar.gz", "foo-bar"},    // PEP 625
	{"packages/ab/cd/0123/foo-bar-1.0.tar.gz", "foo-bar"},    // legacy sdist
	{"packages/ab/cd/0123/Foo.Bar-2.0.zip", "foo-bar"},       // old spelling
	{"packages/ab/cd/0123/FOO_BAR-10!1.0.tar.gz", "foo-bar"}, // epoch
	{"packages/ab/cd/0123/foo-1.0.tar.gz", "foo"},
	{"packages/ab/cd/0123/Foo-1.0-py3-none-any.whl", "foo"},
	{"packages/ab/cd/0123/foo_bar_baz-1.0-py3-none-any.whl", ""},
	{"packages/ab/cd/0123/foo-bar-baz-1.0.tar.gz", ""},
	{"packages/ab/cd/0123/foobar-1.0.tar.gz", ""},
	{"packages/ab/cd/0123/foo-barx-1.0.tar.gz", ""},
	{"packages/ab/cd/0123/foo-bar-x.tar.gz", ""},     // no version digit
	{"packages/ab/cd/0123/foo-bar-1.0.tar.gz/x", ""}, // deeper
	{"packages/ab/cd/foo-bar-1.0.tar.gz", ""},        // shallower
	{"simple/foo-bar/index.html", ""},                // not a distribution
	{"packages/ab/cd/0123/xfoo-1.0.tar.gz", ""},      // another name ending in foo
	{"packages/ab/cd/0123/foo_baz-1.0.tar.gz", ""},   // separator then another word
	{"packages/ab/cd/0123/other-1.0-py3-none-any.whl", "other"},
}

var pathProjects = []string{"foo", "foo-bar", "other"}

// TestProjectPathsGoTUF checks the patterns with go-tuf's own matching
// (DelegatedRole.IsDelegatedPath): foo's patterns do not take foo-bar's
// files, nor the other way round.
func TestProjectPathsGoTUF(t *testing.T) {
	for _, c := range pathCases {
		var got []string
		for _, p := range pathProjects {
			r := Delegation(Claim{Project: p, Threshold: 1})
			ok, err := r.IsDelegatedPath(c.target)
			if err != nil {
				t.Fatalf("go-tuf on %q: %v", c.target, err)
			}
			if ok {
				got = append(got, p)
			}
		}
		if strings.Join(got, ",") != c.want {
			t.Errorf("go-tuf: %s falls under %v, want %q", c.target, got, c.want)
		}
	}
}

// TestProjectPathsTUFJS asks tuf-js 5.0.1 (its @tufjs/models, as the
// client reads a claimed role) which delegations each target falls under.
func TestProjectPathsTUFJS(t *testing.T) {
	dir, err := filepath.Abs("../scripts/tuf-js")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@tufjs", "models")); err != nil {
		t.Fatalf("tuf-js is not installed in %s (run scripts/setup): %v", dir, err)
	}
	var roles []metadata.DelegatedRole
	for _, p := range pathProjects {
		roles = append(roles, Delegation(Claim{Project: p, Threshold: 1}))
	}
	claimed := metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 1,
		Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), Targets: map[string]*metadata.TargetFiles{},
		Delegations: &metadata.Delegations{Keys: map[string]*metadata.Key{}, Roles: roles}}
	var targets []string
	for _, c := range pathCases {
		targets = append(targets, c.target)
	}
	input, err := json.Marshal(map[string]any{"signed": claimed, "targets": targets})
	if err != nil {
		t.Fatal(err)
	}
	const script = `
const {Metadata} = require('@tufjs/models');
let input = '';
process.stdin.on('data', d => input += d);
process.stdin.on('end', () => {
  const {signed, targets} = JSON.parse(input);
  const md = Metadata.fromJSON('targets', {signed, signatures: []});
  const out = {};
  for (const t of targets) out[t] = [...md.signed.delegations.rolesForTarget(t)].map(r => r.role);
  console.log(JSON.stringify(out));
});`
	cmd := exec.Command("node", "-e", script)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node with tuf-js: %v\n%s", err, stderr.String())
	}
	var got map[string][]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("tuf-js printed %q: %v", out, err)
	}
	if len(got) != len(pathCases) {
		t.Fatalf("tuf-js answered for %d targets, want %d", len(got), len(pathCases))
	}
	for _, c := range pathCases {
		if g := strings.Join(got[c.target], ","); g != c.want {
			t.Errorf("tuf-js: %s falls under %q, want %q", c.target, g, c.want)
		}
	}
}

func TestDelegation(t *testing.T) {
	a, b := newSigner(t, keys.TypeEd25519), newSigner(t, keys.TypeECDSAP256)
	ida, idb := keyID(t, a), keyID(t, b)
	c := Claim{Project: "foo-bar", Keys: map[string]*metadata.Key{ida: a.TUFKey(), idb: b.TUFKey()}, Threshold: 2}
	r := Delegation(c)
	lo, hi := ida, idb
	if lo > hi {
		lo, hi = hi, lo
	}
	if r.Name != "foo-bar" || r.Threshold != 2 || !r.Terminating || len(r.PathHashPrefixes) != 0 ||
		strings.Join(r.KeyIDs, ",") != lo+","+hi || strings.Join(r.Paths, ",") != strings.Join(ProjectPaths("foo-bar"), ",") {
		t.Errorf("Delegation = %+v", r)
	}
}
