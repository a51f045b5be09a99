package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

var errHelp = errors.New("help shown")

// parseFlags parses args with fs, accepting flags before and after the
// positional arguments (ceremony status WORKSPACE --json), and checks the
// number of positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, positional string, min, max int) ([]string, error) {
	if len(args) == 1 && args[0] == describeArg {
		describeFlags(fs, positional)
		return nil, errHelp
	}
	// The flag package's own messages are off: a bad flag is one line
	// (main prints it, with a hint), help is the usage alone.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "usage: ceremony %s [flags] %s\n", fs.Name(), positional)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return nil, errHelp
		}
		return nil, usageError{err.Error() + flagSuggestion(fs, err)}
	}
	if len(rest) < min || len(rest) > max {
		return nil, usageError{fmt.Sprintf("want %s", positional)}
	}
	return rest, nil
}

// flagSuggestion is ": did you mean --key?" for a flag fs does not define
// but one of its own is near; "" otherwise.
func flagSuggestion(fs *flag.FlagSet, err error) string {
	const undefined = "flag provided but not defined: -"
	name, ok := strings.CutPrefix(err.Error(), undefined)
	if !ok {
		return ""
	}
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	if near := nearest(strings.TrimLeft(name, "-"), names); near != "" {
		return "; did you mean --" + near + "?"
	}
	return ""
}

// nearest is the closest of names to s (the first of equals), if it is
// near: one edit away, or two for a word of three letters or more that
// begins as the name does ("kye" is near "key", "sigh" near "sign"; "run"
// is near no "tui", "y" near no "key"); otherwise "".
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		d := editDistance(s, n)
		near := d <= 1 || d == 2 && len(s) >= 3 && n != "" && s[0] == n[0]
		if near && d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

// subcommand is one command of a group (claims review, payload export).
type subcommand struct {
	name, summary string
	run           func(env *runEnv, args []string, stdout, stderr io.Writer) error
}

// runGroup runs the subcommand args[0] names, or prints the group's usage
// (-h), or refuses an unknown one with the nearest name.
func runGroup(env *runEnv, group string, subs []subcommand, args []string, stdout, stderr io.Writer) error {
	var names []string
	for _, s := range subs {
		names = append(names, s.name)
	}
	want := strings.Join(names, " or ")
	if len(args) == 1 && args[0] == describeArg {
		describeGroup(env, subs)
		return errHelp
	}
	if len(args) == 0 {
		return usageError{fmt.Sprintf("want '%s %s'", group, strings.Join(names, "' or '"+group+" "))}
	}
	if isHelp(args[0]) {
		fmt.Fprintf(stderr, "usage: ceremony %s COMMAND [flags] [args]\n\ncommands:\n", group)
		for _, s := range subs {
			fmt.Fprintf(stderr, "  %-8s %s\n", s.name, s.summary)
		}
		fmt.Fprintf(stderr, "\nrun 'ceremony %s COMMAND -h' for a command's flags\n", group)
		return errHelp
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(env, args[1:], stdout, stderr)
		}
	}
	msg := fmt.Sprintf("unknown %s command %q: want %s", group, args[0], want)
	if near := nearest(args[0], names); near != "" {
		msg += "; did you mean '" + group + " " + near + "'?"
	}
	return usageError{msg}
}

// moduleList is a repeatable --module flag.
type moduleList []string

func (m *moduleList) String() string     { return strings.Join(*m, ",") }
func (m *moduleList) Set(v string) error { *m = append(*m, v); return nil }

// flagSet says whether the command line gave the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
