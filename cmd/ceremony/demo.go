//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
)

func runDemo(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	profile := fs.String("profile", "pep458", "repository profile: rstuf, pep458 or pep480")
	out := fs.String("out", "", "directory to write the rehearsal into (new or empty)")
	if _, err := parseFlags(fs, args, stderr, "[--profile P] --out DIR", 0, 0); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	p := plan.Profile(*profile)
	switch p {
	case plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480:
	default:
		return usageError{fmt.Sprintf("unknown profile %q (want rstuf, pep458 or pep480)", *profile)}
	}
	if err := demo.Run(demo.Options{Profile: p, Out: *out, Log: stdout}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "done: a TUF client trusting %s can refresh and download %s\n",
		filepath.Join(*out, demo.Repository, "metadata", "1.root.json"), demo.Target)
	return nil
}
