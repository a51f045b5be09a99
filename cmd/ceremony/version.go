package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/buildinfo"
)

// buildText says, for people, which build i is.
func buildText(i buildinfo.Info) string {
	if i.Build == "full" {
		return "full build (YubiKeys, PKCS#11 tokens)"
	}
	return "auditor's build (no hardware)"
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
	i := buildinfo.Read()
	fmt.Fprintf(stdout, "ceremony %s\ncommit %s\n%s, %s\n", i.Version, i.CommitText(), i.Go, buildText(i))
	if *modules {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, m := range info.Deps {
				fmt.Fprintf(stdout, "module %s %s\n", m.Path, m.Version)
			}
		}
	}
	self, sum, err := buildinfo.Executable()
	if err != nil {
		return err
	}
	raw, _ := hex.DecodeString(sum)
	fmt.Fprintf(stdout, "binary %s\nsha256 %s\n%s\n", self, sum, bundle.PGPWords(raw))
	return nil
}
