package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
)

// terminalPrompter asks for secrets on the controlling terminal, without
// echo. It never retries by itself: a wrong secret is reported and the
// command ends.
type terminalPrompter struct{}

var _ keys.Prompter = terminalPrompter{}

func (terminalPrompter) Secret(req keys.SecretRequest) ([]byte, error) {
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("%q needs a %s and there is no terminal: add ?pin-source=FILE to the key URI", req.URI, req.Kind)
	}
	defer tty.Close()
	ask := func(prompt string) ([]byte, error) {
		fmt.Fprint(tty, safetext.Escape(prompt))
		b, err := term.ReadPassword(int(tty.Fd()))
		fmt.Fprintln(tty)
		if err != nil {
			return nil, fmt.Errorf("failed to read %s: %w", req.Kind, err)
		}
		return b, nil
	}
	label := fmt.Sprintf("%s for %s", req.Kind, req.URI)
	if req.TriesLeft >= 0 {
		label += fmt.Sprintf(" (%d tries left)", req.TriesLeft)
	}
	if req.Confirm {
		label = "new " + label
	}
	if req.Form != "" {
		fmt.Fprintln(tty, safetext.Escape("The "+req.Kind.String()+" is "+req.Form+"."))
	}
	first, err := ask("Enter " + label + ": ")
	if err != nil {
		return nil, err
	}
	if !req.Confirm {
		return first, nil
	}
	second, err := ask("Repeat " + label + ": ")
	if err != nil {
		clear(first)
		return nil, err
	}
	defer clear(second)
	if !bytes.Equal(first, second) {
		clear(first)
		return nil, fmt.Errorf("the two %ss for %s differ: nothing was written", req.Kind, req.URI)
	}
	return first, nil
}

func (terminalPrompter) Notify(message string) {
	fmt.Fprintf(os.Stderr, "ceremony: %s\n", safetext.Escape(message))
}

// errNotConfirmed: the keyholder did not say yes to what the review showed.
var errNotConfirmed = errors.New("not signed: the review was not confirmed; nothing was written")

// confirm asks "question [y/N]" on the terminal, after the review has been
// printed, and refuses anything but y or yes. yes (--yes) answers for a run
// with nobody at a terminal; without a terminal and without yes, it
// refuses: nothing is signed unseen.
func confirm(stdout io.Writer, question string, yes bool) error {
	if yes {
		fmt.Fprintf(stdout, "%s yes (--yes)\n", question)
		return nil
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("no terminal to confirm on: read the review above, then run again with --yes to sign it")
	}
	defer tty.Close()
	fmt.Fprintf(tty, "%s [y/N] ", safetext.Escape(question))
	line, err := bufio.NewReader(io.LimitReader(tty, 64)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("failed to read the answer: %w", err)
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errNotConfirmed
}
