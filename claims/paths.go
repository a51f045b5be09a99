package claims

import (
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// PackagesPrefix is where PyPI serves distribution files:
// packages/XX/YY/BLAKE2B-REST/FILENAME.
const PackagesPrefix = "packages/*/*/*/"

// ProjectPaths are the target path patterns the claimed role delegates to
// project (a normalized name): every distribution file whose name a client
// (pip) reads as one of project's, and none of another project's.
//
// A distribution's file name is the project's name, "-", the version,
// then the rest. The name is spelled in the file as its uploader wrote it:
// any case, separators as "_" (wheels, PEP 625 sdists), as "." (older
// wheels and sdists: zope.interface) or as "-" (legacy sdists). So each
// letter is matched in either case ("[fF]"), each separator by "[_.]" in
// one pattern and by "-" in a second one (a name without separators has
// one pattern), and a digit must follow the name and its "-": "foo-*"
// would also match foo-bar's files, a hijack across projects, since
// claimed delegations are terminating. For "foo-bar":
//
//	packages/*/*/*/[fF][oO][oO][_.][bB][aA][rR]-[0-9]*
//	packages/*/*/*/[fF][oO][oO]-[bB][aA][rR]-[0-9]*
//
// The patterns use only "*" and bracket classes of letters, digits, "_"
// and ".", which go-tuf (filepath.Match per path segment), tuf-js
// (minimatch per segment) and python-tuf (fnmatch per segment) read alike;
// a "-" inside a class is not one of those (filepath.Match refuses it).
//
// What no glob can tell apart: a legacy sdist of a project whose name is
// this one's, "-" and a digit (foo-2fa-1.0.tar.gz of "foo-2fa") matches
// "foo"'s pattern. When what follows the "-" is a version ("foo-99999"),
// the longer name's files are the shorter's too (foo-99999-1.tar.gz is
// foo 99999.post1, foo-99999-1-py3-none-any.whl foo 99999 build 1), and
// Review refuses the second of the two to be claimed. Otherwise Review
// flags the pair, and the claimed role lists the longer name's delegation
// first (descending name order does). Names mixing "-" with "_" or "."
// in one file name, or runs of separators, are not matched.
func ProjectPaths(project string) []string {
	parts := strings.Split(project, "-")
	for i, p := range parts {
		parts[i] = anyCase(p)
	}
	paths := []string{PackagesPrefix + strings.Join(parts, "[_.]") + "-[0-9]*"}
	if len(parts) > 1 {
		paths = append(paths, PackagesPrefix+strings.Join(parts, "-")+"-[0-9]*")
	}
	return paths
}

// anyCase turns each ASCII letter of s into a class of its two cases.
func anyCase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			b.WriteByte('[')
			b.WriteByte(c)
			b.WriteByte(c - 'a' + 'A')
			b.WriteByte(']')
		case c >= 'A' && c <= 'Z':
			b.WriteByte('[')
			b.WriteByte(c - 'A' + 'a')
			b.WriteByte(c)
			b.WriteByte(']')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Delegation is the claimed role's delegation to an accepted claim's
// project: the role named after the project, the claim's keys (sorted key
// IDs) and threshold, ProjectPaths, terminating. The caller adds c.Keys to
// the claimed role's delegations.keys.
func Delegation(c Claim) metadata.DelegatedRole {
	ids := make([]string, 0, len(c.Keys))
	for id := range c.Keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return metadata.DelegatedRole{
		Name:        c.Project,
		KeyIDs:      ids,
		Threshold:   c.Threshold,
		Paths:       ProjectPaths(c.Project),
		Terminating: true,
	}
}
