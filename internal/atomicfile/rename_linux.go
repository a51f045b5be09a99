package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"

	"golang.org/x/sys/unix"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// noHardLinks reports whether err is link(2)'s answer on a filesystem
// without hard links: EPERM on FAT and exFAT, EOPNOTSUPP or ENOSYS on some
// FUSE filesystems.
func noHardLinks(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.ENOSYS)
}

// noModes reports whether err is chmod(2)'s answer on a filesystem that
// keeps no file modes (FAT through FUSE: ENOSYS).
func noModes(err error) bool {
	return errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP)
}

// renameNew moves tmp to path unless path exists: renameat2 with
// RENAME_NOREPLACE where the filesystem has it, else a rename after
// checking that path is absent (FUSE filesystems answer EINVAL to the
// flag). The check and the rename are two steps, so a second writer of
// the same name in between would be replaced; the tool's outputs on a
// stick are written by one person's command.
func renameNew(tmp, path string) error {
	crashpoint.Hit(crashpoint.FS)
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, path, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return fs.ErrExist
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.EOPNOTSUPP):
		return renameIfAbsent(tmp, path)
	default:
		return fmt.Errorf("rename %s: %w", path, err)
	}
}
