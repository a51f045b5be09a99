package ceremony

import "sync"

// canonicalAhead starts making the canonical bytes of every role the jobs
// sign (metafile.File.CanonicalAside), while the key is opened: a
// passphrase's key derivation or a PIN typed takes longer than
// canonicalizing a claimed role of 100,000 projects (0.15 s), which the
// signing no longer waits for. They are the canonical bytes of the
// metadata every check was made on, nothing else. The function returned
// waits until they are made; nothing may use the jobs' files before it
// returns. Sign waits before it signs, and again on its way out on every
// path.
func canonicalAhead(l *Loaded, jobs []signJob) (wait func()) {
	waits := make([]func(), 0, len(jobs))
	for _, j := range jobs {
		waits = append(waits, l.Files[j.role].CanonicalAside())
	}
	return sync.OnceFunc(func() {
		for _, w := range waits {
			w()
		}
	})
}
