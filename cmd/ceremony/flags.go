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
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: ceremony %s [flags] %s\n", fs.Name(), positional)
		fs.PrintDefaults()
	}
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
			return nil, errHelp
		}
		return nil, usageError{err.Error()}
	}
	if len(rest) < min || len(rest) > max {
		return nil, usageError{fmt.Sprintf("want %s", positional)}
	}
	return rest, nil
}

// moduleList is a repeatable --module flag.
type moduleList []string

func (m *moduleList) String() string     { return strings.Join(*m, ",") }
func (m *moduleList) Set(v string) error { *m = append(*m, v); return nil }
