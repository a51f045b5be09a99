// Package script holds a ceremony script: what a ceremony will do, step by
// step, written before it happens so that the witnesses can follow it and
// initial each step, and printed as Markdown or as one HTML page. The
// kinds write it: bootstrap and next root from a plan
// (bootstrap.ScriptWith), a rotation from its workspace (rotate.Script).
package script

import (
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"runtime"
	"strings"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/buildinfo"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Script is what a ceremony will do, step by step, written before
// it happens so that witnesses can follow it and initial each step.
type Script struct {
	Kind       workspace.Kind `json:"kind"`
	Profile    string         `json:"profile"`
	Repository string         `json:"repository,omitempty"`
	Plan       string         `json:"plan"`
	Workspace  string         `json:"workspace"`
	Bundle     string         `json:"bundle"`
	Warnings   []string       `json:"warnings,omitempty"`
	Keyholders []Keyholder    `json:"keyholders"`
	Steps      []Step         `json:"steps"`
}

// Keyholder is one keyholder at the roll call.
type Keyholder struct {
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	// KeyURI is the plan's key URI, "" if the plan gives only a public key.
	KeyURI string `json:"key_uri,omitempty"`
	// KeyID is the key's TUF key ID, read aloud from the device at the
	// roll call.
	KeyID string `json:"key_id,omitempty"`
	// Device says what holds the key (YubiKey serial N, slot 9c; ...).
	Device string `json:"device,omitempty"`
	// Serial is the device serial the URI names, if any.
	Serial string   `json:"serial,omitempty"`
	Roles  []string `json:"roles,omitempty"`
	// Attestation says what device attestation the plan gives for the
	// key, which init checks; "" if none.
	Attestation string `json:"attestation,omitempty"`
}

// Step is one step of the ceremony.
type Step struct {
	Number int `json:"number"`
	// Phase is preparation, init, sign, status, seal, bundle, read-aloud
	// or verify; a rotation's script also has incident,
	// threshold (each threshold to meet, naming the keys that do not
	// sign) and online (the online side's steps, in order).
	Phase string `json:"phase"`
	Title string `json:"title"`
	// Who acts (a keyholder's name for a sign step).
	Who string `json:"who,omitempty"`
	// Role is set for sign steps: the roles signed ("root, targets": a
	// keyholder signs every role of theirs at one insertion of their
	// device); Threshold, the signatures its threshold needs, when it is
	// one role.
	Role      string `json:"role,omitempty"`
	Threshold int    `json:"threshold,omitempty"`
	// KeyID is the key a rotation's sign step signs with.
	KeyID    string   `json:"key_id,omitempty"`
	Details  []string `json:"details,omitempty"`
	Commands []string `json:"commands,omitempty"`
}

// CheckTool is the preparation's check of the tool itself: every script
// asks for it, with the command 'ceremony version'. When the binary that
// prints the script is a full build for Linux, as the laptop's is, it
// names that binary's version and SHA-256: the laptop's must be the same
// if it runs the same release file. Any other binary (the auditor's build,
// another system) says so, and names nothing the laptop could match.
func CheckTool() string {
	const check = "a witness compares them with the line of the release's SHA256SUMS for the laptop's file, read on another machine"
	i := buildinfo.Read()
	_, sum, err := buildinfo.Executable()
	raw, herr := hex.DecodeString(sum)
	switch {
	case err != nil || herr != nil:
		return "'ceremony version' on the laptop prints the tool's version and the SHA-256 of its binary, in hex and as PGP words: " + check + "."
	case i.Build != "full" || runtime.GOOS != "linux":
		return fmt.Sprintf("'ceremony version' on the laptop prints the tool's version and the SHA-256 of its binary, in hex and as PGP words: %s. (This script was printed by ceremony %s, %s build for %s/%s, not the laptop's binary: its SHA-256 is not the one to compare.)",
			check, i.Version, i.Build, runtime.GOOS, runtime.GOARCH)
	}
	return fmt.Sprintf("'ceremony version' on the laptop prints the tool's version and the SHA-256 of its binary, in hex and as PGP words: %s. This script was printed by ceremony %s (full build, %s/%s), SHA-256 %s (PGP words: %s): a laptop running that same release file prints the same.",
		check, i.Version, runtime.GOOS, runtime.GOARCH, sum, bundle.PGPWords(raw))
}

// Add numbers st as the script's next step and adds it.
func (s *Script) Add(st Step) {
	st.Number = len(s.Steps) + 1
	s.Steps = append(s.Steps, st)
}

// Device describes what holds the key a URI names, and its serial.
func Device(uri string) (device, serial string) {
	if uri == "" {
		return "", ""
	}
	u, err := keys.ParseURI(uri)
	if err != nil {
		return "", ""
	}
	switch u.Scheme {
	case "yubikey":
		serial = u.Attrs["serial"]
		device = "YubiKey"
		if serial != "" {
			device += " serial " + serial
		}
		if slot := u.Attrs["slot-id"]; slot != "" {
			device += ", slot " + slot
		}
	case "pkcs11":
		serial = u.Attrs["serial"]
		device = "PKCS#11 token"
		if t := u.Attrs["token"]; t != "" {
			device += " " + t
		}
		if serial != "" {
			device += " serial " + serial
		}
	case "file":
		device = "software key file " + u.Path + " (rehearsals only)"
	}
	return device, serial
}

// ShellQuote quotes s for a POSIX shell when it holds anything but plain
// characters (key URIs hold ';', '?' and '&').
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (s *Script) title() string {
	t := fmt.Sprintf("Ceremony script: %s ceremony, profile %s", s.Kind, s.Profile)
	if s.Repository != "" {
		t += ", repository " + s.Repository
	}
	return t
}

// Markdown writes the script as Markdown: numbered steps, each with its
// commands and a line for the witnesses' initials and the time.
func (s *Script) Markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", s.title())
	fmt.Fprintf(&b, "Plan: %s  \nWorkspace: %s  \nBundle: %s\n\n", s.Plan, s.Workspace, s.Bundle)
	for _, warn := range s.Warnings {
		fmt.Fprintf(&b, "**WARNING:** %s\n\n", warn)
	}
	b.WriteString("Date: ____________  Place: ____________  Script keeper: ____________\n\n")
	for _, st := range s.Steps {
		fmt.Fprintf(&b, "## %d. %s\n\n", st.Number, st.Title)
		for _, d := range st.Details {
			fmt.Fprintf(&b, "- %s\n", d)
		}
		if len(st.Details) > 0 {
			b.WriteString("\n")
		}
		if len(st.Commands) > 0 {
			b.WriteString("```\n")
			for _, c := range st.Commands {
				fmt.Fprintf(&b, "$ %s\n", c)
			}
			b.WriteString("```\n\n")
		}
		b.WriteString("Witness initials: ________  Time: ________\n\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

var scriptHTML = template.Must(template.New("script").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body { font-family: Georgia, "Times New Roman", serif; margin: 2em; color: #000; background: #fff; }
h1 { font-size: 1.4em; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #000; padding: 0.4em; vertical-align: top; text-align: left; }
th { background: #eee; }
td.num { width: 2.5em; text-align: right; }
td.sign { width: 7em; }
tr.step { page-break-inside: avoid; break-inside: avoid; }
pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.85em; white-space: pre-wrap; word-break: break-all; margin: 0.3em 0; }
ul { margin: 0.2em 0; padding-left: 1.2em; }
.warning { border: 2px solid #000; padding: 0.5em; font-weight: bold; }
.meta td { border: none; padding: 0.1em 1em 0.1em 0; }
@media print {
  body { margin: 0; font-size: 10.5pt; }
  thead { display: table-header-group; }
  tr.step { page-break-inside: avoid; break-inside: avoid; }
  a { color: #000; text-decoration: none; }
  @page { margin: 1.5cm; }
}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<table class="meta">
<tr><td>Plan</td><td>{{.S.Plan}}</td></tr>
<tr><td>Workspace</td><td>{{.S.Workspace}}</td></tr>
<tr><td>Bundle</td><td>{{.S.Bundle}}</td></tr>
<tr><td>Date</td><td>____________</td></tr>
<tr><td>Place</td><td>____________</td></tr>
<tr><td>Script keeper</td><td>____________</td></tr>
</table>
{{range .S.Warnings}}<p class="warning">WARNING: {{.}}</p>
{{end}}
<table class="steps">
<thead><tr><th>#</th><th>Step</th><th>Witness initials</th><th>Time</th></tr></thead>
<tbody>
{{range .S.Steps}}<tr class="step" id="step-{{.Number}}">
<td class="num">{{.Number}}</td>
<td><strong>{{.Title}}</strong>
{{if .Details}}<ul>
{{range .Details}}<li>{{.}}</li>
{{end}}</ul>{{end}}
{{range .Commands}}<pre>$ {{.}}</pre>
{{end}}</td>
<td class="sign"></td>
<td class="sign"></td>
</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// HTML writes the script as one self-contained HTML page (inline CSS, no
// external resources) that prints well: a table of steps with columns for
// the witnesses' initials and the time, each step kept on one page.
func (s *Script) HTML(w io.Writer) error {
	return scriptHTML.Execute(w, struct {
		Title string
		S     *Script
	}{s.title(), s})
}
