package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
)

// listFlag is a flag given any number of times, each value possibly a
// comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// repeatFlag is a flag given any number of times, each value whole.
type repeatFlag []string

func (r *repeatFlag) String() string     { return strings.Join(*r, " ") }
func (r *repeatFlag) Set(s string) error { *r = append(*r, s); return nil }

func runRotate(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rotate", flag.ContinueOnError)
	var compromised, lost listFlag
	var replace, keyholders repeatFlag
	fs.Var(&compromised, "compromised", "a key an attacker may hold: key ID (or 8+ hex digits of it), keyholder name or device serial; repeat or comma-separate")
	fs.Var(&lost, "lost", "a key nobody can use any more (destroyed device, forgotten PIN), named as for --compromised")
	online := fs.Bool("online", false, "the online server was compromised: every online key is stolen (give --replace online=NEWKEY)")
	fs.Var(&replace, "replace", "OLD=NEW: the key NEW (a TUF public key file or a key URI) takes OLD's place in every role; repeat for each")
	onlineURI := fs.String("online-key-uri", "", "rstuf: where RSTUF's workers find the new online key (x-rstuf-online-key-uri)")
	trustedRoot := sourceTrustedRootFlag(fs)
	lastGood := fs.String("last-good", "", "a repository directory, workspace or bundle from before the compromise: re-signed roles take their content from it")
	fs.Var(&keyholders, "keyholders", "a plan, workspace or bundle saying who holds which key (for names and device serials); repeat for more")
	days := fs.Int("expires-days", 0, "expiry period of the new root and re-signed roles, in days (default 365)")
	asJSON := fs.Bool("json", false, "print the plan as JSON for tools")
	incident := fs.Bool("incident", false, "print the incident report of a rotation WORKSPACE (and write it into the workspace)")
	date := dateFlag(fs)
	rest, err := parseFlags(fs, args, stderr, "[--compromised KEY]... [--lost KEY]... [--online] [--replace OLD=NEW]... [--trusted-root FILE] PATH [--date YYYY-MM-DD WORKSPACE]\n       ceremony rotate --incident WORKSPACE\nPATH is the trusted metadata now: the repository directory, the last finished workspace, or its bundle (checked as 'ceremony verify BUNDLE' checks it)", 1, 2)
	if err != nil {
		return err
	}
	if *incident {
		if len(rest) != 1 {
			return usageError{"--incident takes one WORKSPACE"}
		}
		report, err := rotate.WriteIncidentReport(rest[0])
		if err != nil {
			return err
		}
		_, err = stdout.Write(report)
		return err
	}
	opts := rotate.Options{From: rest[0], TrustedRoot: *trustedRoot, LastGood: *lastGood, Keyholders: keyholders, Compromised: compromised,
		Lost: lost, Online: *online, OnlineKeyURI: *onlineURI, ExpiresDays: *days}
	if *days < 0 {
		return usageError{"--expires-days must be positive"}
	}
	for _, r := range replace {
		rep, err := rotate.ParseReplacement(r)
		if err != nil {
			return usageError{err.Error()}
		}
		opts.Replace = append(opts.Replace, rep)
	}
	var confirmed string
	if len(rest) == 2 || *date != "" {
		// A date given for a plan alone is checked all the same.
		if confirmed, err = confirmDate(*date, env.engine.Now()); err != nil {
			return err
		}
	}
	if len(rest) == 2 {
		opts.Dir, opts.DateConfirmed = rest[1], confirmed
	}
	line := env.step("reading "+rest[0], *asJSON)
	res, err := rotate.Run(env.engine, opts)
	line.Stop()
	if res != nil {
		if *asJSON {
			b, jerr := json.MarshalIndent(res.Plan, "", "  ")
			if jerr != nil {
				return jerr
			}
			fmt.Fprintf(stdout, "%s\n", b)
		} else {
			fmt.Fprint(stdout, res.Plan.Markdown(2))
		}
	}
	switch {
	case errors.Is(err, rotate.ErrNoInBandRecovery):
		fmt.Fprintf(stderr, "ceremony: in-band recovery is not possible: follow the out-of-band steps above\n")
		return exitError{exitFailure}
	case errors.Is(err, rotate.ErrRotationProblems):
		fmt.Fprintf(stderr, "ceremony: the rotation cannot go ahead; nothing was written:\n")
		for _, p := range res.Plan.Problems {
			fmt.Fprintf(stderr, "ceremony:   %s\n", p)
		}
		if res.Plan.NeedsReplacement {
			fmt.Fprintf(stderr, "ceremony: hint: give each replacement as --replace OLD=NEWKEY (NEWKEY: a key URI or a TUF public key file)\n")
		}
		return exitError{exitFailure}
	case err != nil:
		return err
	}
	for _, w := range res.Plan.Warnings {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
	}
	if res.Workspace == nil {
		fmt.Fprintf(stderr, "ceremony: hint: to run it as a ceremony, give today's date as the room confirms it (--date YYYY-MM-DD) and a new workspace directory after %s\n", rest[0])
		return nil
	}
	ws := res.Workspace
	for _, w := range ws.State.Warnings {
		if !slices.Contains(res.Plan.Warnings, w) {
			fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
		}
	}
	fmt.Fprintf(stdout, "\ncreated %s workspace %s (%s) signing: %v\n", ws.State.Kind, ws.Dir, ws.State.Profile, ws.State.Roles)
	fmt.Fprintf(stderr, "ceremony: hint: each keyholder now runs 'ceremony sign --key URI %s'; 'ceremony status %s' shows who is missing; %s/incident-report.md is the incident report; 'ceremony script --rotation %s' prints the steps for witnesses\n", ws.Dir, ws.Dir, ws.Dir, ws.Dir)
	return nil
}

// sourceTrustedRootFlag is --trusted-root of the commands that start from
// a repository directory, which they verify as a client would.
func sourceTrustedRootFlag(fs *flag.FlagSet) *string {
	return fs.String("trusted-root", "", "your own copy of a root in force (from the last bundle or repository you verified), where the chain of roots of the repository or bundle started from must start (default: a repository's 1.root.json, a bundle's oldest root)")
}
