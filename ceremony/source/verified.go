package source

// A repository directory is checked as a client would check it before a
// ceremony takes anything from it: verify.Repository walks the root chain
// from a root the operator trusts, then timestamp, snapshot, targets and
// every delegated role, each by its delegator's threshold. What the
// ceremony may build on follows from that report:
//
//   - root, timestamp, snapshot, targets and every role targets delegates
//     (claimed, the hash bins) must verify: any error there (other than
//     expiry) refuses the source, naming the file and the check;
//   - a role further down (a claimed project's role, signed by its
//     maintainers) that does not verify refuses nothing: it is seen, its
//     version counts, but none of its content is taken;
//   - expiry refuses nothing: a ceremony starts from what is in force,
//     and re-signing what has expired is often why it is held.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// repoTrust is what a client-style verification of a repository found:
// the metadata files whose signatures met their delegator's threshold
// with no error found in them, by name in the metadata directory, each
// with the SHA-256 of the bytes checked.
type repoTrust struct {
	path, trustedRoot string
	verified          map[string]string
	// kept holds, by name, the bytes and parse of the files verified
	// when the verifier kept them (a claims or project ceremony's
	// reading, one delegation deep): they are taken as they were checked,
	// not read again.
	kept map[string]verifiedFile
	// rootVersion is the last root the chain reached.
	rootVersion int64
}

// trusts reports whether the metadata file name verified, as data.
func (t *repoTrust) trusts(name string, data []byte) bool {
	sum, ok := t.verified[name]
	if !ok {
		return false
	}
	got := sha256.Sum256(data)
	return sum == hex.EncodeToString(got[:])
}

// verifiedFile is a metadata file as the verifier read and parsed it.
type verifiedFile struct {
	data []byte
	file *metafile.File
}

// verifyRepository verifies the repository at path (the directory holding
// metadata/) from trustedRoot, the operator's own copy of a root in force,
// or from the repository's 1.root.json when trustedRoot is "", following
// delegations depth deep (verify.Options.Depth; 0: all). It refuses the
// repository when anything fails that a ceremony builds on (builtOn).
func verifyRepository(path, trustedRoot string, now time.Time, depth int) (*repoTrust, error) {
	meta := filepath.Join(path, workspace.MetadataDir)
	if fi, err := os.Stat(meta); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%s holds no metadata directory: give the repository directory (holding metadata/), a finished workspace, or a ceremony's bundle", path)
	}
	if trustedRoot == "" {
		if _, err := os.Lstat(filepath.Join(meta, "1.root.json")); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s holds no 1.root.json to start the root chain from: give your own copy of a root in force (from the last bundle or repository you verified) as the trusted root, or the root file itself", meta)
		}
	}
	// One delegation deep (a claims or project ceremony), what verifies
	// is what the ceremony builds on: the verifier keeps it (claimed at
	// PyPI's scale is read and parsed once). Following every delegation
	// (a rotation's reading of every hash bin), the files are read again
	// one by one and compared with what verified.
	keep := depth == 1
	rep, err := verify.Repository(path, verify.Options{TrustedRoot: trustedRoot, At: now, ExpiryWarning: -1, Depth: depth, SkipTargetFiles: true, KeepFiles: keep})
	if err != nil {
		return nil, fmt.Errorf("failed to verify repository %s: %w", path, err)
	}
	t := &repoTrust{path: path, trustedRoot: trustedRoot, verified: map[string]string{}, kept: map[string]verifiedFile{}, rootVersion: rep.RootVersion}
	// A finding is about one role in one file (a delegator's file also
	// holds findings about the roles it names).
	bad := map[[2]string]bool{}
	for _, f := range rep.Errors() {
		if f.Check == "expiry" {
			continue
		}
		if builtOn(f) {
			return nil, hint.With(fmt.Errorf("repository %s does not verify as a client would verify it: %s: %s: %s: nothing is taken from it; give the repository as its server publishes it, or a finished ceremony (verifying the repository lists every finding)", path, f.File, f.Role, oneLine(f.Message)), verifyHint(path, trustedRoot))
		}
		bad[[2]string{f.File, f.Role}] = true
	}
	for _, r := range rep.Roles {
		if r.Met() && r.SHA256 != "" && !bad[[2]string{r.File, r.Role}] {
			name := strings.TrimPrefix(r.File, workspace.MetadataDir+"/")
			t.verified[name] = r.SHA256
			if r.Parsed != nil {
				t.kept[name] = verifiedFile{data: r.Data, file: r.Parsed}
			}
		}
	}
	return t, nil
}

// builtOn reports whether an error finding is about what a ceremony
// builds on: the root chain and anything the verifier could not check
// (no delegator), the roles root delegates, and the roles top-level
// targets delegates (claimed, the hash bins). A finding about a role a
// project's role delegates, or about claimed counted against a project's
// delegation of it, is that project's own, and refuses nothing.
func builtOn(f verify.Finding) bool {
	d := f.Delegator
	return d == "" || strings.HasPrefix(d, metadata.ROOT+" v") || strings.HasPrefix(d, metadata.TARGETS+" v")
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
