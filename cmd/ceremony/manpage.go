package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/buildinfo"
)

// runMan is 'ceremony man': the manual page ceremony(1), in roff, with
// every command, subcommand and flag of this build as the commands
// describe themselves (describe.go). It carries no date, so that a release
// makes it byte for byte again.
func runMan(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("man", flag.ContinueOnError)
	if _, err := parseFlags(fs, args, stderr, "", 0, 0); err != nil {
		return err
	}
	_, err := io.WriteString(stdout, manPage(describeCommands(env), buildinfo.Read().Version))
	return err
}

// roff escapes text for a roff line: backslashes, and a leading dot or
// apostrophe that would make it a request.
func roff(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	s = strings.ReplaceAll(s, "-", `\-`)
	if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
		s = `\&` + s
	}
	return s
}

func manPage(docs []*commandDoc, version string) string {
	var b strings.Builder
	fmt.Fprintf(&b, ".TH CEREMONY 1 \"\" %q \"User Commands\"\n", "ceremony "+version)
	b.WriteString(".SH NAME\nceremony \\- offline key\\-ceremony and signing workstation for TUF repositories\n")
	b.WriteString(".SH SYNOPSIS\n.B ceremony\n.I command\n.RI [ flags ]\n.RI [ arguments ]\n.br\n.B ceremony\n")
	b.WriteString("(alone: the terminal app, which chooses a workspace)\n")
	b.WriteString(".SH DESCRIPTION\n")
	b.WriteString(roff("ceremony walks a TUF repository's administrators through threshold signing of root and targets on YubiKeys (PIV) and PKCS#11 tokens, on an air-gapped machine, and leaves metadata every TUF client accepts, a bundle to carry to the online server, and a transcript an auditor replays.") + "\n")
	b.WriteString(".PP\n" + roff("Every command below is also described by 'ceremony COMMAND -h'. Exit status: 0 done; 1 failed (the reason on standard error); 2 bad usage; 3 from status, when a threshold is not met yet.") + "\n")
	b.WriteString(".SH COMMANDS\n")
	for _, d := range allDocs(docs) {
		// A synopsis of several lines (other forms, what an argument is):
		// the first is the heading, the others text below it.
		first, more, _ := strings.Cut(d.Synopsis, "\n")
		fmt.Fprintf(&b, ".SS \"%s\"\n", strings.ReplaceAll(roff(strings.TrimSpace("ceremony "+d.Path+" "+first)), `"`, `\(dq`))
		b.WriteString(roff(d.Summary) + "\n")
		for _, line := range strings.Split(more, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				b.WriteString(".br\n" + roff(line) + "\n")
			}
		}
		if len(d.Subs) > 0 {
			var names []string
			for _, s := range d.Subs {
				names = append(names, lastWord(s.Path))
			}
			b.WriteString(".PP\n" + roff("Subcommands: "+strings.Join(names, ", ")+".") + "\n")
		}
		for _, f := range d.Flags {
			b.WriteString(".TP\n.B " + roff("--"+f.Name) + "\n" + roff(f.Usage))
			if !f.Bool && f.Default != "" && f.Default != "0" && f.Default != "[]" {
				b.WriteString(roff(" (default " + f.Default + ")"))
			}
			b.WriteString("\n")
		}
	}
	b.WriteString(".SH SEE ALSO\n" + roff("README.md (the ceremony step by step, bringing the tool to the offline machine), SECURITY.md, and the JSON Schemas of the --json forms in schemas/.") + "\n")
	return b.String()
}
