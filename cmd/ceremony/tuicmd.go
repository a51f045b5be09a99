package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui"
)

// runTUI runs the terminal app on a workspace: `ceremony tui WORKSPACE`.
func runTUI(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tui", flag.ContinueOnError)
	who := fs.String("who", "operator", "who notes made in the app are recorded as made by")
	rest, err := parseFlags(fs, args, stderr, "[--who NAME] WORKSPACE", 1, 1)
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
	m := tui.New(rest[0]).WithWho(*who).WithStyles(tui.StylesFromEnv(os.Getenv))
	if _, err := tea.NewProgram(m, tea.WithOutput(stdout)).Run(); err != nil {
		return fmt.Errorf("failed to run the terminal app: %w", err)
	}
	return nil
}
