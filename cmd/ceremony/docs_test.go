package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/keys"
)

func describedForTest(t *testing.T) []*commandDoc {
	t.Helper()
	backends := keys.NewBackends(hardwareBackends()...)
	docs := describeCommands(&runEnv{keys: backends, engine: kinds.Engine(backends)})
	if len(docs) != len(commands) {
		t.Fatalf("%d commands described, this build has %d", len(docs), len(commands))
	}
	return docs
}

// Every command and subcommand describes itself through parseFlags or
// runGroup: none is left out of the completions and the man page.
func TestEveryCommandDescribesItself(t *testing.T) {
	leaves := 0
	for _, d := range allDocs(describedForTest(t)) {
		if !d.described {
			t.Errorf("ceremony %s did not describe itself (it reaches parseFlags or runGroup with describeArg late, or not at all)", d.Path)
		}
		if len(d.Subs) == 0 {
			leaves++
		}
	}
	if leaves < 25 {
		t.Errorf("%d commands with flags described; the walk is broken", leaves)
	}
}

// The completion scripts are valid for their shells (bash, zsh and fish
// from scripts/setup; a missing one fails the test), name every command,
// subcommand and flag, and bash's completes as it should.
func TestCompletionScripts(t *testing.T) {
	docs := describedForTest(t)
	dir := t.TempDir()
	scripts := map[string]string{"bash": bashCompletion(docs), "zsh": zshCompletion(docs), "fish": fishCompletion(docs)}
	for shell, script := range scripts {
		p := filepath.Join(dir, "ceremony."+shell)
		if err := os.WriteFile(p, []byte(script), 0o644); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command(shell, "-n", p).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", shell, err, out)
		}
		for _, d := range allDocs(docs) {
			if !strings.Contains(script, lastWord(d.Path)) {
				t.Errorf("%s completion lacks the command %q", shell, d.Path)
			}
			for _, f := range d.Flags {
				if !strings.Contains(script, f.Name) {
					t.Errorf("%s completion lacks --%s of %q", shell, f.Name, d.Path)
				}
			}
		}
	}
	complete := func(words ...string) string {
		t.Helper()
		line := "source " + filepath.Join(dir, "ceremony.bash") + "; COMP_WORDS=(" + strings.Join(words, " ") + "); COMP_CWORD=" +
			string(rune('0'+len(words)-1)) + `; _ceremony; echo "${COMPREPLY[*]}"`
		out, err := exec.Command("bash", "-c", line).Output()
		if err != nil {
			t.Fatalf("bash completion of %v: %v", words, err)
		}
		return strings.TrimSpace(string(out))
	}
	// zsh's, with _describe and _arguments standing in: what it hands them
	// is a name and its description split at the first unescaped colon,
	// and option specs _arguments reads.
	zsh := func(words string, current int) string {
		t.Helper()
		line := `_describe() { print -rl -- "${(@P)2}" }; _arguments() { print -rl -- "$@" }; source ` + filepath.Join(dir, "ceremony.zsh") +
			` >/dev/null 2>&1; words=(` + words + `); CURRENT=` + string(rune('0'+current)) + `; _ceremony`
		out, err := exec.Command("zsh", "-f", "-c", line).Output()
		if err != nil {
			t.Fatalf("zsh completion of %s: %v", words, err)
		}
		return string(out)
	}
	for _, c := range []struct {
		words   string
		current int
		want    string
	}{
		{"ceremony stat", 2, "status:show who has signed what and who still must\n"},
		{"ceremony claims re", 3, "review:review a directory of claim requests"},
		{"ceremony bundle --o", 3, "*--out[the bundle file to write (never overwritten)]:out:_files\n"},
	} {
		if got := zsh(c.words, c.current); !strings.Contains(got, c.want) {
			t.Errorf("zsh completing %q: %q lacks %q", c.words, got, c.want)
		}
	}
	// fish's: a subcommand's flags, not those of a command of its name.
	fish := func(line string) string {
		t.Helper()
		out, err := exec.Command("fish", "-c", "source "+filepath.Join(dir, "ceremony.fish")+"; complete -C'"+line+"'").Output()
		if err != nil {
			t.Fatalf("fish completion of %q: %v", line, err)
		}
		return string(out)
	}
	if got := fish("ceremony claims review --"); !strings.Contains(got, "--claimed") || strings.Contains(got, "--key\t") {
		t.Errorf("fish completes 'claims review --' with %q: want its own flags only", got)
	}
	if got := fish("ceremony claims "); !strings.Contains(got, "review\t") || strings.Contains(got, "status\t") {
		t.Errorf("fish completes 'claims ' with %q", got)
	}
	for _, c := range []struct {
		words []string
		want  string
	}{
		{[]string{"ceremony", "sta"}, "status"},
		{[]string{"ceremony", "claims", "re"}, "review"},
		{[]string{"ceremony", "status", "--j"}, "--json"},
		{[]string{"ceremony", "status", "ws"}, ""}, // the shell's own: files
		{[]string{"ceremony", "verify", "--json", "--tr"}, "--trusted-root"},
	} {
		if got := complete(c.words...); got != c.want {
			t.Errorf("completing %v: %q, want %q", c.words, got, c.want)
		}
	}
}

// The man page is roff that groff reads without a warning, and documents
// every command, subcommand and flag.
func TestManPage(t *testing.T) {
	docs := describedForTest(t)
	page := manPage(docs, "v0.0.0-test")
	cmd := exec.Command("groff", "-man", "-Tutf8", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("groff: %v\n%s", err, out)
	}
	for _, d := range allDocs(docs) {
		if !strings.Contains(page, roff("ceremony "+d.Path)) {
			t.Errorf("the man page lacks %q", d.Path)
		}
		for _, f := range d.Flags {
			if !strings.Contains(page, ".B "+roff("--"+f.Name)+"\n") {
				t.Errorf("the man page lacks --%s of %q", f.Name, d.Path)
			}
		}
	}
}
