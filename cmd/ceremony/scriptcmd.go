package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func runScript(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("script", flag.ContinueOnError)
	asHTML := fs.Bool("html", false, "print a self-contained HTML page to print, instead of Markdown")
	kind := fs.String("kind", string(workspace.Bootstrap), "the ceremony: bootstrap or next-root")
	ws := fs.String("workspace", "ws", "the workspace directory the commands create")
	out := fs.String("bundle", "ceremony-bundle.tar", "the bundle file the commands write")
	from := fs.String("from", "root.json", "the trusted current root (next-root)")
	rest, err := parseFlags(fs, args, stderr, "[--html] [--kind bootstrap|next-root] PLAN", 1, 1)
	if err != nil {
		return err
	}
	k := workspace.Kind(*kind)
	if k != workspace.Bootstrap && k != workspace.NextRoot {
		return usageError{fmt.Sprintf("--kind %q: want bootstrap or next-root", *kind)}
	}
	p, err := plan.Load(rest[0])
	if err != nil {
		return err
	}
	s, err := ceremony.ScriptWith(p, ceremony.ScriptOptions{Kind: k, Workspace: *ws, Bundle: *out, TrustedRoot: *from})
	if err != nil {
		return err
	}
	for _, w := range p.Warnings {
		fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
	}
	if *asHTML {
		return s.HTML(stdout)
	}
	return s.Markdown(stdout)
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	rest, err := parseFlags(fs, args, stderr, "WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	rep, err := ceremony.Report(rest[0])
	if err != nil {
		return err
	}
	if err := rep.Markdown(stdout); err != nil {
		return err
	}
	if f := rep.Replay.FirstBad; f != nil {
		return fmt.Errorf("replay of %q failed at record %d: %s", rest[0], f.Seq, f.Reason)
	}
	if !rep.OK() {
		return fmt.Errorf("report of %q: a file could not be read", rest[0])
	}
	return nil
}
