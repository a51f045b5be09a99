package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func runReplay(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/replay/v1)")
	rest, err := parseFlags(fs, args, stderr, "[--json] WORKSPACE|BUNDLE", 1, 1)
	if err != nil {
		return err
	}
	path := rest[0]
	replay := env.engine.Replay
	switch {
	case isFile(path):
		replay = func(path string) (*ceremony.ReplayReport, error) { return audit.ReplayBundle(env.engine, path) }
	case filepath.Base(filepath.Clean(path)) == workspace.TranscriptDir && workspace.IsWorkspace(filepath.Dir(filepath.Clean(path))):
		// A workspace's transcript directory: the workspace holds what
		// the records name (plan, trusted root, final files).
		path = filepath.Dir(filepath.Clean(path))
	}
	line := env.step("replaying "+path, *asJSON)
	rep, err := replay(path)
	line.Stop()
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(stdout, "replay", rep); err != nil {
			return err
		}
	} else if err := rep.Print(stdout); err != nil {
		return err
	}
	if !rep.OK() {
		return fmt.Errorf("replay of %q failed at record %d: %s", rest[0], rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
	return nil
}

func runSeal(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("seal", flag.ContinueOnError)
	var uris moduleList
	fs.Var(&uris, "key", "a keyholder's key URI (repeat for each keyholder who seals)")
	rest, err := parseFlags(fs, args, stderr, "--key URI [--key URI]... WORKSPACE", 1, 1)
	if err != nil {
		return err
	}
	if len(uris) == 0 {
		return usageError{"at least one --key is required"}
	}
	var signers []keys.Signer
	for _, u := range uris {
		s, closeKey, err := openKey(env, u)
		if err != nil {
			return err
		}
		defer closeKey()
		signers = append(signers, s)
	}
	line := env.step("sealing "+rest[0], false)
	res, err := env.engine.Seal(rest[0], signers)
	line.Stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "sealed %s by %v\nseal %s\ntranscript head %s\n", rest[0], res.Holders, res.Path, res.Head)
	return nil
}
