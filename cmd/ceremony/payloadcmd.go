package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/payload"
)

// readLimited reads at most limit bytes of path, refusing a larger file
// without reading it all.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("failed to read %q: %w", path, err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%q: %w: over the limit of %d bytes", path, payload.ErrTooLarge, limit)
	}
	return b, nil
}

// runPayload is 'ceremony payload export|import'.
func runPayload(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "payload", []subcommand{
		{"export", "write a role's payload to sign on another workstation (ceremony sign-payload there)", runPayloadExport},
		{"import", "take signature files made elsewhere into the workspace, each checked", runPayloadImport},
	}, args, stdout, stderr)
}

func runPayloadExport(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payload export", flag.ContinueOnError)
	role := fs.String("role", "", "the role to export")
	out := fs.String("out", "", "the payload file to write (must not exist)")
	rest, err := parseFlags(fs, args, stderr, "--role ROLE --out FILE WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *role == "" || *out == "" {
		return usageError{"--role and --out are required"}
	}
	line := env.step("exporting "+*role+" from "+rest[0], false)
	b, err := env.engine.ExportPayload(rest[0], *role, time.Time{})
	line.Stop()
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNew(*out, b, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote the signing payload of %s to %s\n", *role, *out)
	return nil
}

func runPayloadImport(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payload import", flag.ContinueOnError)
	rest, err := parseFlags(fs, args, stderr, "WORKSPACE SIGNATURE-FILE...", 2, 1<<20)
	if err != nil {
		return err
	}
	names := rest[1:]
	var files [][]byte
	for _, name := range names {
		// An oversize file is handed on as such, so that it is refused
		// and recorded like any other bad file; one that cannot be read
		// stops the import before anything is done.
		b, err := readLimited(name, payload.MaxSignatureFileSize)
		if err != nil {
			if !errors.Is(err, payload.ErrTooLarge) {
				return err
			}
			b = make([]byte, payload.MaxSignatureFileSize+1)
		}
		files = append(files, b)
	}
	line := env.step("importing signatures into "+rest[0], false)
	res, err := env.engine.ImportSignatures(rest[0], files, time.Time{})
	line.Stop()
	if res != nil {
		for _, n := range res.Notices {
			fmt.Fprintf(stderr, "ceremony: %s\n", n)
		}
		for _, s := range res.Imported {
			fmt.Fprintf(stdout, "imported %s's signature of %s (%s) from %s\n", s.Holder, s.Role, strings.Join(shortIDs(s.KeyIDs), ", "), names[s.File])
		}
		for _, s := range res.Duplicates {
			fmt.Fprintf(stdout, "already there: %s's signature of %s from %s\n", s.Holder, s.Role, names[s.File])
		}
		for _, r := range res.Refused {
			fmt.Fprintf(stderr, "ceremony: refused %s: %v\n", names[r.File], r.Err)
		}
		if err == nil && len(res.Refused) > 0 {
			err = fmt.Errorf("refused %d of %d signature files", len(res.Refused), len(files))
		}
	}
	return err
}

// trustFlags are the flags that say what a keyholder signing away from a
// workspace already trusts.
type trustFlags struct {
	trusted string
	newRepo bool
	yes     bool
}

func (t *trustFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.trusted, "trusted-root", "", "your own copy of the root in force, from the last bundle or repository you verified")
	fs.StringVar(&t.trusted, "trusted", "", "your own copy of the metadata that delegates the role signed: the root in force for root and targets, targets for claimed, claimed for a project's role")
	fs.BoolVar(&t.newRepo, "new-repository", false, "what is signed starts a new repository (root v1): nothing is trusted yet")
	fs.BoolVar(&t.yes, "yes", false, "sign without asking on the terminal (the review is printed all the same)")
}

// mine reads the keyholder's own trusted metadata; nil for a new
// repository.
func (t *trustFlags) mine() (*metafile.File, error) {
	switch {
	case t.trusted != "" && t.newRepo:
		return nil, usageError{"--trusted-root (or --trusted) and --new-repository exclude each other"}
	case t.newRepo:
		return nil, nil
	case t.trusted == "":
		return nil, usageError{"--trusted-root FILE is required: your own copy of the root in force, from the last bundle or repository you verified (--trusted FILE: of the role that delegates a claimed or project role), or --new-repository for what starts a new repository"}
	}
	data, err := readLimited(t.trusted, metafile.MaxSize)
	if err != nil {
		return nil, err
	}
	f, err := metafile.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", t.trusted, err)
	}
	return f, nil
}

// runSignPayload is 'ceremony sign-payload FILE --key URI --out SIG
// --trusted-root FILE': the payload is read, anchored in what the keyholder
// trusts, checked against the key and reviewed, and only when confirmed is
// the key opened.
func runSignPayload(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign-payload", flag.ContinueOnError)
	key := fs.String("key", "", "the signing key's URI (file:, pkcs11:, yubikey:)")
	pubFile := fs.String("public-key", "", "the key's TUF public key file, for a device that shows its keys only after the PIN (a YubiHSM 2)")
	out := fs.String("out", "", "the signature file to write (must not exist)")
	var trust trustFlags
	trust.register(fs)
	rest, err := parseFlags(fs, args, stderr, "--key URI [--public-key KEY.pub] --out SIG --trusted-root FILE [--yes] PAYLOAD", 1, 1)
	if err != nil {
		return err
	}
	if *key == "" || *out == "" {
		return usageError{"--key and --out are required"}
	}
	mine, err := trust.mine()
	if err != nil {
		return err
	}
	data, err := readLimited(rest[0], payload.MaxFileSize)
	if err != nil {
		return err
	}
	p, err := payload.Read(data)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	anchored, err := p.Anchor(mine)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	// Who may sign is checked before the key is opened: no PIN is asked
	// for a key that may not sign.
	pub, err := payloadKey(env, *key, *pubFile)
	if err != nil {
		return err
	}
	now := env.engine.Now()
	if _, err := p.KeyIDsFor(pub, now); err != nil {
		return err
	}
	lines, err := env.engine.ReviewPayload(anchored, now)
	if err != nil {
		return fmt.Errorf("%s: %w", rest[0], err)
	}
	printLines(stdout, lines)
	if err := confirm(stdout, fmt.Sprintf("sign %s v%d?", p.Role, p.RoleVersion), trust.yes); err != nil {
		return err
	}
	s, closeKey, err := openSameKey(env, *key, pub)
	if err != nil {
		return err
	}
	defer closeKey()
	sig, err := payload.Sign(anchored, s, now)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNew(*out, sig, 0o644); err != nil {
		return err
	}
	repository := p.Repository
	if repository == "" {
		repository = "an unnamed repository"
	}
	fmt.Fprintf(stdout, "signed %s v%d of %s; wrote %s\n", p.Role, p.RoleVersion, repository, *out)
	return nil
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// runSignRSTUFPending is 'ceremony sign --rstuf-pending FILE --key URI
// --out OUT --trusted-root FILE': it takes the whole argument list of
// 'ceremony sign'. The answer is read, anchored in the root the keyholder
// trusts, checked against the key and reviewed before the key is opened.
// One sign payload is written to OUT; several to OUT.1.json, OUT.2.json
// ... (OUT's .json suffix dropped first); if OUT is a directory, to
// OUT/sign-payload.N.json.
func runSignRSTUFPending(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	pending := fs.String("rstuf-pending", "", "a saved RSTUF 'pending signing' answer to sign")
	key := fs.String("key", "", "the signing key's URI (file:, pkcs11:, yubikey:)")
	pubFile := fs.String("public-key", "", "the key's TUF public key file, for a device that shows its keys only after the PIN (a YubiHSM 2)")
	out := fs.String("out", "", "the sign payload file, or a directory for them")
	var trust trustFlags
	trust.register(fs)
	if _, err := parseFlags(fs, args, stderr, "--rstuf-pending FILE --key URI --out FILE-OR-DIR --trusted-root FILE [--yes]", 0, 0); err != nil {
		return err
	}
	if *pending == "" || *key == "" || *out == "" {
		return usageError{"--rstuf-pending, --key and --out are required"}
	}
	mine, err := trust.mine()
	if err != nil {
		return err
	}
	data, err := readLimited(*pending, payload.MaxPendingSize)
	if err != nil {
		return err
	}
	now := env.engine.Now()
	p, err := payload.ReadPending(data, now)
	if err != nil {
		return fmt.Errorf("%s: %w", *pending, err)
	}
	anchored, err := payload.AnchorPending(p, mine)
	if err != nil {
		return fmt.Errorf("%s: %w", *pending, err)
	}
	pub, err := payloadKey(env, *key, *pubFile)
	if err != nil {
		return err
	}
	roles, err := payload.PendingFor(p, pub)
	if err != nil {
		return fmt.Errorf("%s: %w", *pending, err)
	}
	lines, err := env.engine.ReviewPending(anchored, now)
	if err != nil {
		return fmt.Errorf("%s: %w", *pending, err)
	}
	printLines(stdout, lines)
	if err := confirm(stdout, fmt.Sprintf("sign %s?", strings.Join(roles, ", ")), trust.yes); err != nil {
		return err
	}
	s, closeKey, err := openSameKey(env, *key, pub)
	if err != nil {
		return err
	}
	defer closeKey()
	payloads, err := payload.SignRSTUFPending(anchored, s)
	if err != nil {
		return fmt.Errorf("%s: %w", *pending, err)
	}
	for i, name := range payloadNames(*out, len(payloads)) {
		if err := atomicfile.WriteNew(name, payloads[i], 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote RSTUF sign payload %s\n", name)
	}
	return nil
}

func payloadNames(out string, n int) []string {
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		var names []string
		for i := 1; i <= n; i++ {
			names = append(names, filepath.Join(out, fmt.Sprintf("sign-payload.%d.json", i)))
		}
		return names
	}
	if n == 1 {
		return []string{out}
	}
	base := strings.TrimSuffix(out, ".json")
	var names []string
	for i := 1; i <= n; i++ {
		names = append(names, fmt.Sprintf("%s.%d.json", base, i))
	}
	return names
}
