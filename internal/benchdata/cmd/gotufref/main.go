// Command gotufref is the library's way to what the ceremony tool does
// with a claimed role, for scripts/bench to run as a process beside the
// tool's own steps, on the same files (a repository claimsworkspace
// wrote):
//
//	gotufref -op frombytes -repo DIR   # go-tuf's FromBytes of claimed
//	gotufref -op verify -repo DIR      # FromBytes of targets and claimed,
//	                                   # then VerifyDelegate("claimed")
//
// It prints one line of key=value pairs (op, delegations) and exits 1 if
// the library refuses the files.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

func main() {
	op := flag.String("op", "", "frombytes or verify")
	repo := flag.String("repo", "", "the repository directory (DIR/metadata/1.targets.json, 1.claimed.json)")
	flag.Parse()
	if *repo == "" || (*op != "frombytes" && *op != "verify") || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: gotufref -op frombytes|verify -repo DIR")
		os.Exit(2)
	}
	n, err := run(*op, filepath.Join(*repo, "metadata"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "gotufref:", err)
		os.Exit(1)
	}
	fmt.Printf("op=%s delegations=%d\n", *op, n)
}

func run(op, md string) (int, error) {
	data, err := os.ReadFile(filepath.Join(md, "1.claimed.json"))
	if err != nil {
		return 0, err
	}
	claimed, err := metadata.Targets().FromBytes(data)
	if err != nil {
		return 0, fmt.Errorf("claimed: %w", err)
	}
	if claimed.Signed.Delegations == nil {
		return 0, fmt.Errorf("claimed delegates nothing")
	}
	if op == "verify" {
		top, err := metadata.Targets().FromFile(filepath.Join(md, "1.targets.json"))
		if err != nil {
			return 0, fmt.Errorf("targets: %w", err)
		}
		if err := top.VerifyDelegate("claimed", claimed); err != nil {
			return 0, fmt.Errorf("claimed does not verify: %w", err)
		}
	}
	return len(claimed.Signed.Delegations.Roles), nil
}
