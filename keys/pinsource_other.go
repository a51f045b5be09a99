//go:build !unix

package keys

import (
	"fmt"
	"io/fs"
)

// checkPINSource takes a regular file or a pipe: this system has no
// owners and modes to check.
func checkPINSource(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() || fi.Mode()&fs.ModeNamedPipe != 0 {
		return nil
	}
	return fmt.Errorf("pin-source %q is not a regular file or a pipe", path)
}
