package main

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/keys"
)

// runClaim is 'ceremony claim PROJECT --key URI ... --out FILE': a
// maintainer's claim request. The project name and the output are checked
// before any key is opened (no PIN is asked for a request that cannot be
// made); the attestation of each YubiKey key is read from the device; each
// key signs; the request is read back as the administrators' review will
// read it before it is written. Prints the project, the keys, the
// threshold and the file's SHA-256 (hex and PGP words), to read to the
// administrators over another channel.
func runClaim(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claim", flag.ContinueOnError)
	var uris repeatFlag
	fs.Var(&uris, "key", "a maintainer's key URI: file:PATH, pkcs11:..., yubikey:serial=N;slot-id=9c (repeat for each key)")
	threshold := fs.Int("threshold", 1, "how many of the keys must sign the project's releases")
	out := fs.String("out", "", "write the claim request to FILE (PROJECT.claim.json is a good name); never overwritten")
	rootsFile := fs.String("attestation-roots", "", "check YubiKey attestations against the roots in this PEM file instead of Yubico's (rehearsals, virtual YubiKeys)")
	rest, err := parseFlags(fs, args, stderr, "PROJECT --key URI [--key URI ...] [--threshold N] --out FILE", 1, 1)
	if err != nil {
		return err
	}
	if len(uris) == 0 {
		return usageError{"at least one --key is required"}
	}
	if *out == "" {
		return usageError{"--out FILE is required"}
	}
	project := rest[0]
	if err := claims.CheckProject(project); err != nil {
		return err
	}
	if *threshold < 1 || *threshold > len(uris) {
		return usageError{fmt.Sprintf("--threshold %d with %d key(s): give 1 to %d", *threshold, len(uris), len(uris))}
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("refusing to overwrite %s: give another --out", *out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	roots, err := readRoots(*rootsFile)
	if err != nil {
		return err
	}
	atts := map[string]claims.Attestation{}
	var signers []keys.Signer
	for _, uri := range uris {
		// The attestation first: it needs no PIN, and a slot without a key
		// is reported before any secret is asked.
		id, att, err := claims.ReadAttestation(env.keys, uri)
		if err != nil {
			return err
		}
		if att != nil {
			atts[id] = *att
		}
		s, closeKey, err := openKey(env, uri)
		if err != nil {
			return err
		}
		defer closeKey()
		signers = append(signers, s)
	}
	now := time.Now()
	data, err := claims.MakeRequest(project, signers, *threshold, now, atts)
	if err != nil {
		return err
	}
	c, err := claims.Verify(data, *out, claims.Options{Now: now, Roots: roots})
	if err != nil {
		return fmt.Errorf("the request made does not hold as the administrators will check it: %w", err)
	}
	if err := atomicfile.WriteNew(*out, data, 0o644); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	fmt.Fprintf(stderr, "ceremony: wrote claim request %s\n", *out)
	fmt.Fprintf(stdout, "project %s\n", c.Project)
	for _, id := range slices.Sorted(maps.Keys(c.Keys)) {
		line := fmt.Sprintf("key %s %s", id, c.Keys[id].Scheme)
		if a := c.Attested[id]; a != nil {
			line += fmt.Sprintf(" (YubiKey %d, attested)", a.Serial)
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "threshold %d of %d\nsha256 %s\n%s\n", c.Threshold, len(c.Keys), hex.EncodeToString(sum[:]), bundle.PGPWords(sum[:]))
	fmt.Fprintf(stderr, "ceremony: hint: send %s to PyPI's administrators, and read them its SHA-256 over another channel\n", *out)
	return nil
}

// rekeyFlag is --rekey PROJECT[=REASON], repeated: the claimed projects
// whose keys a claims ceremony may change (claims.Rekey).
type rekeyFlag []claims.Rekey

func (r *rekeyFlag) String() string {
	var s []string
	for _, k := range *r {
		s = append(s, k.Project+"="+k.Reason)
	}
	return strings.Join(s, " ")
}

func (r *rekeyFlag) Set(s string) error {
	k, err := claims.ParseRekey(s)
	if err != nil {
		return err
	}
	*r = append(*r, k)
	return nil
}

// rekeyUsage is the --rekey flag's help.
const rekeyUsage = "PROJECT=REASON: take a claim request for this claimed project with other keys in as a key change (its maintainers' key stolen or lost, a maintainer leaving) instead of refusing it; repeat for each project"

// runClaimsReview is 'ceremony claims review DIR': every claim request
// (*.json) in DIR checked against the claimed role of --repo (a repository
// or workspace directory) or --claimed (a claimed.json file), or against
// an empty claimed role when neither is given. It prints a table of what a
// claims ceremony would change (--json: the report for tools); --rekey
// reviews as 'claims init --rekey' would, and warns of a rekey no request
// turns into a key change.
//
// Exit codes: 0 when every request is accepted (to add, or unchanged); 1
// when any is refused (the table says why) or when the review cannot run
// (nothing on stdout then); 2 on bad usage.
func runClaimsReview(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("claims review", flag.ContinueOnError)
	repo := fs.String("repo", "", "the repository or workspace directory whose claimed role the requests are checked against")
	claimedFile := fs.String("claimed", "", "the claimed role's metadata file to check the requests against")
	asJSON := fs.Bool("json", false, "print the report as JSON (schema ceremony/claims-review/v1)")
	rootsFile := fs.String("attestation-roots", "", "check YubiKey attestations against the roots in this PEM file instead of Yubico's (rehearsals, virtual YubiKeys)")
	rules := reviewRulesFlags(fs)
	var rekeys rekeyFlag
	fs.Var(&rekeys, "rekey", rekeyUsage)
	rest, err := parseFlags(fs, args, stderr, "DIR [--repo REPO | --claimed FILE] [--rekey PROJECT=REASON]... [--json]", 1, 1)
	if err != nil {
		return err
	}
	if *repo != "" && *claimedFile != "" {
		return usageError{"give --repo or --claimed, not both"}
	}
	maxAge, err := rules.maxAge()
	if err != nil {
		return err
	}
	roots, err := readRoots(*rootsFile)
	if err != nil {
		return err
	}
	path := *claimedFile
	if *repo != "" {
		if path, err = claims.FindClaimed(*repo); err != nil {
			return err
		}
	}
	var claimed *claims.ClaimedFile
	line := env.step("reviewing "+rest[0], *asJSON)
	defer line.Stop()
	if path != "" {
		if claimed, err = claims.ReadClaimedFile(path); err != nil {
			return err
		}
	} else {
		line.Stop()
		fmt.Fprintf(stderr, "ceremony: no --repo or --claimed: the requests are checked against a claimed role that delegates nothing yet\n")
	}
	rep, err := claims.ReviewFile(rest[0], claimed, claims.Options{Now: time.Now(), Roots: roots,
		RequireAttestation: *rules.requireAttestation, MaxAge: maxAge}, rekeys...)
	line.Stop()
	if err != nil {
		return err
	}
	if len(rep.Verdicts) == 0 {
		return fmt.Errorf("no claim requests (*.json) in %s", rest[0])
	}
	if *asJSON {
		if err := printJSON(stdout, "claims-review", rep.JSONForm()); err != nil {
			return err
		}
	} else if err := rep.WriteText(stdout); err != nil {
		return err
	}
	for _, p := range rep.RekeyProblems() {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", p)
	}
	if n := rep.Count(claims.Refused); n > 0 {
		fmt.Fprintf(stderr, "ceremony: %d of %d claim request(s) refused: send each maintainer the reason above\n", n, len(rep.Verdicts))
		return exitError{exitFailure}
	}
	return nil
}

// readRoots reads a PEM file of attestation roots; "" means Yubico's.
func readRoots(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	data, err := bounded.ReadFile(path, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("failed to read --attestation-roots: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("--attestation-roots %s holds no PEM certificate", path)
	}
	return pool, nil
}

// reviewRules are the flags of the rules a claims review applies beyond
// the checks every request passes: 'claims review' and 'claims init' take
// the same, with the same defaults.
type reviewRules struct {
	requireAttestation *bool
	maxAgeDays         *int
}

func reviewRulesFlags(fs *flag.FlagSet) reviewRules {
	return reviewRules{
		requireAttestation: fs.Bool("require-attestation", false, "refuse a request with a key that has no YubiKey attestation"),
		maxAgeDays:         fs.Int("max-age", int(claims.DefaultMaxAge/(24*time.Hour)), "refuse a request signed more than this many days ago (0: no limit)"),
	}
}

func (r reviewRules) maxAge() (time.Duration, error) {
	if *r.maxAgeDays < 0 {
		return 0, usageError{"--max-age must be 0 or more days"}
	}
	return time.Duration(*r.maxAgeDays) * 24 * time.Hour, nil
}
