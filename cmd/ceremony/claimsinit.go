package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
)

// runClaimsInit is 'ceremony claims init': the administrators' claims
// ceremony's workspace, which signs the next claimed with the accepted
// claim requests added.
func runClaimsInit(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claims init", flag.ContinueOnError)
	from := fs.String("from", "", "the trusted state: the repository directory (holding metadata/), a finished workspace or a bundle")
	trustedRoot := sourceTrustedRootFlag(fs)
	dir := fs.String("claims", "", "the directory of claim requests (*.json) to take in")
	planPath := fs.String("plan", "", "the plan naming the keyholders and claimed's expiry period (default: the --from workspace's)")
	roots := fs.String("attestation-roots", "", "rehearsals: a PEM file of the roots maintainers' attestations chain to instead of Yubico's")
	rules := reviewRulesFlags(fs)
	var rekeys rekeyFlag
	fs.Var(&rekeys, "rekey", rekeyUsage+"; the reason is recorded in the transcript and the bundle")
	date := dateFlag(fs)
	rest, err := parseFlags(fs, args, stderr, "--from REPO|WORKSPACE|BUNDLE [--trusted-root FILE] --claims DIR [--plan PLAN] [--rekey PROJECT=REASON]... --date YYYY-MM-DD WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *from == "" || *dir == "" {
		return usageError{"--from and --claims are required"}
	}
	confirmed, err := confirmDate(*date, env.engine.Now())
	if err != nil {
		return err
	}
	maxAge, err := rules.maxAge()
	if err != nil {
		return err
	}
	for _, r := range rekeys {
		if r.Reason == "" {
			return usageError{fmt.Sprintf("--rekey %s: give the reason, --rekey %s=REASON: the transcript records why a claimed project's keys change", r.Project, r.Project)}
		}
	}
	line := env.step("reviewing "+*dir+" against "+*from, false)
	res, err := claimed.Init(env.engine, claimed.Options{From: *from, TrustedRoot: *trustedRoot, ClaimsDir: *dir, Plan: *planPath, AttestationRoots: *roots, Rekey: rekeys, Dir: rest[0],
		MaxAge: maxAge, RequireAttestation: *rules.requireAttestation, DateConfirmed: confirmed})
	line.Stop()
	if res != nil && res.Review != nil {
		printVerdicts(stdout, res.Review)
	}
	if err != nil {
		return err
	}
	ws := res.Workspace
	for _, w := range ws.State.Warnings {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
	}
	var names []string
	for _, c := range res.Accepted {
		names = append(names, c.Project)
	}
	fmt.Fprintf(stdout, "created %s workspace %s (%s) signing: %v\n", ws.State.Kind, ws.Dir, ws.State.Profile, ws.State.Roles)
	if len(names) > 0 {
		fmt.Fprintf(stdout, "claimed v%d adds %s\n", res.ClaimedVersion, strings.Join(names, ", "))
	}
	var rekeyed []string
	for _, c := range res.Rekeyed {
		rekeyed = append(rekeyed, c.Project)
		v := res.Review.Rekey(c.Project)
		fmt.Fprintf(stdout, "claimed v%d changes the keys of %s: %s -> %s (reason: %s)\n", res.ClaimedVersion, c.Project,
			keyList(v.Previous.KeyIDs, v.Previous.Threshold), keyList(claims.Delegation(c).KeyIDs, c.Threshold), v.RekeyReason)
	}
	fmt.Fprintf(stderr, "ceremony: hint: 'ceremony review %s' shows the change; claimed's keyholders now run 'ceremony sign --key URI %s'\n", ws.Dir, ws.Dir)
	if len(rekeyed) > 0 {
		fmt.Fprintf(stderr, "ceremony: hint: once claimed v%d is published, clients cannot get the files of %s until its maintainers sign its role again with the new keys ('ceremony project init PROJECT --from BUNDLE --target PATH=FILE ... WS'): tell them\n", res.ClaimedVersion, strings.Join(rekeyed, ", "))
	}
	return nil
}

// keyList names keys by short key ID, with their threshold.
func keyList(ids []string, threshold int) string {
	s := append([]string(nil), ids...)
	sort.Strings(s)
	for i, id := range s {
		s[i] = id[:min(12, len(id))]
	}
	return fmt.Sprintf("key(s) %s (threshold %d)", strings.Join(s, ", "), threshold)
}

// printVerdicts writes one line per claim request: what the ceremony does
// with it, and why a refused one is refused.
func printVerdicts(w io.Writer, rep *claims.Report) {
	for _, v := range rep.Verdicts {
		project := v.Project
		if project == "" {
			project = "-"
		}
		line := fmt.Sprintf("%-9s %-30s %s", v.Outcome(), project, filepath.Base(v.File))
		if len(v.SHA256) >= 12 {
			line += " (sha256 " + v.SHA256[:12] + ")"
		}
		if v.Reason != "" {
			line += ": " + v.Reason
		}
		if v.Previous != nil && v.Claim != nil {
			line += fmt.Sprintf(": %s -> %s", keyList(v.Previous.KeyIDs, v.Previous.Threshold), keyList(claims.Delegation(*v.Claim).KeyIDs, v.Claim.Threshold))
		}
		fmt.Fprintln(w, line)
		for _, f := range v.Flags {
			fmt.Fprintf(w, "          flag: %s\n", f)
		}
	}
}

// runProject is 'ceremony project init': a maintainer's workspace to sign
// their claimed project's targets.
func runProject(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "project", []subcommand{
		{"init", "make a maintainer's workspace to sign their claimed project's targets", runProjectInit},
	}, args, stdout, stderr)
}

func runProjectInit(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("project init", flag.ContinueOnError)
	from := fs.String("from", "", "the trusted state: the repository directory (holding metadata/), or the claims ceremony's bundle or workspace")
	trustedRoot := sourceTrustedRootFlag(fs)
	var targets, hashes repeatFlag
	fs.Var(&targets, "target", "PATH=FILE: a file to list, under the target path clients ask for (packages/...); repeat for each")
	days := fs.Int("expires-days", 0, "expiry period of the project's role, in days (default 365)")
	fs.Var(&hashes, "hash", "a hash algorithm to list (sha256, sha512, blake2b-256); repeat; default sha256 alone (with blake2b-256, PyPI's file hash, go-tuf and tuf-js clients refuse the file)")
	rest, err := parseFlags(fs, args, stderr, "PROJECT --from REPO|BUNDLE [--trusted-root FILE] [--target PATH=FILE]... [--expires-days N] WORKSPACE", 2, 2)
	if err != nil {
		return err
	}
	if *from == "" {
		return usageError{"--from is required"}
	}
	if *days < 0 {
		return usageError{"--expires-days must be positive"}
	}
	opts := project.Options{Project: rest[0], From: *from, TrustedRoot: *trustedRoot, ExpiresDays: *days, Hashes: hashes, Dir: rest[1]}
	for _, t := range targets {
		pt, err := project.ParseTarget(t)
		if err != nil {
			return usageError{err.Error()}
		}
		opts.Targets = append(opts.Targets, pt)
	}
	line := env.step("reading "+*from, false)
	ws, err := project.Init(env.engine, opts)
	line.Stop()
	if err != nil {
		return err
	}
	for _, w := range ws.State.Warnings {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
	}
	fmt.Fprintf(stdout, "created %s workspace %s (%s) signing: %v\n", ws.State.Kind, ws.Dir, ws.State.Profile, ws.State.Roles)
	fmt.Fprintf(stderr, "ceremony: hint: maintainers sign with 'ceremony sign --key URI %s', or elsewhere with 'ceremony payload export --role %s'; then 'ceremony bundle --out FILE %s' gives the bundle to upload\n", ws.Dir, ws.State.Roles[0], ws.Dir)
	return nil
}
