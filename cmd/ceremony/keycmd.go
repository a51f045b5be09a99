package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/keys"
)

// runKey is 'ceremony key': what is done with a key made elsewhere.
func runKey(env *runEnv, args []string, stdout, stderr io.Writer) error {
	return runGroup(env, "key", []subcommand{
		{"import", "turn a public key made elsewhere (PEM, DER, or a raw point with --curve) into the TUF key a plan names", runKeyImport},
	}, args, stdout, stderr)
}

// runKeyImport is 'ceremony key import FILE --out KEY.pub': the public key
// of a device that made it itself (a YubiHSM 2, a Nitrokey HSM 2, any HSM
// exporting PEM or DER), as the TUF key file a plan's public_key names,
// with its key ID printed to read aloud.
func runKeyImport(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("key import", flag.ContinueOnError)
	out := fs.String("out", "", "the TUF public key file to write (must not exist)")
	curve := fs.String("curve", "", "the curve of a raw key: p256 or p384 (an uncompressed point, 04 X Y, as a YubiHSM 2 exports it) or ed25519 (32 bytes)")
	rest, err := parseFlags(fs, args, stderr, "--out KEY.pub [--curve p256|p384|ed25519] FILE", 1, 1)
	if err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out KEY.pub is required: where the TUF key goes"}
	}
	if err := keys.CheckCurve(*curve); err != nil {
		return usageError{"--" + err.Error()}
	}
	data, err := bounded.ReadFile(rest[0], keys.MaxPublicKeyFile)
	if err != nil {
		return fmt.Errorf("failed to read public key %s: %w", rest[0], err)
	}
	k, err := keys.ImportPublicKey(data, *curve)
	if err != nil {
		return fmt.Errorf("public key %s: %w", rest[0], err)
	}
	id, err := keys.ID(k)
	if err != nil {
		return err
	}
	b, err := keys.MarshalKeyJSON(k)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteNew(*out, b, 0o644); err != nil {
		return fmt.Errorf("failed to write %s (an existing file is never replaced): %w", *out, err)
	}
	begins, _ := hex.DecodeString(id[:8]) // a key ID is 64 hex digits
	fmt.Fprintf(stdout, "key %s %s (begins %s)\n", id, k.Scheme, bundle.PGPWords(begins))
	fmt.Fprintf(stderr, "ceremony: wrote %s; name it in the plan as the keyholder's public_key\n", *out)
	return nil
}
