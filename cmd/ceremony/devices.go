//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

func runDevices(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	var modules moduleList
	fs.Var(&modules, "module", "PKCS#11 module to list tokens of (repeatable; default: SoftHSM2, ykcs11, OpenSC, YubiHSM where installed)")
	if _, err := parseFlags(fs, args, stderr, "[--module PATH]...", 0, 0); err != nil {
		return err
	}
	// Both kinds are listed whatever fails; a failure to look is never
	// said as "none found", and makes the exit status 1.
	yubiErr := listYubiKeys(stdout, stderr)
	var tokens []p11.Token
	var err error
	if len(modules) == 0 && len(p11.WellKnownModules()) == 0 {
		// Nothing to look with: not a failure to look.
		fmt.Fprintln(stdout, "no PKCS#11 module installed in the well-known places (give --module PATH)")
	} else if tokens, err = p11.Devices(modules); err != nil {
		fmt.Fprintln(stdout, "PKCS#11 tokens: could not look at every module (the error is on stderr)")
	} else if len(tokens) == 0 {
		fmt.Fprintln(stdout, "no PKCS#11 token found")
	}
	for _, t := range tokens {
		fmt.Fprintf(stdout, "PKCS#11 token %q serial %s (%s %s) %s module %s\n", t.Label, t.Serial, t.Manufacturer, t.Model, t.Status(), t.Module)
		for _, k := range t.Keys {
			id := "-"
			if k.TUFKey != nil {
				if kid, err := keys.ID(k.TUFKey); err == nil {
					id = kid[:12]
				}
			}
			fmt.Fprintf(stdout, "  %-10s id %s %s %s\n", k.Type, k.ID, id, k.URI)
		}
	}
	switch {
	case yubiErr != nil && err != nil:
		return fmt.Errorf("could not look for YubiKeys (%v), nor at every PKCS#11 module: %w", yubiErr, err)
	case yubiErr != nil:
		return fmt.Errorf("could not look for YubiKeys: %w", yubiErr)
	case err != nil:
		return fmt.Errorf("could not look at every PKCS#11 module: %w", err)
	}
	return nil
}

// listYubiKeys lists the YubiKeys connected; an error says they could not
// be looked for (pcscd not running), which is not "none connected".
func listYubiKeys(stdout, stderr io.Writer) error {
	devs, err := yubikey.List()
	if err != nil {
		fmt.Fprintln(stdout, "YubiKeys: could not look (the error is on stderr)")
	} else if len(devs) == 0 {
		fmt.Fprintln(stdout, "no YubiKey connected")
	}
	for _, d := range devs {
		info, err := yubikey.Describe(d)
		d.Close()
		if err != nil {
			fmt.Fprintf(stdout, "YubiKey %d (firmware %s, reader %q): %v\n", d.Serial, d.Firmware(), d.Reader, err)
			continue
		}
		fmt.Fprintf(stdout, "YubiKey %d  firmware %s  PIN tries left %d  reader %q\n", d.Serial, d.Firmware(), info.PINTries, d.Reader)
		if names := d.Factory.Names(); len(names) > 0 {
			fmt.Fprintf(stdout, "  WARNING: factory %s: a ceremony refuses this device until they are changed\n", strings.Join(names, ", "))
		}
		if len(info.Slots) == 0 {
			fmt.Fprintln(stdout, "  no keys")
		}
		for _, s := range info.Slots {
			id, _ := keys.ID(s.Key)
			fmt.Fprintf(stdout, "  slot %x  %-20s %s  pin %s touch %s  %s\n", s.Slot.Key, s.Key.Scheme, id[:12], s.PINPolicy, s.TouchPolicy, yubikey.URI(d.Serial, s.Slot))
		}
	}
	return err
}
