package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func runVerify(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	trusted := fs.String("trusted-root", "", "the root to start trusting from (default: the repository's 1.root.json)")
	atFlag := fs.String("at", "", "verify as of this time (RFC 3339, e.g. 2025-01-31T12:00:00Z), for auditing past ceremonies")
	rehearsal := fs.Bool("rehearsal", false, "accept a rehearsal's workspace or bundle as one (it is refused otherwise)")
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/verify/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--trusted-root FILE] [--at TIME] [--rehearsal] [--json] PATH", 1, 1)
	if err != nil {
		return err
	}
	var at time.Time
	if *atFlag != "" {
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			return usageError{fmt.Sprintf("--at %q is not an RFC 3339 time (2025-01-31T12:00:00Z)", *atFlag)}
		}
	}
	path := rest[0]
	var rep *verify.Report
	line := env.step("verifying "+path, *asJSON)
	defer line.Stop()
	switch {
	case workspace.IsWorkspace(path):
		rep, err = audit.VerifyWorkspace(env.engine, path, *trusted, at)
	case isDir(filepath.Join(path, "metadata")):
		rep, err = verify.Repository(path, verify.Options{TrustedRoot: *trusted, At: at})
	case isFile(path):
		rep, err = audit.VerifyBundle(env.engine, path, *trusted, at)
	default:
		if _, statErr := os.Lstat(path); errors.Is(statErr, os.ErrNotExist) {
			return fmt.Errorf("%s does not exist: give a bundle file, a workspace or a repository directory", path)
		}
		return fmt.Errorf("%q is neither a workspace (no %s), a repository (no metadata/ directory) nor a bundle file", path, workspace.StateFile)
	}
	line.Stop()
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, "verify", rep); err != nil {
			return err
		}
	} else {
		rep.Print(stdout)
	}
	if !rep.OK() {
		return fmt.Errorf("verification of %q failed: %d error(s)", path, len(rep.Errors()))
	}
	if rep.Rehearsal && !*rehearsal {
		return fmt.Errorf("%q is a rehearsal's: it verifies, but is no real ceremony's; give --rehearsal to verify a rehearsal", path)
	}
	return nil
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
