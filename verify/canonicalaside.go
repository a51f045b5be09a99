package verify

import (
	"sync"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// asideFrom is the size of "signed" from which canonicalAside makes its
// canonical form on a goroutine of its own.
const asideFrom = 1 << 20

// canonicalAside starts making f's canonical form (metafile.File.Canonical)
// on a goroutine of its own, for a "signed" of asideFrom bytes or more:
// claimed at 100,000 projects takes 0.2 s to canonicalize and as long to
// walk for its members (Header and Members, which keep other fields of f
// than Canonical and may run beside it). It returns what waits for it to
// be made, to be called before anything else asks f for its canonical
// form. An error is not kept: it is met again, and reported, by the
// signatures' count.
func canonicalAside(f *metafile.File) (wait func()) {
	if len(f.Signed) < asideFrom {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f.Canonical()
	}()
	return sync.OnceFunc(func() { <-done })
}
