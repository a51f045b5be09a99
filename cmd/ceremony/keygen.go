package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/keys"
)

func runKeygen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	uri := fs.String("uri", "", "where to make the key: file:PATH (add ?pin-source=FILE to read the passphrase from FILE)")
	typ := fs.String("type", "ed25519", "key type: ed25519, ecdsa-p256 or ecdsa-p384")
	if _, err := parseFlags(fs, args, stderr, "--uri URI [--type TYPE]", 0, 0); err != nil {
		return err
	}
	if *uri == "" {
		return usageError{"--uri is required"}
	}
	t, err := keys.ParseKeyType(*typ)
	if err != nil {
		return usageError{err.Error()}
	}
	k, err := keys.Generate(*uri, t, terminalPrompter{})
	if err != nil {
		return err
	}
	id, err := keys.ID(k)
	if err != nil {
		return err
	}
	if u, err := keys.ParseURI(*uri); err == nil && u.Scheme == "file" {
		fmt.Fprintf(stderr, "ceremony: wrote encrypted key %s and public key %s\n", u.Path, keys.PublicKeyPath(u.Path))
	}
	fmt.Fprintf(stdout, "%s %s %s\n", id, k.Scheme, *uri)
	return nil
}
