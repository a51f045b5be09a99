package verify

import "github.com/tuf-ceremony/ceremony/metafile"

// asideFrom is the size of "signed" from which canonicalAside makes its
// canonical form on a goroutine of its own.
const asideFrom = 1 << 20

// canonicalAside is f.CanonicalAside for a "signed" of asideFrom bytes or
// more: claimed at 100,000 projects takes 0.2 s to canonicalize and as
// long to walk for its members, which checkRole does meanwhile. A smaller
// one is canonicalized when its signatures are counted.
func canonicalAside(f *metafile.File) (wait func()) {
	if len(f.Signed) < asideFrom {
		return func() {}
	}
	return f.CanonicalAside()
}
