//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

func runDevices(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	var modules moduleList
	fs.Var(&modules, "module", "PKCS#11 module to list tokens of (repeatable; default: SoftHSM2, ykcs11, OpenSC, YubiHSM where installed)")
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/devices/v1)")
	if _, err := parseFlags(fs, args, stderr, "[--module PATH]... [--json]", 0, 0); err != nil {
		return err
	}
	// Both kinds are listed whatever fails; a failure to look is never
	// said as "none found", and makes the exit status 1.
	d := devicesJSON{YubiKeys: []yubiKeyJSON{}, Tokens: []tokenJSON{}}
	yubiErr := listYubiKeys(&d)
	var err error
	if len(modules) == 0 && len(p11.WellKnownModules()) == 0 {
		d.NoModule = true // nothing to look with: not a failure to look
	} else {
		err = listTokens(&d, modules)
	}
	if *asJSON {
		if perr := printJSON(stdout, "devices", &d); perr != nil {
			return perr
		}
	} else {
		printDevices(stdout, &d)
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

// listYubiKeys adds the YubiKeys connected to d; an error says they could
// not be looked for (pcscd not running), which is not "none connected".
func listYubiKeys(d *devicesJSON) error {
	devs, err := yubikey.List()
	if err != nil {
		d.YubiKeysError = err.Error()
	}
	for _, dev := range devs {
		info, err := yubikey.Describe(dev)
		dev.Close()
		y := yubiKeyJSON{Serial: dev.Serial, Firmware: dev.Firmware(), Reader: dev.Reader, Factory: dev.Factory.Names(), Slots: []slotJSON{}}
		if y.Factory == nil {
			y.Factory = []string{}
		}
		if err != nil {
			y.Error = err.Error()
			d.YubiKeys = append(d.YubiKeys, y)
			continue
		}
		y.PINTries = info.PINTries
		for _, s := range info.Slots {
			id, _ := keys.ID(s.Key)
			y.Slots = append(y.Slots, slotJSON{Slot: fmt.Sprintf("%x", s.Slot.Key), Scheme: s.Key.Scheme, KeyID: id,
				PINPolicy: s.PINPolicy, TouchPolicy: s.TouchPolicy, URI: yubikey.URI(dev.Serial, s.Slot)})
		}
		d.YubiKeys = append(d.YubiKeys, y)
	}
	return err
}

// listTokens adds the PKCS#11 tokens of modules (or of the well-known
// modules) to d.
func listTokens(d *devicesJSON, modules []string) error {
	tokens, err := p11.Devices(modules)
	if err != nil {
		d.TokensError = err.Error()
	}
	for _, t := range tokens {
		tj := tokenJSON{Label: t.Label, Serial: t.Serial, Manufacturer: t.Manufacturer, Model: t.Model, Status: t.Status(), Module: t.Module, Keys: []tokenKeyJSON{}}
		if t.Err != nil {
			tj.Error = t.Err.Error()
		}
		for _, k := range t.Keys {
			kj := tokenKeyJSON{Type: k.Type, ID: k.ID, URI: k.URI}
			if k.TUFKey != nil {
				kj.KeyID, _ = keys.ID(k.TUFKey)
			}
			tj.Keys = append(tj.Keys, kj)
		}
		d.Tokens = append(d.Tokens, tj)
	}
	return err
}

// printDevices prints d for people.
func printDevices(w io.Writer, d *devicesJSON) {
	switch {
	case d.YubiKeysError != "":
		fmt.Fprintln(w, "YubiKeys: could not look (the error is on stderr)")
	case len(d.YubiKeys) == 0:
		fmt.Fprintln(w, "no YubiKey connected")
	}
	for _, y := range d.YubiKeys {
		if y.Error != "" {
			fmt.Fprintf(w, "YubiKey %d (firmware %s, reader %q): %s\n", y.Serial, y.Firmware, y.Reader, y.Error)
			continue
		}
		fmt.Fprintf(w, "YubiKey %d  firmware %s  PIN tries left %d  reader %q\n", y.Serial, y.Firmware, y.PINTries, y.Reader)
		if len(y.Factory) > 0 {
			fmt.Fprintf(w, "  WARNING: factory %s: a ceremony refuses this device until they are changed\n", strings.Join(y.Factory, ", "))
		}
		if len(y.Slots) == 0 {
			fmt.Fprintln(w, "  no keys")
		}
		for _, s := range y.Slots {
			fmt.Fprintf(w, "  slot %s  %-20s %s  pin %s touch %s  %s\n", s.Slot, s.Scheme, ceremony.AbbrevHash(s.KeyID), s.PINPolicy, s.TouchPolicy, s.URI)
		}
	}
	switch {
	case d.NoModule:
		fmt.Fprintln(w, "no PKCS#11 module installed in the well-known places (give --module PATH)")
	case d.TokensError != "":
		fmt.Fprintln(w, "PKCS#11 tokens: could not look at every module (the error is on stderr)")
	case len(d.Tokens) == 0:
		fmt.Fprintln(w, "no PKCS#11 token found")
	}
	for _, t := range d.Tokens {
		fmt.Fprintf(w, "PKCS#11 token %q serial %s (%s %s) %s module %s\n", t.Label, t.Serial, t.Manufacturer, t.Model, t.Status, t.Module)
		if t.Error != "" {
			fmt.Fprintf(w, "  keys not listed: %s\n", t.Error)
		}
		for _, k := range t.Keys {
			id := "-"
			if k.KeyID != "" {
				id = ceremony.AbbrevHash(k.KeyID)
			}
			fmt.Fprintf(w, "  %-10s id %s %s %s\n", k.Type, k.ID, id, k.URI)
		}
	}
}
