//go:build unix

package p11

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// checkModuleFile refuses to load a library that someone else could have
// put there or could change: the file real (module-path with its links
// resolved) and every directory above it must be owned by root or by the
// user running the ceremony, and writable by nobody else (a world-writable
// directory such as /tmp, even with its sticky bit, is refused). Loading a
// library runs its code inside the ceremony process: a module path that
// came with a bundle or a plan from elsewhere must not be able to name one
// an attacker wrote.
func checkModuleFile(path, real string) error {
	uid := uint32(os.Getuid())
	for p := real; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("PKCS#11 module %q: %w", path, unwrapPathError(err))
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && st.Uid != uid {
			return fmt.Errorf("PKCS#11 module %q: %s belongs to user %d, neither root nor you: a library someone else controls is never loaded; install the module where only root can write (/usr/lib/...)", path, p, st.Uid)
		}
		if fi.Mode().Perm()&0o022 != 0 {
			return fmt.Errorf("PKCS#11 module %q: %s is writable by others (mode %s): a library anyone can replace is never loaded; install the module where only root can write (/usr/lib/...)", path, p, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// systemLibraryDirs are where a system's packages install libraries, and
// where only root writes: a module is loaded from below one of them, as
// module-path names it (a link there, placed by root, may lead elsewhere).
var systemLibraryDirs = []string{"/lib", "/lib64", "/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/local/lib", "/usr/local/lib64"}

// checkModuleDir refuses a module-path outside the system's library
// directories: no library of a download, a USB stick or a bundle's
// unpacked copy is loaded, whoever owns it.
func checkModuleDir(path string) error {
	clean := filepath.Clean(path)
	for _, dir := range systemLibraryDirs {
		if strings.HasPrefix(clean, dir+"/") {
			return nil
		}
	}
	return fmt.Errorf("PKCS#11 module %q is outside the system's library directories (%s): only a module installed there is loaded; install your HSM's module with the system's packages, or have root link it there", path, strings.Join(systemLibraryDirs, ", "))
}
