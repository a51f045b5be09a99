package transcripts

import (
	"bytes"
	"os"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// SetSyncHooks replaces the fsync of the transcript file and of directories
// for one test or benchmark; restore puts the real ones back. (States and
// torn pieces are written by atomicfile, which always syncs.)
func SetSyncHooks(file func(*os.File) error, dir func(string) error) (restore func()) {
	oldFile, oldDir := syncFile, syncDir
	syncFile, syncDir = file, dir
	return func() { syncFile, syncDir = oldFile, oldDir }
}

// RealSyncFile and RealSyncDir are the production syncs, for hooks that
// count and then sync.
var (
	RealSyncFile = (*os.File).Sync
	RealSyncDir  = atomicfile.SyncDir
)

// GuardHolds reports whether any byte the secret guard keeps contains b.
func GuardHolds(t *Transcript, b []byte) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if bytes.Contains(t.guard.key, b) {
		return true
	}
	for d := range t.guard.digests {
		if bytes.Contains(d[:], b) {
			return true
		}
	}
	return false
}

// GuardWiped reports whether Close left nothing in the guard.
func GuardWiped(t *Transcript) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.guard.key == nil && len(t.guard.digests) == 0 && len(t.guard.lengths) == 0
}
