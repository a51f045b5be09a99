//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transcripts

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockPoll is how often the lock is tried again while waiting.
const lockPoll = 50 * time.Millisecond

// lock takes an exclusive flock on f, waiting up to LockWait for another
// holder. flock locks belong to the open file, so a second Open in the
// same process waits as one in another process does; the kernel drops the
// lock when the process dies, so a kill never leaves a stale lock behind.
func lock(f *os.File) error {
	start := time.Now()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case !errors.Is(err, syscall.EWOULDBLOCK):
			return err
		case time.Since(start) >= LockWait:
			return &InUseError{Holder: lockHolder(f), Waited: LockWait}
		}
		time.Sleep(lockPoll)
	}
}
