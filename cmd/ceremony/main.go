// Command ceremony is an offline key-ceremony and signing workstation for
// TUF repositories (PyPI's PEP 458 and PEP 480, RSTUF, any TUF repository).
//
// Output rules: results go to stdout; prompts go to the terminal; messages,
// warnings and errors go to stderr as "ceremony: ...", lowercase, without a
// final period, with "ceremony: hint: ..." lines saying what to do next.
//
// Exit codes: 0 success; 1 failure (including a verification that does not
// hold); 2 bad usage; 3 'ceremony status' found signatures still missing.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"golang.org/x/term"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/internal/harden"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/internal/progress"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/keys"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
	exitMissing = 3
)

func main() {
	// Before anything is read: PINs and passphrases pass through this
	// process's memory, which no core dump or debugger may take.
	if err := harden.Process(); err != nil {
		fmt.Fprintf(os.Stderr, "ceremony: %v\n", err)
		os.Exit(exitFailure)
	}
	collectSooner()
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// gcPercent is the garbage collector's target: the heap may grow by a
// quarter of what is live before a collection, not the runtime's default
// of as much again. This tool's heap is mostly large byte slices without
// pointers (metadata files, their canonical forms, bundle entries), which
// a collection scans in little time, so the peak follows the live data:
// 'verify' of a 100,000-project claims bundle peaks at 390 MB instead of
// 600 MB in the same time (BENCHMARKS.md). GOGC, when set, still decides.
const gcPercent = 25

func collectSooner() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
}

type command struct {
	name    string
	summary string
	run     func(env *runEnv, args []string, stdout, stderr io.Writer) error
	// fullOnly: the command is in the full build only (full.go): it
	// drives hardware or rehearses. The auditor's build (CGO_ENABLED=0,
	// auditor.go) leaves it out.
	fullOnly bool
	// app: the command draws the terminal app on stdout (which escapes
	// what it shows itself); every other command's stdout, and every
	// stderr, go through safetext's Writer.
	app bool
}

// allCommands is every command of the full build, in the order usage
// lists them; commands is what this build has.
var (
	allCommands = []command{
		{"keygen", "make a key (software key for rehearsals: --uri file:PATH)", runKeygen, false, false},
		{"key", "what is done with a key made elsewhere: key import turns its public key into the TUF key a plan names", runKey, false, false},
		{"attestation", "check a device's key attestation on its own (attestation verify: a YubiKey PIV slot's or a YubiHSM 2's, against Yubico's roots and a key)", runAttestation, false, false},
		{"init", "create a workspace from a plan (--from TRUSTED_ROOT for the next root)", runInit, false, false},
		{"sign", "sign every role in a workspace the key may sign (or --rstuf-pending FILE: an RSTUF pending-signing answer)", runSign, false, false},
		{"payload", "export a role to sign on another workstation, or import signature files (payload export|import)", runPayload, false, false},
		{"sign-payload", "sign an exported payload on your own machine, giving a signature file", runSignPayload, false, false},
		{"status", "show who has signed what and who still must", runStatus, false, false},
		{"review", "show what is about to be signed against what clients trust now (--key URI: may it sign?)", runReview, false, false},
		{"rotate", "plan a key rotation or the recovery after a compromise (--compromised KEY, --online) and make its workspace", runRotate, false, false},
		{"claim", "a maintainer's PEP 480 claim request: the project, its keys and threshold, signed by every key", runClaim, false, false},
		{"claims", "review a directory of PEP 480 claim requests (claims review) and make the claims ceremony's workspace (claims init)", runClaims, false, false},
		{"project", "a maintainer's workspace to sign their claimed project's targets (project init)", runProject, false, false},
		{"verify", "verify a workspace or a repository as a client would", runVerify, false, false},
		{"note", "record an exception or remark in the workspace's transcript", runNote, false, false},
		{"seal", "seal a workspace's transcript: an in-toto statement in a DSSE envelope signed by keyholders", runSeal, false, false},
		{"replay", "replay a workspace's transcript and check every step, as an auditor", runReplay, false, false},
		{"bundle", "write the bundle to carry to the online server", runBundle, false, false},
		{"script", "print a ceremony's steps from a plan, with places for witnesses' initials and times (Markdown, or --html)", runScript, false, false},
		{"report", "print what happened in a workspace, every hash as hex and as PGP words to read aloud", runReport, false, false},
		{"tui", "walk through a workspace's ceremony in the terminal app (resumes where it stands); 'ceremony' alone chooses one", runTUI, false, true},
		{"rehearse", "practice a whole ceremony in the terminal app on simulated YubiKeys and HSMs, practice PINs shown", runRehearse, true, true},
		{"devices", "list YubiKeys and PKCS#11 tokens and their keys, with URIs to paste", runDevices, true, false},
		{"demo", "run a whole rehearsal with throwaway keys, no questions", runDemo, true, false},
		{"version", "print the version, commit and build, and the SHA-256 of this binary to compare with the release's", runVersion, false, false},
		{"completion", "print the shell's completion script (completion bash|zsh|fish)", runCompletion, false, false},
		{"man", "print the manual page ceremony(1), in roff", runMan, false, false},
	}
	commands = buildCommands()
)

// buildCommands leaves out the full build's commands from an auditor's
// build.
func buildCommands() []command {
	var out []command
	for _, c := range allCommands {
		if !c.fullOnly || fullBuild {
			out = append(out, c)
		}
	}
	return out
}

// usageError is bad usage: exit 2 with the command's usage.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitError carries a specific exit code for an outcome that is not an
// error message of its own (status with signatures missing).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// runEnv is what the commands are handed: made once, in run.
type runEnv struct {
	// keys opens keys: key files, and the hardware this build drives.
	keys *keys.Backends
	// engine runs the ceremony steps on workspaces of every kind.
	engine *ceremony.Engine
	// terminal is stderr when it is a terminal, for progress lines; nil
	// otherwise (a pipe, a file, a test). width is its width in columns.
	terminal io.Writer
	width    int
	// line is the progress line of the step running, which a prompt
	// takes off the terminal while it asks (prompter).
	line *progress.Line
}

// step shows a progress line for a step that may take seconds (a claimed
// role of 100,000 projects), on a terminal only; stop it before printing
// anything. JSON output shows none.
func (env *runEnv) step(label string, quiet bool) *progress.Line {
	if quiet {
		env.line = progress.Start(nil, label, 0)
	} else {
		env.line = progress.Start(env.terminal, label, env.width)
	}
	return env.line
}

// prompter asks for PINs and passphrases on the terminal, and says what
// to do there (touch the device), with the step's progress line taken
// off the terminal meanwhile: a prompt stands on its own line.
func (env *runEnv) prompter() keys.Prompter { return pausingPrompter{env, terminalPrompter{}} }

type pausingPrompter struct {
	env *runEnv
	on  keys.Prompter
}

func (p pausingPrompter) Secret(req keys.SecretRequest) ([]byte, error) {
	if l := p.env.line; l != nil {
		l.Pause()
		defer l.Resume()
	}
	return p.on.Secret(req)
}

func (p pausingPrompter) Notify(message string) {
	if l := p.env.line; l != nil {
		l.Pause()
		defer l.Resume()
	}
	p.on.Notify(message)
}

func run(args []string, stdout, stderr io.Writer) int {
	backends := keys.NewBackends(hardwareBackends()...)
	env := &runEnv{keys: backends, engine: kinds.Engine(backends)}
	if stderr == io.Writer(os.Stderr) && term.IsTerminal(int(os.Stderr.Fd())) {
		env.terminal = os.Stderr
		env.width, _, _ = term.GetSize(int(os.Stderr.Fd()))
	}
	// Text that came from outside (names, paths, messages quoting them)
	// reaches no terminal raw: control characters and bidi overrides are
	// escaped on the way out.
	errs := safetext.NewWriter(stderr)
	defer errs.Flush()
	stderr = errs
	if len(args) == 0 && stdout == io.Writer(os.Stdout) && interactive() {
		if err := runChooser(env, stdout); err != nil {
			fmt.Fprintf(stderr, "ceremony: %v\n", err)
			return exitFailure
		}
		return exitOK
	}
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = append([]string{"version"}, args[1:]...)
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	for _, c := range commands {
		if c.name != args[0] {
			continue
		}
		out := io.Writer(stdout)
		if !c.app {
			safe := safetext.NewWriter(stdout)
			defer safe.Flush()
			out = safe
		}
		err := c.run(env, args[1:], out, stderr)
		var ue usageError
		var ee exitError
		switch {
		case err == nil:
			return exitOK
		case errors.As(err, &ee):
			return ee.code
		case errors.As(err, &ue):
			fmt.Fprintf(stderr, "ceremony %s: %s\n", c.name, ue.msg)
			fmt.Fprintf(stderr, "ceremony: hint: run 'ceremony %s -h' for usage\n", c.name)
			return exitUsage
		case errors.Is(err, errHelp):
			return exitOK
		default:
			fmt.Fprintf(stderr, "ceremony: %v\n", err)
			for _, h := range hint.Commands(err) {
				fmt.Fprintf(stderr, "ceremony: hint: run 'ceremony %s'\n", h)
			}
			return exitFailure
		}
	}
	var names []string
	for _, c := range commands {
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if near := nearest(args[0], names); near != "" {
		msg += "; did you mean '" + near + "'?"
	}
	fmt.Fprintf(stderr, "ceremony: %s\n", msg)
	fmt.Fprintf(stderr, "ceremony: hint: run 'ceremony -h' for the commands\n")
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: ceremony COMMAND [flags] [args]\n\ncommands:\n")
	width := 0
	for _, c := range commands {
		width = max(width, len(c.name))
	}
	for _, c := range commands {
		fmt.Fprintf(w, "  %-*s %s\n", width, c.name, c.summary)
	}
	fmt.Fprintf(w, "\nrun 'ceremony COMMAND -h' for a command's flags\n")
}
