package main

import (
	"flag"
	"io"
	"slices"
	"sort"
	"sync"
)

// Shell completions and the man page are made from the commands
// themselves: each command, handed describeArg as its only argument,
// defines its flags as it always does and gives them to parseFlags, which
// records them (with the positional arguments' synopsis) instead of
// parsing; a group (runGroup) records its subcommands and describes each.
// Nothing runs. So what is completed and documented is what each command
// parses: they cannot drift apart.

// describeArg, as a command's only argument, asks it to describe itself.
// No one types it: it holds a NUL byte.
const describeArg = "\x00describe"

// commandDoc is one command as it describes itself.
type commandDoc struct {
	// Path is the command's words after "ceremony" ("claims review").
	Path    string
	Summary string
	// Synopsis is what follows the command's words ("[--json] WORKSPACE").
	Synopsis string
	Flags    []flagDoc
	// Subs are a group's subcommands.
	Subs []*commandDoc
	// described is set once parseFlags or runGroup recorded it.
	described bool
}

// flagDoc is one flag.
type flagDoc struct {
	Name, Usage, Default string
	// Bool flags take no value.
	Bool bool
}

// describing is the command being described; one description at a time.
var describing struct {
	sync.Mutex
	cur *commandDoc
}

// describeFlags records fs and the synopsis into the command being
// described.
func describeFlags(fs *flag.FlagSet, synopsis string) {
	d := describing.cur
	if d == nil {
		return
	}
	if d.described {
		// A second form of the command (sign --rstuf-pending): its
		// synopsis on a line of its own, its flags not yet seen added.
		synopsis += "\n" + "ceremony " + d.Path + " " + d.Synopsis
	}
	d.Synopsis, d.described = synopsis, true
	fs.VisitAll(func(f *flag.Flag) {
		if slices.ContainsFunc(d.Flags, func(g flagDoc) bool { return g.Name == f.Name }) {
			return
		}
		bf, ok := f.Value.(interface{ IsBoolFlag() bool })
		d.Flags = append(d.Flags, flagDoc{Name: f.Name, Usage: f.Usage, Default: f.DefValue, Bool: ok && bf.IsBoolFlag()})
	})
	sort.Slice(d.Flags, func(i, j int) bool { return d.Flags[i].Name < d.Flags[j].Name })
}

// describeGroup records a group's subcommands into the command being
// described, and describes each.
func describeGroup(env *runEnv, subs []subcommand) {
	parent := describing.cur
	if parent == nil {
		return
	}
	parent.described = true
	for _, s := range subs {
		child := &commandDoc{Path: parent.Path + " " + s.name, Summary: s.summary}
		describing.cur = child
		_ = s.run(env, []string{describeArg}, io.Discard, io.Discard)
		parent.Subs = append(parent.Subs, child)
	}
	describing.cur = parent
}

// thisBuildsCommands is commands, set by init: the commands that describe
// the others are among them, which a variable's initializer cannot say.
var thisBuildsCommands func() []command

func init() { thisBuildsCommands = func() []command { return commands } }

// describeCommands is every command of this build, described.
func describeCommands(env *runEnv) []*commandDoc {
	describing.Lock()
	defer describing.Unlock()
	var out []*commandDoc
	for _, c := range thisBuildsCommands() {
		d := &commandDoc{Path: c.name, Summary: c.summary}
		describing.cur = d
		_ = c.run(env, []string{describeArg}, io.Discard, io.Discard)
		out = append(out, d)
	}
	describing.cur = nil
	return out
}
