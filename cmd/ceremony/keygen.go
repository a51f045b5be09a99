package main

import (
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/keys"
)

func runKeygen(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	uri := fs.String("uri", "", "where to make the key: file:PATH, pkcs11:..., yubikey:serial=N;slot-id=9c")
	typ := fs.String("type", "ed25519", "key type: ed25519, ecdsa-p256 or ecdsa-p384")
	out := fs.String("out", "", "for device keys: write the TUF public key to FILE (and the attestation to FILE.attestation.pem)")
	if _, err := parseFlags(fs, args, stderr, "--uri URI [--type TYPE] [--out FILE]", 0, 0); err != nil {
		return err
	}
	if *uri == "" {
		return usageError{"--uri is required"}
	}
	t, err := keys.ParseKeyType(*typ)
	if err != nil {
		return usageError{err.Error()}
	}
	u, err := keys.ParseURI(*uri)
	if err != nil {
		return err
	}
	if u.Scheme != "file" && *out == "" {
		return usageError{"--out FILE is required for a key made on a device: the public key goes there"}
	}
	k, err := env.keys.Generate(*uri, t, env.prompter())
	if err != nil {
		return err
	}
	id, err := keys.ID(k)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "file":
		fmt.Fprintf(stderr, "ceremony: wrote encrypted key %s and public key %s\n", u.Path, keys.PublicKeyPath(u.Path))
	default:
		pub, err := keys.MarshalKeyJSON(k)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteNew(*out, pub, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "ceremony: wrote public key %s\n", *out)
		slot, device, err := env.keys.Attestation(*uri)
		if err != nil {
			return err
		}
		if slot != nil {
			var b []byte
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: slot.Raw})...)
			b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: device.Raw})...)
			if err := atomicfile.WriteNew(*out+".attestation.pem", b, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(stderr, "ceremony: wrote attestation %s (slot certificate, then the device's F9 certificate)\n", *out+".attestation.pem")
		}
	}
	evidence, err := keygen.EvidencePath(*uri, *out)
	if err != nil {
		return err
	}
	if err := keygen.WriteEvidence(evidence, *uri, k, keygen.DeviceAtHand(env.keys, *uri), time.Now()); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ceremony: wrote keygen evidence %s\n", evidence)
	fmt.Fprintf(stdout, "%s %s %s\n", id, k.Scheme, *uri)
	return nil
}
