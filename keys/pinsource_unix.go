//go:build unix

package keys

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPINSource refuses a pin-source that is neither a pipe nor a
// regular file of this user's that nobody else may read or write.
func checkPINSource(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeNamedPipe != 0:
		return nil
	case !fi.Mode().IsRegular():
		return fmt.Errorf("pin-source %q is not a regular file or a pipe (it is %s): give a file only you can read, or a pipe", path, fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("pin-source %q belongs to user %d, not to you: a secret someone else's file holds is not yours to keep; copy it into a file of your own (chmod 600)", path, st.Uid)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("pin-source %q may be read or written by others (mode %04o): run chmod 600 %s", path, perm, path)
	}
	return nil
}
