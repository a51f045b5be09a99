package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func runScript(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("script", flag.ContinueOnError)
	asHTML := fs.Bool("html", false, "print a self-contained HTML page to print, instead of Markdown")
	kind := fs.String("kind", string(workspace.Bootstrap), "the ceremony: bootstrap or next-root")
	ws := fs.String("workspace", "ws", "the workspace directory the commands create")
	out := fs.String("bundle", "ceremony-bundle.tar", "the bundle file the commands write")
	from := fs.String("from", "root.json", "the trusted current root (next-root)")
	rotationWS := fs.String("rotation", "", "print the script of the rotation in this `WORKSPACE` (made by 'ceremony rotate PATH WORKSPACE'), from its plan rotation.json")
	rest, err := parseFlags(fs, args, stderr, "[--html] [--kind bootstrap|next-root] PLAN\n       ceremony script [--html] [--bundle FILE] --rotation WORKSPACE", 0, 1)
	if err != nil {
		return err
	}
	if *rotationWS != "" {
		if len(rest) != 0 {
			return usageError{fmt.Sprintf("--rotation takes the rotation workspace, and no PLAN (got %q)", rest[0])}
		}
		s, err := rotate.Script(*rotationWS, *out)
		if err != nil {
			return err
		}
		for _, w := range s.Warnings {
			fmt.Fprintf(stderr, "ceremony: WARNING: %s\n", w)
		}
		if *asHTML {
			return s.HTML(stdout)
		}
		return s.Markdown(stdout)
	}
	if len(rest) != 1 {
		return usageError{"give the PLAN, or --rotation WORKSPACE"}
	}
	k := workspace.Kind(*kind)
	if k != workspace.Bootstrap && k != workspace.NextRoot {
		return usageError{fmt.Sprintf("--kind %q: want bootstrap or next-root", *kind)}
	}
	p, err := plan.Load(rest[0], env.keys)
	if err != nil {
		return err
	}
	s, err := bootstrap.ScriptWith(p, bootstrap.ScriptOptions{Kind: k, Workspace: *ws, Bundle: *out, TrustedRoot: *from})
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

func runReport(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/report/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--json] WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	line := env.step("reading "+rest[0], *asJSON)
	rep, err := audit.Report(env.engine, rest[0])
	line.Stop()
	if err != nil {
		return err
	}
	if *asJSON {
		err = printJSON(stdout, "report", rep)
	} else {
		err = rep.Markdown(stdout)
	}
	if err != nil {
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
