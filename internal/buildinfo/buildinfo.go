// Package buildinfo says what the running ceremony binary is: its version
// (stamped at release), the commit and Go version it was built with,
// whether it is the full build or the auditor's, and the SHA-256 of its own
// file. 'ceremony version' prints it for the witnesses to compare with the
// release's SHA256SUMS, and every workspace's init record keeps it, so that
// an auditor knows which tool made a ceremony.
package buildinfo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Version is the release's version, stamped at build time
// (-ldflags "-X github.com/tuf-ceremony/ceremony/internal/buildinfo.Version=v1.2.3");
// "" takes the module's version from the build information.
var Version string

// Commit is the commit a release was built from, stamped like Version
// (a release builds with -buildvcs=false, so that the same commit gives
// the same bytes from a checkout or an exported tree); "" takes the VCS
// revision the go command recorded, if any.
var Commit string

// Info is what this binary is.
type Info struct {
	// Version is the release's version, or the module's ("(devel)" for a
	// build from a checkout), or "unknown".
	Version string
	// Commit is the VCS revision built, "unknown" when the build did not
	// record it; Modified says the tree had changes not committed.
	Commit   string
	Modified bool
	// Go is the Go version, with the OS and architecture.
	Go string
	// Build is "full" (YubiKeys and PKCS#11 tokens, built with cgo) or
	// "auditor" (no hardware, CGO_ENABLED=0).
	Build string
}

// Read returns what this binary is.
func Read() Info {
	i := Info{Version: Version, Commit: "unknown", Build: build,
		Go: fmt.Sprintf("%s %s/%s", runtime.Version(), runtime.GOOS, runtime.GOARCH)}
	if info, ok := debug.ReadBuildInfo(); ok {
		if i.Version == "" {
			i.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				i.Commit = s.Value
			case "vcs.modified":
				i.Modified = s.Value == "true"
			}
		}
	}
	if Commit != "" {
		i.Commit = Commit
	}
	if i.Version == "" {
		i.Version = "unknown"
	}
	return i
}

// CommitText is the commit, marked when the tree was modified.
func (i Info) CommitText() string {
	if i.Modified {
		return i.Commit + " (modified tree)"
	}
	return i.Commit
}

var self struct {
	once sync.Once
	path string
	sum  string
	err  error
}

// Executable is the path of this binary's file and its SHA-256 in
// lowercase hex, read once per process.
func Executable() (path, sha256Hex string, err error) {
	self.once.Do(func() {
		self.path, self.err = os.Executable()
		if self.err != nil {
			self.err = fmt.Errorf("failed to find this binary's file to hash it: %w", self.err)
			return
		}
		f, err := os.Open(self.path)
		if err != nil {
			self.err = fmt.Errorf("failed to read this binary's file %s to hash it: %w", self.path, err)
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			self.err = fmt.Errorf("failed to read this binary's file %s to hash it: %w", self.path, err)
			return
		}
		self.sum = hex.EncodeToString(h.Sum(nil))
	})
	return self.path, self.sum, self.err
}
