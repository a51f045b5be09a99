//go:build !linux && !windows

package atomicfile

import (
	"errors"
	"syscall"
)

// noHardLinks reports whether err is link(2)'s answer on a filesystem
// without hard links.
func noHardLinks(err error) bool {
	return errors.Is(err, syscall.EPERM) || errors.Is(err, errors.ErrUnsupported)
}

// noModes reports whether err is chmod's answer on a filesystem that keeps
// no file modes.
func noModes(err error) bool { return errors.Is(err, errors.ErrUnsupported) }

// renameNew moves tmp to path after checking that path is absent.
func renameNew(tmp, path string) error { return renameIfAbsent(tmp, path) }
