package source

// What a repository's metadata must carry before a ceremony takes versions
// from it: roots that chain, and a timestamp and snapshot their keys
// signed.

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// signedByRoot checks that f, role's metadata at path, meets the threshold
// root gives role: versions are taken from a timestamp or snapshot only
// when its keys signed it (an unsigned snapshot naming an older claimed
// would have a ceremony build on it and undo a rekey).
func signedByRoot(root *metadata.RootType, role, path string, f *metafile.File) error {
	rule, err := threshold.FromRoot(root, role, threshold.Label(metadata.ROOT, root.Version))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	t, err := threshold.Count(rule, f)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !t.Met() {
		return fmt.Errorf("%s: %s is signed by %d of the %d keys %s requires: it is not trusted, and no version is taken from it; give the repository as its server publishes it, or a finished ceremony", path, role, len(t.Signed), rule.Threshold, rule.Delegator)
	}
	return nil
}

// chainRoot checks root file f, named for version v, against prev, the
// root before it (nil for the first there is): its version is v, and it
// follows prev, signed by prev's threshold and its own.
func chainRoot(path string, v int64, f *metafile.File, prev *metadata.RootType) (*metadata.RootType, error) {
	r, err := f.Root()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if r.Version != v {
		return nil, fmt.Errorf("%s: holds root v%d: a root file's name and the version it holds must agree (a renamed copy would roll the repository back)", path, r.Version)
	}
	if prev == nil {
		return r, nil
	}
	if r.Version != prev.Version+1 {
		return nil, fmt.Errorf("%s: root v%d follows v%d: the roots between are missing", path, r.Version, prev.Version)
	}
	rules, err := threshold.RootRules(r, prev)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if rule := threshold.Unmet(f, rules...); rule != nil {
		return nil, fmt.Errorf("%s: root v%d is not signed by %d of the keys %s lists: it does not follow the root before it, and is not trusted", path, r.Version, rule.Threshold, rule.Delegator)
	}
	return r, nil
}
