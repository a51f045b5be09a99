package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"golang.org/x/term"

	"github.com/tuf-ceremony/ceremony/tui"
)

// runTUI runs the ceremony's terminal app on a workspace:
// `ceremony tui WORKSPACE` walks through the ceremony from the plan's
// table (resuming where it stands); --dashboard shows who has signed what.
func runTUI(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	who := fs.String("who", "operator", "who notes made in the app are recorded as made by")
	dash := fs.Bool("dashboard", false, "show only who has signed what (r refreshes, n adds a note)")
	out := fs.String("bundle-out", "", "where the bundle is written at the end (default WORKSPACE.bundle.tar)")
	rest, err := parseFlags(fs, args, stderr, "[--who NAME] [--dashboard] [--bundle-out FILE] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if *who == "" {
		return usageError{"--who must not be empty: a note says who made it"}
	}
	if fi, err := os.Stat(rest[0]); err != nil {
		return fmt.Errorf("failed to open workspace %q: %w", rest[0], err)
	} else if !fi.IsDir() {
		return fmt.Errorf("workspace %q is not a directory", rest[0])
	}
	var r *tui.Rehearsal
	if !*dash { // the dashboard only reads: no devices to simulate
		var closeLab func()
		if r, closeLab, err = labOf(rest[0]); err != nil {
			return err
		}
		defer closeLab()
	}
	m := tui.New(env.engine, rest[0])
	if *dash {
		m = tui.NewDashboard(env.engine, rest[0])
	}
	if r != nil {
		m = m.WithRehearsal(r)
		// The lab's bootstrap bundles where 'ceremony rehearse' puts it;
		// a scenario's workspace beside itself, as there.
		if abs, err := filepath.Abs(rest[0]); err == nil && *out == "" && abs == filepath.Join(r.Dir, "workspace") {
			*out = filepath.Join(r.Dir, "bundle.tar")
		}
	}
	return runApp(m.WithWho(*who).WithBundleOut(*out), stdout)
}

// runChooser is 'ceremony' without arguments on a terminal: choose a
// ceremony, or resume a workspace found in the current directory.
func runChooser(env *runEnv, stdout io.Writer) error {
	return runApp(tui.NewChooser(env.engine, "."), stdout)
}

// runApp runs the app with the environment's styles (NO_COLOR).
func runApp(m tui.Model, stdout io.Writer) error {
	m = m.WithStyles(tui.StylesFromEnv(os.Getenv))
	if err := tui.Run(m, tea.WithOutput(stdout)); err != nil {
		return fmt.Errorf("failed to run the terminal app: %w", err)
	}
	return nil
}

// interactive reports whether stdin and stdout are both terminals.
func interactive() bool {
	return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd()))
}
