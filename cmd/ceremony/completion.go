package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony/script"
)

// runCompletion is 'ceremony completion bash|zsh|fish': the shell's
// completion script for this build's commands, subcommands and flags, as
// the commands describe themselves (describe.go).
func runCompletion(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("completion", flag.ContinueOnError)
	rest, err := parseFlags(fs, args, stderr, "bash|zsh|fish", 1, 1)
	if err != nil {
		return err
	}
	docs := describeCommands(env)
	switch rest[0] {
	case "bash":
		_, err = io.WriteString(stdout, bashCompletion(docs))
	case "zsh":
		_, err = io.WriteString(stdout, zshCompletion(docs))
	case "fish":
		_, err = io.WriteString(stdout, fishCompletion(docs))
	default:
		return usageError{fmt.Sprintf("no completion for %q: want bash, zsh or fish", rest[0])}
	}
	return err
}

// allDocs is every command and subcommand, parents first, by path.
func allDocs(docs []*commandDoc) []*commandDoc {
	var out []*commandDoc
	var walk func([]*commandDoc)
	walk = func(ds []*commandDoc) {
		for _, d := range ds {
			out = append(out, d)
			walk(d.Subs)
		}
	}
	walk(docs)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// candidates are what may follow a command's words: its subcommands, or
// its flags.
func candidates(subs []*commandDoc, flags []flagDoc) []string {
	var out []string
	for _, s := range subs {
		out = append(out, lastWord(s.Path))
	}
	for _, f := range flags {
		out = append(out, "--"+f.Name)
	}
	return out
}

func lastWord(path string) string { return path[strings.LastIndexByte(path, ' ')+1:] }

// writeCommandWalk writes the end of the loop over the words typed (in the
// array words, index i) that finds the command they name: cmd grows a word
// at a time while it is a command's path.
func writeCommandWalk(b *strings.Builder, docs []*commandDoc, words string) {
	fmt.Fprintf(b, "\t\tnext=${cmd:+$cmd }${%s[i]}\n\t\tcase $next in\n", words)
	var paths []string
	for _, d := range allDocs(docs) {
		paths = append(paths, script.ShellQuote(d.Path))
	}
	fmt.Fprintf(b, "\t\t%s) cmd=$next ;;\n", strings.Join(paths, " | "))
	b.WriteString("\t\t*) break ;;\n\t\tesac\n\tdone\n")
}

func bashCompletion(docs []*commandDoc) string {
	var b strings.Builder
	b.WriteString("# bash completion for ceremony; made by 'ceremony completion bash'.\n")
	b.WriteString("# Load it with: source <(ceremony completion bash)\n")
	b.WriteString("_ceremony() {\n\tCOMPREPLY=()\n\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd= next i\n")
	b.WriteString("\tfor ((i = 1; i < COMP_CWORD; i++)); do\n\t\tcase ${COMP_WORDS[i]} in -*) continue ;; esac\n")
	writeCommandWalk(&b, docs, "COMP_WORDS")
	b.WriteString("\tlocal words\n\tcase $cmd in\n")
	fmt.Fprintf(&b, "\t'') words=%s ;;\n", script.ShellQuote(strings.Join(candidates(docs, nil), " ")))
	for _, d := range allDocs(docs) {
		fmt.Fprintf(&b, "\t%s) words=%s ;;\n", script.ShellQuote(d.Path), script.ShellQuote(strings.Join(candidates(d.Subs, d.Flags), " ")))
	}
	b.WriteString("\tesac\n")
	// Words only where they are wanted: subcommands, or a flag begun;
	// otherwise the shell's own completion (files), by -o default.
	b.WriteString("\tif [[ $cur == -* || -z $cmd || $words != -* ]]; then\n\t\tCOMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n\tfi\n}\n")
	b.WriteString("complete -o default -F _ceremony ceremony\n")
	return b.String()
}

// zshName escapes in a name what _describe and _arguments read as the
// separator before a description (":"); zshExplanation, in an option's
// explanation, what would end it ("]"). The separators themselves are
// written after.
func zshName(s string) string { return strings.NewReplacer(`\`, `\\`, ":", `\:`).Replace(s) }

func zshExplanation(s string) string {
	return strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`).Replace(s)
}

func zshCompletion(docs []*commandDoc) string {
	var b strings.Builder
	b.WriteString("#compdef ceremony\n# zsh completion for ceremony; made by 'ceremony completion zsh'.\n")
	b.WriteString("# Put it in a directory of $fpath as _ceremony.\n")
	b.WriteString("_ceremony() {\n\tlocal cmd= next i\n\tfor ((i = 2; i < CURRENT; i++)); do\n\t\t[[ ${words[i]} == -* ]] && continue\n")
	writeCommandWalk(&b, docs, "words")
	b.WriteString("\tlocal -a subs\n\tcase $cmd in\n")
	writeSubs := func(path string, subs []*commandDoc, flags []flagDoc) {
		fmt.Fprintf(&b, "\t%s)\n", script.ShellQuote(path))
		if len(subs) > 0 {
			b.WriteString("\t\tsubs=(")
			for _, s := range subs {
				b.WriteString(" " + script.ShellQuote(zshName(lastWord(s.Path))+":"+s.Summary))
			}
			b.WriteString(" )\n\t\t_describe command subs ;;\n")
			return
		}
		b.WriteString("\t\t_arguments")
		for _, f := range flags {
			// A flag may be given again (--key for each keyholder): "*".
			spec := "*--" + f.Name + "[" + zshExplanation(f.Usage) + "]"
			if !f.Bool {
				spec += ":" + zshName(f.Name) + ":_files"
			}
			b.WriteString(" " + script.ShellQuote(spec))
		}
		b.WriteString(" '*:file:_files' ;;\n")
	}
	writeSubs("", docs, nil)
	for _, d := range allDocs(docs) {
		writeSubs(d.Path, d.Subs, d.Flags)
	}
	b.WriteString("\tesac\n}\n_ceremony \"$@\"\n")
	return b.String()
}

func fishCompletion(docs []*commandDoc) string {
	var b strings.Builder
	b.WriteString("# fish completion for ceremony; made by 'ceremony completion fish'.\n")
	b.WriteString("# Put it in ~/.config/fish/completions/ceremony.fish.\n")
	// __ceremony_cmd prints the command the words typed so far name, as
	// the bash and zsh scripts find it: a word at a time, flags skipped.
	b.WriteString("function __ceremony_cmd\n\tset -l cmd ''\n\tfor w in (commandline -opc)[2..-1]\n")
	b.WriteString("\t\tstring match -q -- '-*' $w; and continue\n\t\tset -l next (string trim -- \"$cmd $w\")\n\t\tswitch $next\n")
	var paths []string
	for _, d := range allDocs(docs) {
		paths = append(paths, fishQuote(d.Path))
	}
	fmt.Fprintf(&b, "\t\tcase %s\n\t\t\tset cmd $next\n\t\tcase '*'\n\t\t\tbreak\n\t\tend\n\tend\n\techo $cmd\nend\n", strings.Join(paths, " "))
	at := func(path string) string { return fishQuote("test (__ceremony_cmd) = " + fishQuote(path)) }
	for _, d := range docs {
		fmt.Fprintf(&b, "complete -c ceremony -f -n %s -a %s -d %s\n", at(""), fishQuote(d.Path), fishQuote(d.Summary))
	}
	for _, d := range allDocs(docs) {
		for _, s := range d.Subs {
			fmt.Fprintf(&b, "complete -c ceremony -f -n %s -a %s -d %s\n", at(d.Path), fishQuote(lastWord(s.Path)), fishQuote(s.Summary))
		}
		for _, f := range d.Flags {
			arg := ""
			if !f.Bool {
				arg = " -r"
			}
			fmt.Fprintf(&b, "complete -c ceremony -n %s -l %s%s -d %s\n", at(d.Path), fishQuote(f.Name), arg, fishQuote(f.Usage))
		}
	}
	return b.String()
}

// fishQuote quotes s for fish: single quotes, in which fish reads \\ and
// \' as escapes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, "'", `\'`).Replace(s) + "'"
}
