package ceremony

import "sync"

// canonicalAhead starts making the canonical bytes of every role the jobs
// sign (metafile.File.Canonical, which keeps them), each on a goroutine of
// its own, while the key is opened: a passphrase's key derivation or a
// PIN typed takes longer than canonicalizing a claimed role of 100,000
// projects (0.15 s), which the signing no longer waits for. They are the
// canonical bytes of the metadata every check was made on, nothing else.
// The function returned waits until they are made; nothing may use the
// jobs' files before it returns.
func canonicalAhead(l *Loaded, jobs []signJob) (wait func()) {
	done := make(chan struct{}, len(jobs))
	for _, j := range jobs {
		f := l.Files[j.role]
		go func() {
			// An error is kept nowhere: signRole asks again and reports it.
			_, _ = f.Canonical()
			done <- struct{}{}
		}()
	}
	// Waited for once, however often it is called: Sign waits before it
	// signs, and again on its way out on every path.
	return sync.OnceFunc(func() {
		for range jobs {
			<-done
		}
	})
}
