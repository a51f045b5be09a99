package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

func runInit(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	planPath := fs.String("plan", "", "the ceremony plan (YAML)")
	from := fs.String("from", "", "the trusted current root: prepare the next root version")
	date := dateFlag(fs)
	rest, err := parseFlags(fs, args, stderr, "--plan PLAN --date YYYY-MM-DD [--from TRUSTED_ROOT] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *planPath == "" {
		return usageError{"--plan is required"}
	}
	confirmed, err := confirmDate(*date, env.engine.Now())
	if err != nil {
		return err
	}
	line := env.step("creating "+rest[0], false)
	ws, err := bootstrap.Init(env.engine, bootstrap.Options{Plan: *planPath, Dir: rest[0], TrustedRoot: *from, DateConfirmed: confirmed})
	line.Stop()
	if err != nil {
		return err
	}
	for _, w := range ws.State.Warnings {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
	}
	fmt.Fprintf(stdout, "created %s workspace %s (%s) signing: %v\n", ws.State.Kind, ws.Dir, ws.State.Profile, ws.State.Roles)
	printAttested(stdout, ws.TranscriptPath())
	fmt.Fprintf(stderr, "ceremony: hint: each keyholder now runs 'ceremony sign --key URI %s'; 'ceremony status %s' shows who is missing\n", ws.Dir, ws.Dir)
	return nil
}

// printAttested says, for each attestation init checked, whose key it is
// and what the device attests: the transcript's own words.
func printAttested(w io.Writer, transcript string) {
	recs, _ := transcripts.ReadRecords(transcript)
	for _, r := range recs {
		if r.Kind != transcripts.Attestation || r.Device == nil {
			continue
		}
		fmt.Fprintf(w, "%s's key: %s serial %s, firmware %s: %s\n", r.Who, r.Device.Model, r.Device.Serial, r.Device.Firmware, r.Message)
	}
}
