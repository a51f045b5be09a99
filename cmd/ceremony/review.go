package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// runReview shows what a workspace is about to have signed against what
// clients trust now. With --key it also says which roles that key may sign,
// and fails (exit 1) when it may sign none.
func runReview(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/review/v1)")
	key := fs.String("key", "", "the URI of the key about to sign: say which roles it may sign (no PIN is asked)")
	rest, err := parseFlags(fs, args, stderr, "[--json] [--key URI] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	line := env.step("reviewing "+rest[0], *asJSON)
	rev, err := env.engine.Review(rest[0], *key, time.Time{})
	line.Stop()
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, "review", rev); err != nil {
			return err
		}
	} else {
		printReview(stdout, rev)
	}
	if rev.Key != nil && len(rev.KeyMaySign) == 0 {
		return fmt.Errorf("%s may sign no role in %q; use a key the plan lists (the review above says who may sign)", rev.Key, rest[0])
	}
	return nil
}

func printReview(w io.Writer, rev *ceremony.ReviewReport) {
	for _, line := range rev.Lines {
		fmt.Fprintln(w, line)
	}
	for _, r := range rev.Roles {
		fmt.Fprintln(w)
		for i, line := range r.Lines {
			if i > 0 {
				fmt.Fprint(w, "  ")
			}
			fmt.Fprintln(w, line)
		}
	}
}
