package main

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// version is the release's version, stamped at build time
// (-ldflags "-X main.version=v1.2.3"); "" takes the module's.
var version string

// buildVersion says what this binary is: its version, the commit it was
// built from, whether the tree was modified, the Go version and build.
func buildVersion() (ver, commit string, modified bool) {
	ver, commit = version, "unknown"
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return orUnknown(ver), commit, false
	}
	if ver == "" {
		ver = info.Main.Version
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return orUnknown(ver), commit, modified
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// runVersion is 'ceremony version' (and --version): what this binary is,
// and the SHA-256 of its own file, in hex and as PGP words, for the
// witnesses to compare with the release's SHA256SUMS read on another
// machine.
func runVersion(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	modules := fs.Bool("modules", false, "list the modules built in, with their versions")
	if _, err := parseFlags(fs, args, stderr, "[--modules]", 0, 0); err != nil {
		return err
	}
	ver, commit, modified := buildVersion()
	if modified {
		commit += " (modified tree)"
	}
	build := "full build (YubiKeys, PKCS#11 tokens)"
	if !fullBuild {
		build = "auditor's build (no hardware)"
	}
	fmt.Fprintf(stdout, "ceremony %s\ncommit %s\n%s %s/%s, %s\n", ver, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH, build)
	if *modules {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, m := range info.Deps {
				fmt.Fprintf(stdout, "module %s %s\n", m.Path, m.Version)
			}
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("failed to find this binary's file to hash it: %w", err)
	}
	data, err := os.ReadFile(self)
	if err != nil {
		return fmt.Errorf("failed to read this binary's file %s to hash it: %w", self, err)
	}
	sum := sha256.Sum256(data)
	fmt.Fprintf(stdout, "binary %s\nsha256 %s\n%s\n", self, hex.EncodeToString(sum[:]), bundle.PGPWords(sum[:]))
	return nil
}
