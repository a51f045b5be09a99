//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package transcripts

import (
	"errors"
	"os"
	"syscall"
)

// lock takes an exclusive flock on f without waiting. flock locks belong to
// the open file, so a second Open in the same process is refused as well as
// one in another process; the kernel drops the lock when the process dies,
// so a kill never leaves a stale lock behind.
func lock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return ErrInUse
		}
		return err
	}
}
