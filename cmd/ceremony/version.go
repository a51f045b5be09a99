package main

import (
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/buildinfo"
)

// buildText says, for people, which build i is.
func buildText(i buildinfo.Info) string {
	if i.Build == "full" {
		return "full build (YubiKeys, PKCS#11 tokens)"
	}
	return "auditor's build (no hardware)"
}

// runVersion is 'ceremony version' (and --version): what this binary is,
// and the SHA-256 of its own file, in hex and as PGP words, for the
// witnesses to compare with the release's SHA256SUMS read on another
// machine.
func runVersion(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	modules := fs.Bool("modules", false, "list the modules built in, with their versions")
	asJSON := fs.Bool("json", false, "print JSON for tools (schema ceremony/version/v1), the modules included")
	if _, err := parseFlags(fs, args, stderr, "[--modules] [--json]", 0, 0); err != nil {
		return err
	}
	i := buildinfo.Read()
	self, sum, err := buildinfo.Executable()
	if err != nil {
		return err
	}
	raw, _ := hex.DecodeString(sum)
	v := versionJSON{Version: i.Version, Commit: i.Commit, Modified: i.Modified, Go: i.Go, Build: i.Build,
		Binary: self, SHA256: sum, PGPWords: bundle.PGPWords(raw), Modules: []moduleJSON{}}
	v.Settings = []settingJSON{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			v.Modules = append(v.Modules, moduleJSON{Path: m.Path, Version: m.Version, Sum: m.Sum})
		}
		for _, st := range info.Settings {
			v.Settings = append(v.Settings, settingJSON{Key: st.Key, Value: st.Value})
		}
	}
	if *asJSON {
		return printJSON(stdout, "version", &v)
	}
	fmt.Fprintf(stdout, "ceremony %s\ncommit %s\n%s, %s\n", i.Version, i.CommitText(), i.Go, buildText(i))
	var settings []string
	for _, st := range v.Settings {
		settings = append(settings, st.Key+"="+st.Value)
	}
	fmt.Fprintf(stdout, "built with %s\n", strings.Join(settings, " "))
	if *modules {
		for _, m := range v.Modules {
			fmt.Fprintf(stdout, "module %s %s\n", m.Path, m.Version)
		}
	}
	fmt.Fprintf(stdout, "binary %s\nsha256 %s\n%s\n", self, sum, v.PGPWords)
	return nil
}

// versionJSON is what 'ceremony version --json' prints.
type versionJSON struct {
	Version  string `json:"version"`
	Commit   string `json:"commit"`
	Modified bool   `json:"modified"`
	Go       string `json:"go"`
	// Build is "full" or "auditor".
	Build    string       `json:"build"`
	Binary   string       `json:"binary"`
	SHA256   string       `json:"sha256"`
	PGPWords string       `json:"pgp_words"`
	Modules  []moduleJSON `json:"modules"`
	// Settings are the build's settings as the go command recorded them
	// (-trimpath, CGO_ENABLED, GOOS, GOARCH ...).
	Settings []settingJSON `json:"build_settings"`
}

// settingJSON is one build setting.
type settingJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// moduleJSON is one module built into the binary.
type moduleJSON struct {
	Path    string `json:"path"`
	Version string `json:"version"`
	Sum     string `json:"sum,omitempty"`
}
