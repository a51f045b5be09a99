//go:build cgo

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// readmeCommand is a ceremony command line README.md shows, and where.
type readmeCommand struct {
	line  int
	words []string // "ceremony" first
}

// TestREADMECommandsExist: every ceremony command line README.md shows, in
// its code blocks (examples and synopses) and in its inline code, names a
// command of the full build, and only flags that command takes; every make
// target it names is the Makefile's. A renamed command or flag cannot leave
// the README behind.
func TestREADMECommandsExist(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds, makes := readmeCommands(string(readme))
	if len(cmds) < 40 {
		t.Fatalf("found %d ceremony command lines in README.md; the extraction is broken", len(cmds))
	}
	t.Logf("%d command lines, make targets %v", len(cmds), makes)
	flags := map[string]map[string]bool{} // command path -> its flags
	for _, c := range cmds {
		path, rest := commandPath(t, c.words[1:])
		if path == "" {
			t.Errorf("README.md:%d: %q is not a ceremony command", c.line, strings.Join(c.words, " "))
			continue
		}
		if flags[path] == nil {
			flags[path] = flagsOf(t, path)
		}
		for _, w := range rest {
			if name, ok := flagName(w); ok && !flags[path][name] {
				t.Errorf("README.md:%d: 'ceremony %s' has no flag --%s (%s)", c.line, path, name, strings.Join(c.words, " "))
			}
		}
	}
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for target, line := range makes {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(makefile) {
			t.Errorf("README.md:%d: make %s: the Makefile has no such target", line, target)
		}
	}
}

// readmeCommands finds the ceremony command lines of README.md: lines of
// its code blocks (a leading "$ " dropped, a trailing "# comment" too)
// and inline code spans that start with "ceremony ", several commands on
// one line split at "; ceremony"; and the make targets its code blocks run.
func readmeCommands(readme string) ([]readmeCommand, map[string]int) {
	var out []readmeCommand
	makes := map[string]int{}
	inBlock, yaml := false, false
	span := regexp.MustCompile("`(ceremony [^`]+)`")
	for i, line := range strings.Split(readme, "\n") {
		n := i + 1
		if strings.HasPrefix(line, "```") {
			inBlock, yaml = !inBlock, strings.HasPrefix(line, "```yaml")
			continue
		}
		var texts []string
		switch {
		case inBlock && !yaml:
			text := strings.TrimPrefix(strings.TrimSpace(line), "$ ")
			if strings.HasPrefix(text, "make ") {
				makes[strings.Fields(text)[1]] = n
			}
			if strings.HasPrefix(text, "ceremony ") {
				texts = append(texts, text)
			}
		case !inBlock:
			for _, m := range span.FindAllStringSubmatch(line, -1) {
				texts = append(texts, m[1])
			}
		}
		for _, text := range texts {
			for _, words := range splitCommands(shellWords(text)) {
				out = append(out, readmeCommand{line: n, words: words})
			}
		}
	}
	return out, makes
}

// shellWords splits a command line as a shell would, for what README.md
// uses: single quotes, and a comment from a word starting with '#'.
func shellWords(s string) []string {
	var words []string
	var b strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			quoted, in = !quoted, true
		case !quoted && (r == ' ' || r == '\t'):
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		case !quoted && r == '#' && !in:
			return words
		default:
			b.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, b.String())
	}
	return words
}

// splitCommands splits words at "...; ceremony".
func splitCommands(words []string) [][]string {
	var out [][]string
	var cur []string
	for i, w := range words {
		if strings.HasSuffix(w, ";") && i+1 < len(words) && words[i+1] == "ceremony" {
			cur = append(cur, strings.TrimSuffix(w, ";"))
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, w)
	}
	return append(out, cur)
}

// commandPath is the command a line runs ("sign", "claims init"), and
// the words after it; "" when there is none of that name.
func commandPath(t *testing.T, words []string) (string, []string) {
	if len(words) == 0 {
		return "", nil
	}
	if w := words[0]; w == "--version" || w == "-h" || w == "--help" {
		return "version", nil
	}
	var stdout, stderr bytes.Buffer
	run([]string{words[0], "-h"}, &stdout, &stderr)
	help := stderr.String()
	switch {
	case strings.Contains(help, "commands:") && len(words) > 1:
		return words[0] + " " + words[1], words[2:]
	case strings.HasPrefix(help, "usage: ceremony "+words[0]):
		return words[0], words[1:]
	}
	return "", nil
}

// flagsOf runs 'ceremony PATH -h' and reads the flags it lists.
func flagsOf(t *testing.T, path string) map[string]bool {
	t.Helper()
	var stdout, stderr bytes.Buffer
	run(append(strings.Fields(path), "-h"), &stdout, &stderr)
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z0-9-]+)`).FindAllStringSubmatch(stderr.String(), -1) {
		out[m[1]] = true
	}
	return out
}

// flagName is the name of a flag a word of a command line or synopsis
// gives ("--key", "[--json]", "--repo=R"), if it gives one.
func flagName(w string) (string, bool) {
	w = strings.TrimLeft(w, "[(|")
	if !strings.HasPrefix(w, "--") || w == "--" {
		return "", false
	}
	name := strings.TrimPrefix(w, "--")
	if i := strings.IndexAny(name, "=]|)"); i >= 0 {
		name = name[:i]
	}
	return name, name != ""
}

// TestREADMEExamplesRun: every example README.md shows as run ("$ ceremony
// ..." in a code block) is run by a test script (testdata/script): a line
// of one runs the same command with the same flags. The scripts assert
// what it does; the README shows one run of it.
func TestREADMEExamplesRun(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no test scripts: %v", err)
	}
	run := map[string]string{} // command and flags -> the script running it
	for _, path := range scripts {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			// Only a line that must succeed runs an example: "! exec"
			// and "? exec" lines are refusals and maybes.
			if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "exec ceremony "); ok {
				run[exampleShape(t, shellWords("ceremony "+rest))] = filepath.Base(path)
			}
		}
	}
	examples := 0
	inBlock := false
	for i, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			inBlock = !inBlock
			continue
		}
		rest, ok := strings.CutPrefix(line, "$ ceremony ")
		if !inBlock || !ok {
			continue
		}
		examples++
		shape := exampleShape(t, shellWords("ceremony "+rest))
		if run[shape] == "" {
			t.Errorf("README.md:%d: no test script runs %q (%s)", i+1, strings.TrimPrefix(line, "$ "), shape)
		}
	}
	if examples < 10 {
		t.Fatalf("found %d examples in README.md; the extraction is broken", examples)
	}
}

// exampleShape is a command line's command and its flags, sorted: what
// an example and a script's line must share.
func exampleShape(t *testing.T, words []string) string {
	path, rest := commandPath(t, words[1:])
	var flags []string
	for _, w := range rest {
		if name, ok := flagName(w); ok && !slices.Contains(flags, name) {
			flags = append(flags, name)
		}
	}
	slices.Sort(flags)
	return strings.TrimSpace(path + " --" + strings.Join(flags, " --"))
}
