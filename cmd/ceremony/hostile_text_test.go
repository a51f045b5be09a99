package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
)

// hostileName holds what a hostile file name, role name, payload or record
// could bring to a terminal: a screen clear, a right-to-left override and
// a C1 control introducer.
const hostileName = "evil\x1b[2J\u202e\u009b"

// rawUnsafe returns the first rune in s that safetext would escape, or -1.
func rawUnsafe(s string) rune {
	for _, r := range s {
		if safetext.Unsafe(r) {
			return r
		}
	}
	return -1
}

// TestEveryCommandEscapesWhatItShows: every command of the command line,
// given a hostile name where it takes a file, a workspace or a
// subcommand, shows that name (in its error or its output) escaped, and
// nothing it prints holds a raw control or bidi character. The app's
// commands draw the terminal themselves: package tui tests what they show.
func TestEveryCommandEscapesWhatItShows(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// A file and a directory with the hostile name, so that commands that
	// read them get past "no such file".
	if err := os.WriteFile(filepath.Join(dir, hostileName), []byte("{\"signed\": 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, hostileName+".d"), 0o700); err != nil {
		t.Fatal(err)
	}
	argsOf := map[string][][]string{
		"keygen":       {{"--uri", "file:" + hostileName + ".key", "--type", "ed25519"}},
		"init":         {{"--plan", hostileName, "--date", today(), "ws"}, {"--plan", hostileName + ".d", "--date", today(), "ws"}},
		"sign":         {{"--key", "file:" + hostileName, hostileName + ".d"}, {"--rstuf-pending", hostileName, "--key", "file:k", "ws"}},
		"payload":      {{hostileName}, {"export", "--role", hostileName, hostileName + ".d"}},
		"sign-payload": {{"--key", "file:" + hostileName, "--out", "x.sig.json", "--trusted-root", hostileName, hostileName}},
		"claim":        {{hostileName, "--key", "file:" + hostileName, "--out", "x.claim.json"}},
		"claims":       {{hostileName}, {"review", "--from", hostileName, hostileName + ".d"}, {"init", "--from", hostileName, "--claims", "c", "--date", today(), "ws"}},
		"project":      {{hostileName}, {"init", hostileName, "--from", hostileName, "p"}},
		"rotate":       {{"--lost", hostileName, hostileName}, {"--lost", "carol", hostileName + ".d"}, {"--lost", "carol", "--date", today(), hostileName, "ws"}},
		"note":         {{"--who", "alice", hostileName + ".d", "a note"}},
		"seal":         {{"--key", "file:" + hostileName, hostileName + ".d"}},
		"script":       {{hostileName}},
		"devices":      {{"--module", hostileName}},
		"bundle":       {{"--out", hostileName + ".tar", hostileName + ".d"}},
		"demo":         {{"--out", hostileName}},
		"version":      {{"--" + hostileName}},
		"completion":   {{hostileName}},
		"man":          {{"--" + hostileName}},
	}
	for _, c := range commands {
		if c.app {
			continue
		}
		runs := argsOf[c.name]
		if runs == nil {
			runs = [][]string{{hostileName}, {hostileName + ".d"}}
		}
		shown := false
		for _, args := range runs {
			var stdout, stderr bytes.Buffer
			run(append([]string{c.name}, args...), &stdout, &stderr)
			out := stdout.String() + stderr.String()
			if r := rawUnsafe(out); r >= 0 {
				t.Errorf("ceremony %s %q printed %U raw:\n%s", c.name, args, r, out)
			}
			// safetext's escapes, or Go's %q where the message quotes
			// the name.
			shown = shown || strings.Contains(out, `evil\u001b[2J`) || strings.Contains(out, `evil\x1b[2J`)
		}
		if !shown {
			t.Errorf("ceremony %s: no run showed the hostile name (escaped); the test does not reach what it prints", c.name)
		}
	}
}
