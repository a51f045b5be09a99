package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
)

func init() {
	yubikey.Register()
}

func runDevices(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("devices", flag.ContinueOnError)
	if _, err := parseFlags(fs, args, stderr, "", 0, 0); err != nil {
		return err
	}
	devs, err := yubikey.List()
	if err != nil {
		fmt.Fprintf(stderr, "ceremony: %v\n", err)
	}
	if len(devs) == 0 {
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
		if len(info.Slots) == 0 {
			fmt.Fprintln(stdout, "  no keys")
		}
		for _, s := range info.Slots {
			id, _ := keys.ID(s.Key)
			fmt.Fprintf(stdout, "  slot %x  %-20s %s  pin %s touch %s  %s\n", s.Slot.Key, s.Key.Scheme, id[:12], s.PINPolicy, s.TouchPolicy, yubikey.URI(d.Serial, s.Slot))
		}
	}
	return nil
}
