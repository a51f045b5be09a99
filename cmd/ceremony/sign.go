package main

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

func runSign(env *runEnv, args []string, stdout, stderr io.Writer) error {
	if len(args) == 1 && args[0] == describeArg {
		// Both forms describe themselves: --rstuf-pending's, then sign's.
		_ = runSignRSTUFPending(env, args, stdout, stderr)
	}
	for _, a := range args {
		if a == "--rstuf-pending" || a == "-rstuf-pending" || strings.HasPrefix(a, "--rstuf-pending=") || strings.HasPrefix(a, "-rstuf-pending=") {
			return runSignRSTUFPending(env, args, stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	key := fs.String("key", "", "the signing key's URI (file:, pkcs11:, yubikey:)")
	role := fs.String("role", "", "sign only this role")
	if slices.ContainsFunc(args, func(a string) bool { return a != "help" && isHelp(a) }) {
		// Both forms: a workspace, and an RSTUF pending-signing answer.
		parseFlags(fs, []string{"-h"}, stderr, "--key URI [--role ROLE] WORKSPACE", 1, 1)
		fmt.Fprintf(stderr, "\nor, to sign an RSTUF pending-signing answer:\n")
		return runSignRSTUFPending(env, []string{"-h"}, stdout, stderr)
	}
	rest, err := parseFlags(fs, args, stderr, "--key URI [--role ROLE] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *key == "" {
		return usageError{"--key is required"}
	}
	line := env.step("signing "+rest[0], false)
	res, err := env.engine.Sign(ceremony.SignOptions{Dir: rest[0], KeyURI: *key, Role: *role, Prompter: env.prompter()})
	line.Stop()
	if res != nil {
		for _, n := range res.Notices {
			fmt.Fprintf(stderr, "ceremony: %s\n", n)
		}
		for _, s := range res.Signed {
			fmt.Fprintf(stdout, "signed %s as %s (%s)\n", s.Role, s.Holder, strings.Join(shortIDs(s.KeyIDs), ", "))
		}
		if err == nil && len(res.Completed) > 0 {
			fmt.Fprintf(stdout, "nothing left to sign with this key: its signature of %s, recorded before an interruption, is written now\n", strings.Join(res.Completed, ", "))
		} else if err == nil && len(res.AlreadySigned) > 0 {
			fmt.Fprintf(stderr, "ceremony: already signed before: %s\n", strings.Join(res.AlreadySigned, ", "))
		}
	}
	return err
}

func shortIDs(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[:min(12, len(id))]
	}
	return out
}
