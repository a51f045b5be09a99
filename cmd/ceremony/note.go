package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

func runNote(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("note", flag.ContinueOnError)
	who := fs.String("who", "", "who makes the note (operator, witness or keyholder)")
	rest, err := parseFlags(fs, args, stderr, "--who NAME WORKSPACE TEXT...", 2, 1<<16)
	if err != nil {
		return err
	}
	if *who == "" {
		return usageError{"--who is required: a note says who made it"}
	}
	rec, notices, err := ceremony.Note(rest[0], *who, strings.Join(rest[1:], " "))
	for _, n := range notices {
		fmt.Fprintf(stderr, "ceremony: %s\n", n)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "noted as record %d\n", rec.Seq)
	return nil
}
