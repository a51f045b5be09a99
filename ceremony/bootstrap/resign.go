package bootstrap

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A next-root ceremony ('ceremony init --from') may start from the trusted
// root file alone, or from the repository directory or finished workspace
// that holds it. From a directory, the offline roles whose keys the plan
// changes (targets when root's targets keys or threshold change, or the
// keys of what targets delegates: the bins' online key, pep480's claimed)
// are signed again in the same workspace, from their current content, at a
// version above every version seen. From a root file alone, the workspace
// signs root only, and a warning (repeated by status) says that targets
// must be signed again and how.

// readTrustedFrom reads the trusted root that --from names: a root file,
// or the newest root of a repository directory or workspace.
func readTrustedFrom(from string) ([]byte, error) {
	fi, err := os.Stat(from)
	if err != nil || !fi.IsDir() {
		return os.ReadFile(from)
	}
	src, err := source.LoadDir(from, "", time.Time{})
	if err != nil {
		return nil, err
	}
	return src.RootBytes, nil
}

// addResigned adds to a next-root workspace the offline roles newRoot and
// the plan call for, and names their keys.
func addResigned(from string, newRoot *metadata.RootType, p *plan.Plan, now time.Time, roles map[string]*metafile.File, state *workspace.State) error {
	if p.Profile == plan.ProfileRSTUF {
		return nil // rstuf's targets and bins are signed online
	}
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		w, err := rootOnlyWarning(from, newRoot, p)
		if w != "" {
			state.Warnings = append(state.Warnings, w)
		}
		return err
	}
	src, err := source.LoadDir(from, "", now)
	if err != nil {
		return err
	}
	res := rotation.ResignFor(src.State, newRoot, rotation.DelegationsFromPlan(p), rotation.ResignOptions{Now: now, ExpiresDays: p.Roles.Targets.ExpiresDays})
	if len(res.Problems) > 0 {
		return fmt.Errorf("%s: the plan's changes cannot be carried out:\n  %s", p.Path, strings.Join(res.Problems, "\n  "))
	}
	for _, m := range res.Missing {
		state.Warnings = append(state.Warnings, m+"; this workspace signs root only")
	}
	for _, r := range res.Resign {
		if roles[r.Role], err = metafile.FromSigned(res.Targets[r.Role]); err != nil {
			return err
		}
		state.Roles = append(state.Roles, r.Role)
	}
	return nil
}

// rootOnlyWarning says what to do about a plan that changes what targets
// must be signed by, when only the trusted root file is at hand.
func rootOnlyWarning(from string, newRoot *metadata.RootType, p *plan.Plan) (string, error) {
	data, err := os.ReadFile(from)
	if err != nil {
		return "", err
	}
	f, err := metafile.Parse(data)
	if err != nil {
		return "", fmt.Errorf("trusted root %s: %w", from, err)
	}
	trusted, err := f.Root()
	if err != nil {
		return "", fmt.Errorf("trusted root %s: %w", from, err)
	}
	var why []string
	if !sameRule(trusted, newRoot, metadata.TARGETS) {
		why = append(why, "the keys or threshold of targets")
	}
	if !sameRule(trusted, newRoot, metadata.TIMESTAMP) {
		why = append(why, "the online key, which signs the hash bins targets delegates to")
	}
	if len(why) == 0 {
		return "", nil
	}
	return fmt.Sprintf("the plan changes %s, so targets must be signed again, and %s holds only root: this workspace signs root only; to sign targets in it too, give --from the repository directory or the workspace that holds the current targets", strings.Join(why, " and "), from), nil
}

// sameRule reports whether two roots give role the same keys and threshold.
func sameRule(a, b *metadata.RootType, role string) bool {
	ra, err1 := threshold.FromRoot(a, role, "a")
	rb, err2 := threshold.FromRoot(b, role, "b")
	if err1 != nil || err2 != nil {
		return err1 != nil && err2 != nil
	}
	if ra.Threshold != rb.Threshold || len(ra.KeyIDs) != len(rb.KeyIDs) {
		return false
	}
	for _, id := range ra.KeyIDs {
		if _, ok := rb.KeyIDFor(ra.Keys[id]); !ok {
			return false
		}
	}
	return true
}
