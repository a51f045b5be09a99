package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

func runBundle(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	out := fs.String("out", "", "the bundle file to write (never overwritten)")
	partial := fs.Bool("partial", false, "bundle while signatures are missing, to carry the work to another signer")
	planDir := fs.String("plan-dir", "", "directory the plan's key paths are relative to (default: where the plan was at init)")
	rest, err := parseFlags(fs, args, stderr, "--out FILE [--partial] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	line := env.step("bundling "+rest[0], false)
	res, err := env.engine.Bundle(ceremony.BundleOptions{Dir: rest[0], Out: *out, Partial: *partial, PlanDir: *planDir})
	line.Stop()
	if err != nil {
		return err
	}
	for _, n := range res.Notices {
		fmt.Fprintf(stderr, "ceremony: %s\n", n)
	}
	if res.Partial {
		fmt.Fprintf(stderr, "ceremony: WARNING: partial bundle, not for upload; missing: %v\n", res.Missing)
	}
	if res.Again {
		fmt.Fprintf(stdout, "%s holds this very bundle already (the same bytes): left as it is (%d entries)\n", res.Out, len(res.Entries))
	} else {
		fmt.Fprintf(stdout, "wrote %s (%d entries)\n", res.Out, len(res.Entries))
	}
	if res.RecordedAt != 0 {
		fmt.Fprintf(stdout, "the transcript records this bundle already, at record %d\n", res.RecordedAt)
	}
	fmt.Fprintf(stdout, "sha256 %s\n%s\n", res.SHA256, res.PGPWords)
	verify := "ceremony verify"
	if res.Rehearsal {
		verify += " --rehearsal"
	}
	fmt.Fprintf(stderr, "ceremony: hint: read the SHA-256 words aloud at the online machine and run '%s %s' there\n", verify, res.Out)
	return nil
}
