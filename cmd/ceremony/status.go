package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

func runStatus(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/status/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--json] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	line := env.step("reading "+rest[0], *asJSON)
	st, err := ceremony.GetStatus(rest[0])
	line.Stop()
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, "status", st); err != nil {
			return err
		}
	} else {
		printStatus(stdout, st)
	}
	if !st.AllMet() {
		return exitError{exitMissing}
	}
	return nil
}

func printStatus(w io.Writer, st *ceremony.Status) {
	fmt.Fprintf(w, "workspace %s: %s ceremony, profile %s", st.Dir, st.Kind, st.Profile)
	if st.Repository != "" {
		fmt.Fprintf(w, ", repository %s", st.Repository)
	}
	fmt.Fprintln(w)
	if st.DateConfirmed != "" {
		fmt.Fprintf(w, "date: %s\n", st.DateConfirmed)
	}
	for _, warn := range st.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}
	for _, u := range st.Unwritten {
		fmt.Fprintf(w, "NOT WRITTEN YET: %s\n", u)
	}
	for _, r := range st.Roles {
		fmt.Fprintf(w, "\n%s v%d, expires %s\n", r.Role, r.Version, r.Expires.UTC().Format(time.RFC3339))
		for _, c := range r.Thresholds {
			state := "threshold met"
			if !c.Met {
				state = fmt.Sprintf("needs %d more", c.Threshold-len(c.Signed))
			}
			fmt.Fprintf(w, "  %s: %d of %d required signed (%s)\n", c.Delegator, len(c.Signed), c.Threshold, state)
			fmt.Fprintf(w, "    signed:      %s\n", names(c.Signed))
			fmt.Fprintf(w, "    not signed:  %s\n", names(c.Missing))
			if len(c.Invalid) > 0 {
				fmt.Fprintf(w, "    INVALID signature from: %s\n", names(c.Invalid))
			}
		}
	}
	if st.AllMet() {
		fmt.Fprintf(w, "\nevery threshold is met\n")
	} else {
		fmt.Fprintf(w, "\nsignatures are missing\n")
	}
	if st.Seal != nil {
		fmt.Fprintf(w, "sealed at transcript record %d by %s: it takes no more signatures or notes\n", st.Seal.Record, st.Seal.By)
	}
	for _, b := range st.Bundles {
		fmt.Fprintf(w, "record %d: %s, SHA-256 %s\n", b.Record, b.Message, b.SHA256)
	}
}

func names(ps []ceremony.Party) string {
	if len(ps) == 0 {
		return "-"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = fmt.Sprintf("%s (%s)", p.Holder, p.KeyID[:min(12, len(p.KeyID))])
	}
	return strings.Join(out, ", ")
}
