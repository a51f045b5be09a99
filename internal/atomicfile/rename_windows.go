package atomicfile

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"

	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
)

// noHardLinks reports whether err is CreateHardLink's answer on a volume
// without hard links: FAT32 and exFAT answer ERROR_INVALID_FUNCTION.
func noHardLinks(err error) bool {
	return errors.Is(err, windows.ERROR_INVALID_FUNCTION) || errors.Is(err, windows.ERROR_NOT_SUPPORTED) || errors.Is(err, errors.ErrUnsupported)
}

// noModes reports whether err is chmod's answer on a volume that keeps no
// file modes.
func noModes(err error) bool { return errors.Is(err, errors.ErrUnsupported) }

// renameNew moves tmp to path unless path exists: MoveFileEx without
// MOVEFILE_REPLACE_EXISTING refuses an existing target in one step, and
// MOVEFILE_WRITE_THROUGH returns only once the move is on disk.
func renameNew(tmp, path string) error {
	from, err := windows.UTF16PtrFromString(tmp)
	if err != nil {
		return err
	}
	to, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return err
	}
	crashpoint.Hit(crashpoint.FS)
	err = windows.MoveFileEx(from, to, windows.MOVEFILE_WRITE_THROUGH)
	if errors.Is(err, windows.ERROR_ALREADY_EXISTS) || errors.Is(err, windows.ERROR_FILE_EXISTS) {
		return fs.ErrExist
	}
	return err
}
