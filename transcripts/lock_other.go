//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package transcripts

import (
	"fmt"
	"os"
	"runtime"
)

// lock is not implemented here: without it two commands could append to
// one transcript at once and fork its chain, so a transcript is not opened
// for writing at all. Verify works everywhere.
func lock(f *os.File) error {
	return fmt.Errorf("writing a transcript needs file locking, which this build does not have on %s", runtime.GOOS)
}
