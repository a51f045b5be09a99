package e2e

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
)

// TestProjectPathsThroughClients: the path patterns claimed delegates to
// each project, read by go-tuf's and tuf-js's own matchers, give every
// distribution file to the project that owns it and to no other. Claimed
// lists delegations in descending name order and they are terminating, so
// a client follows the first that matches. The names are projects that may
// be claimed together (a name that is another's, "-" and a version, is
// refused by the review: claims/ambiguous_test.go); the files are wheels
// (with and without a build tag), PEP 625 sdists and legacy sdists, with
// the name spelled as uploaders spell it; unclaimed projects' files match
// no delegation at all.
func TestProjectPathsThroughClients(t *testing.T) {
	projects := []string{"foo", "foo-bar", "foo-2fa", "foobar", "foo-bar-baz", "bar", "zope-interface", "a"}
	versions := []string{"1.0", "0.9.post1", "10.2b3", "2024.1.dev4", "3"}
	roles := map[string][]string{}
	for _, p := range projects {
		roles[p] = claims.ProjectPaths(p)
	}
	owner := map[string]string{}
	for _, p := range projects {
		for _, f := range distributionFiles(p, versions) {
			path := "packages/ab/cd/0123456789/" + f
			if other, ok := owner[path]; ok && other != p {
				t.Fatalf("%s is both %s's and %s's file: the names may not be claimed together", f, other, p)
			}
			owner[path] = p
		}
	}
	// Files of projects nobody has claimed yet: no claimed project's
	// patterns may take them (an "foo-*" would give foo-qux's to foo).
	for _, p := range []string{"foo-qux", "foobaz", "bar-foo", "foo-barn", "foo-bar-bazz"} {
		for _, f := range distributionFiles(p, versions) {
			owner["packages/ab/cd/0123456789/"+f] = ""
		}
	}
	paths := make([]string, 0, len(owner))
	for p := range owner {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	order := slices.Clone(projects)
	sort.Sort(sort.Reverse(sort.StringSlice(order)))

	byJS := tufjs.MatchPaths(t, roles, paths)
	for _, path := range paths {
		var byGo []string
		for _, p := range order {
			r := metadata.DelegatedRole{Name: p, Paths: roles[p], Terminating: true}
			ok, err := r.IsDelegatedPath(path)
			if err != nil {
				t.Fatalf("go-tuf: %s against %s: %v", path, p, err)
			}
			if ok {
				byGo = append(byGo, p)
			}
		}
		js := slices.Clone(byJS[path])
		sort.Sort(sort.Reverse(sort.StringSlice(js)))
		if !slices.Equal(byGo, js) {
			t.Errorf("%s: go-tuf matches %v, tuf-js %v", path, byGo, js)
		}
		switch {
		case owner[path] == "" && len(byGo) > 0:
			t.Errorf("%s (an unclaimed project's): %v match it", path, byGo)
		case owner[path] != "" && (len(byGo) == 0 || byGo[0] != owner[path]):
			t.Errorf("%s (%s's): a client follows %v first, want %s", path, owner[path], byGo, owner[path])
		}
	}
	if len(paths) < 300 {
		t.Fatalf("only %d file names: the test covers too little", len(paths))
	}
}

// distributionFiles are file names of project's distributions at each of
// versions: wheels (PEP 427, with and without a build tag), PEP 625 sdists
// and legacy sdists, the name in the spellings uploaders use.
func distributionFiles(project string, versions []string) []string {
	under := strings.ReplaceAll(project, "-", "_")
	dots := strings.ReplaceAll(project, "-", ".")
	title := strings.ToUpper(project[:1]) + project[1:]
	var out []string
	for _, v := range versions {
		for _, name := range []string{under, strings.ToUpper(under), strings.ReplaceAll(title, "-", "_")} {
			out = append(out, fmt.Sprintf("%s-%s-py3-none-any.whl", name, v),
				fmt.Sprintf("%s-%s-1-cp312-cp312-manylinux_2_17_x86_64.whl", name, v),
				fmt.Sprintf("%s-%s.tar.gz", name, v))
		}
		for _, name := range []string{project, dots, title} {
			out = append(out, fmt.Sprintf("%s-%s.tar.gz", name, v), fmt.Sprintf("%s-%s.zip", name, v))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
