//go:build cgo

package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/rehearsal"
	"github.com/tuf-ceremony/ceremony/tui"
)

// runRehearse is 'ceremony rehearse': the ceremony's terminal app on
// simulated devices (virtual YubiKeys behind a private pcscd, SoftHSM2
// tokens, a key file) set up in a fresh directory, with practice PINs on
// screen, so that anyone can practice a whole bootstrap on any laptop.
func runRehearse(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rehearse", flag.ContinueOnError)
	profile := fs.String("profile", "pep458", "the repository's profile: rstuf, pep458 or pep480")
	dir := fs.String("dir", "", "where the simulated devices, keys, plan, workspace and bundle go (default: a new temporary directory)")
	who := fs.String("who", "operator", "who notes made in the app are recorded as made by")
	if _, err := parseFlags(fs, args, stderr, "[--profile rstuf|pep458|pep480] [--dir DIR]", 0, 0); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "ceremony-rehearsal-")
		if err != nil {
			return fmt.Errorf("failed to make a directory for the rehearsal: %w", err)
		}
		*dir = d
	}
	fmt.Fprintf(stderr, "ceremony: rehearsal: setting up simulated devices in %s\n", *dir)
	lab, err := rehearsal.Setup(*dir, *profile)
	if err != nil {
		return fmt.Errorf("failed to set up the rehearsal's simulated devices: %w", err)
	}
	defer lab.Close()

	r := &tui.Rehearsal{Dir: lab.Dir(), Tray: lab}
	for _, h := range lab.Holders() {
		r.Practice = append(r.Practice, tui.Practice{Holder: h.Name, Device: h.Device, Serial: h.Serial, Secret: h.Secret})
	}
	ws := filepath.Join(lab.Dir(), "workspace")
	out := filepath.Join(lab.Dir(), "bundle.tar")
	m := tui.NewBootstrap(env.engine, lab.PlanPath(), ws, r).WithBundleOut(out).WithWho(*who)
	if err := runApp(m, stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ceremony: rehearsal: everything is in %s\n", lab.Dir())
	fmt.Fprintf(stderr, "ceremony: hint: check it as the server operator and an auditor would: ceremony verify --rehearsal %s; ceremony replay %s\n", out, ws)
	return nil
}
