package source

// A repository directory is checked as a client would check it before a
// ceremony takes anything from it: verify.Repository walks the root chain
// from a root the operator trusts, then timestamp, snapshot, targets and
// every delegated role, each by its delegator's threshold. What the
// ceremony may build on follows from that report:
//
//   - root, timestamp, snapshot, targets and every role targets delegates
//     must verify: any error there (other than expiry) refuses the source,
//     naming the file and the check;
//   - a role further down (a claimed project's role, signed by its
//     maintainers) that does not verify refuses nothing: it is seen, its
//     version counts, but none of its content is taken;
//   - expiry refuses nothing: a ceremony starts from what is in force,
//     and re-signing what has expired is often why it is held.

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// repoTrust is what a client-style verification of a repository found:
// the metadata files whose signatures met their delegator's threshold
// with no error found in them, by name in the metadata directory.
type repoTrust struct {
	path, trustedRoot string
	verified          map[string]bool
	// problems holds, for each delegated role with an error found, the
	// first such error.
	problems map[string]verify.Finding
	// rootVersion is the last root the chain reached.
	rootVersion int64
}

// trusts reports whether the metadata file name verified.
func (t *repoTrust) trusts(name string) bool { return t.verified[name] }

// verifyRepository verifies the repository at path (the directory holding
// metadata/) from trustedRoot, the operator's own copy of a root in force,
// or from the repository's 1.root.json when trustedRoot is "", following
// delegations depth deep (verify.Options.Depth; 0: all). It refuses the
// repository when a top-level role does not verify.
func verifyRepository(path, trustedRoot string, now time.Time, depth int) (*repoTrust, error) {
	meta := filepath.Join(path, workspace.MetadataDir)
	if fi, err := os.Stat(meta); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s holds no metadata directory: give the repository directory (holding metadata/), a finished workspace, or a ceremony's bundle", path)
	}
	if trustedRoot == "" {
		if _, err := os.Lstat(filepath.Join(meta, "1.root.json")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no 1.root.json to start the root chain from: give --trusted-root FILE, your own copy of a root in force (from the last bundle or repository you verified)", meta)
		}
	}
	rep, err := verify.Repository(path, verify.Options{TrustedRoot: trustedRoot, At: now, ExpiryWarning: -1, Depth: depth})
	if err != nil {
		return nil, fmt.Errorf("failed to verify repository %s: %w", path, err)
	}
	t := &repoTrust{path: path, trustedRoot: trustedRoot, verified: map[string]bool{}, problems: map[string]verify.Finding{}, rootVersion: rep.RootVersion}
	// A finding is about one role in one file (a delegator's file also
	// holds findings about the roles it names).
	bad := map[[2]string]bool{}
	for _, f := range rep.Errors() {
		if ignoredFinding(f) {
			continue
		}
		bad[[2]string{f.File, f.Role}] = true
		if isTopLevel(f.Role) {
			return nil, t.refusal(f)
		}
		if _, seen := t.problems[f.Role]; !seen {
			t.problems[f.Role] = f
		}
	}
	for _, r := range rep.Roles {
		if r.Met() && !bad[[2]string{r.File, r.Role}] {
			t.verified[strings.TrimPrefix(r.File, workspace.MetadataDir+"/")] = true
		}
	}
	return t, nil
}

// refuse refuses role, delegated by the top-level targets, when it did
// not verify: a ceremony builds on every role targets delegates (claimed,
// the bins), so none of them may be taken on trust.
func (t *repoTrust) refuse(role string) error {
	if f, bad := t.problems[role]; bad {
		return t.refusal(f)
	}
	return nil
}

func (t *repoTrust) refusal(f verify.Finding) error {
	return hint.With(fmt.Errorf("repository %s does not verify as a client would verify it: %s: %s: %s: nothing is taken from it; give the repository as its server publishes it, or a finished ceremony (verifying the repository lists every finding)", t.path, f.File, f.Role, oneLine(f.Message)), verifyHint(t.path, t.trustedRoot))
}

// workspaceTrust refuses a trusted root given with a workspace: a
// workspace on this machine is the operator's own, its roots checked as it
// was signed, and a flag that does nothing would say what is not so.
func workspaceTrust(dir, trustedRoot string) error {
	if trustedRoot == "" {
		return nil
	}
	return fmt.Errorf("%s is a ceremony workspace on this machine, whose roots are its own: a trusted root (%s) is for starting from a repository directory or a bundle; leave it out", dir, trustedRoot)
}

// verifyHint is the command that lists every finding of the repository at
// path.
func verifyHint(path, trustedRoot string) string {
	if trustedRoot != "" {
		return "verify --trusted-root " + trustedRoot + " " + path
	}
	return "verify " + path
}

// ignoredFinding: expiry (see above), and target files, which a ceremony
// neither reads nor serves.
func ignoredFinding(f verify.Finding) bool {
	return f.Check == "expiry" || strings.HasPrefix(f.File, "targets/")
}

func isTopLevel(role string) bool {
	switch role {
	case metadata.ROOT, metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS:
		return true
	}
	return false
}
