package bootstrap

import (
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// CeremonyScript is what a ceremony will do, step by step, written before
// it happens so that witnesses can follow it and initial each step.
type CeremonyScript struct {
	Kind       workspace.Kind    `json:"kind"`
	Profile    string            `json:"profile"`
	Repository string            `json:"repository,omitempty"`
	Plan       string            `json:"plan"`
	Workspace  string            `json:"workspace"`
	Bundle     string            `json:"bundle"`
	Warnings   []string          `json:"warnings,omitempty"`
	Keyholders []ScriptKeyholder `json:"keyholders"`
	Steps      []ScriptStep      `json:"steps"`
}

// ScriptKeyholder is one keyholder at the roll call.
type ScriptKeyholder struct {
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	// KeyURI is the plan's key URI, "" if the plan gives only a public key.
	KeyURI string `json:"key_uri,omitempty"`
	// Device says what holds the key (YubiKey serial N, slot 9c; ...).
	Device string `json:"device,omitempty"`
	// Serial is the device serial the URI names, if any.
	Serial string   `json:"serial,omitempty"`
	Roles  []string `json:"roles,omitempty"`
}

// ScriptStep is one step of the ceremony.
type ScriptStep struct {
	Number int `json:"number"`
	// Phase is preparation, init, sign, status, seal, bundle, read-aloud
	// or verify; a rotation's script (RotationScript) also has incident,
	// threshold (each threshold to meet, naming the keys that do not
	// sign) and online (the online side's steps, in order).
	Phase string `json:"phase"`
	Title string `json:"title"`
	// Who acts (a keyholder's name for a sign step).
	Who string `json:"who,omitempty"`
	// Role and Threshold are set for sign steps: the role signed and the
	// number of signatures its threshold needs.
	Role      string `json:"role,omitempty"`
	Threshold int    `json:"threshold,omitempty"`
	// KeyID is the key a rotation's sign step signs with.
	KeyID    string   `json:"key_id,omitempty"`
	Details  []string `json:"details,omitempty"`
	Commands []string `json:"commands,omitempty"`
}

// ScriptOptions names the files a script's commands use.
type ScriptOptions struct {
	// Kind is workspace.Bootstrap (default) or workspace.NextRoot.
	Kind workspace.Kind
	// Workspace is the workspace directory to create (default "ws").
	Workspace string
	// Bundle is the bundle file to write (default "ceremony-bundle.tar").
	Bundle string
	// TrustedRoot is the current root, for a next-root ceremony (default
	// "root.json").
	TrustedRoot string
}

// Script builds the script of a ceremony for p; kind is "bootstrap" or
// "next-root". The commands use the workspace "ws" and the bundle
// "ceremony-bundle.tar" (see ScriptWith).
func Script(p *plan.Plan, kind string) (*CeremonyScript, error) {
	return ScriptWith(p, ScriptOptions{Kind: workspace.Kind(kind)})
}

// ScriptWith is Script with the file names of the commands given.
func ScriptWith(p *plan.Plan, o ScriptOptions) (*CeremonyScript, error) {
	if p == nil {
		return nil, fmt.Errorf("no plan")
	}
	o, err := withScriptDefaults(o)
	if err != nil {
		return nil, err
	}
	b := newScriptBuilder(p, o)
	b.preparation()
	b.init()
	b.signing()
	if o.Kind == workspace.NextRoot {
		b.previousRootSigners()
	}
	b.finish()
	return b.s, nil
}

// withScriptDefaults fills in the defaults of o and checks its kind.
func withScriptDefaults(o ScriptOptions) (ScriptOptions, error) {
	switch o.Kind {
	case "":
		o.Kind = workspace.Bootstrap
	case workspace.Bootstrap, workspace.NextRoot:
	default:
		return o, fmt.Errorf("unknown ceremony kind %q: want %s or %s", o.Kind, workspace.Bootstrap, workspace.NextRoot)
	}
	if o.Workspace == "" {
		o.Workspace = "ws"
	}
	if o.Bundle == "" {
		o.Bundle = "ceremony-bundle.tar"
	}
	if o.TrustedRoot == "" {
		o.TrustedRoot = "root.json"
	}
	return o, nil
}

// scriptBuilder is a script being written, step by step, from a plan.
type scriptBuilder struct {
	s        *CeremonyScript
	p        *plan.Plan
	o        ScriptOptions
	planPath string
	// ws is the workspace, quoted for the shell.
	ws string
	// roles are the roles signed, in signing order.
	roles  []string
	byName map[string]ScriptKeyholder
}

// newScriptBuilder starts the script: the plan's keyholders with the roles
// each signs.
func newScriptBuilder(p *plan.Plan, o ScriptOptions) *scriptBuilder {
	planPath := p.Path
	if planPath == "" {
		planPath = "plan.yaml"
	}
	b := &scriptBuilder{p: p, o: o, planPath: planPath, ws: ShellQuote(o.Workspace), byName: map[string]ScriptKeyholder{},
		s: &CeremonyScript{Kind: o.Kind, Profile: string(p.Profile), Repository: p.Repository,
			Plan: planPath, Workspace: o.Workspace, Bundle: o.Bundle, Warnings: p.Warnings}}
	b.roles = p.OfflineRoles()
	if o.Kind == workspace.NextRoot {
		b.roles = []string{metadata.ROOT}
	}
	holderRoles := map[string][]string{}
	for _, role := range b.roles {
		for _, name := range offlineRole(p, role).Keyholders {
			holderRoles[name] = append(holderRoles[name], role)
		}
	}
	for _, k := range p.Keyholders {
		h := ScriptKeyholder{Name: k.Name, Contact: k.Contact, KeyURI: k.Key, Roles: holderRoles[k.Name]}
		h.Device, h.Serial = ScriptDevice(k.Key)
		b.s.Keyholders = append(b.s.Keyholders, h)
		b.byName[k.Name] = h
	}
	return b
}

// add numbers st and adds it.
func (b *scriptBuilder) add(st ScriptStep) {
	st.Number = len(b.s.Steps) + 1
	b.s.Steps = append(b.s.Steps, st)
}

// preparation: the laptop, the witnesses, the roll call and the plan's
// warnings.
func (b *scriptBuilder) preparation() {
	b.add(ScriptStep{Phase: "preparation", Title: "Prepare the air-gapped ceremony laptop",
		Details: []string{
			"Boot the ceremony laptop from known media with networking removed or disabled; confirm that no network interface is up.",
			"Confirm the ceremony tool's version and the checksum of its binary against the release notes.",
			fmt.Sprintf("Copy the plan %s onto the laptop and confirm its SHA-256 against the copy the keyholders reviewed.", b.planPath),
		},
		Commands: []string{"sha256sum " + ShellQuote(b.planPath)}})
	b.add(ScriptStep{Phase: "preparation", Title: "Witnesses present",
		Details: []string{"Every witness states their name; the script keeper records them and the start time. Witnesses initial each step below as it completes."}})
	roll := ScriptStep{Phase: "preparation", Title: "Roll call of keyholders"}
	for _, h := range b.s.Keyholders {
		line := h.Name
		if h.Contact != "" {
			line += " <" + h.Contact + ">"
		}
		if h.KeyURI != "" {
			line += "; key " + h.KeyURI
		} else {
			line += "; key: public key file only (the plan gives no key URI)"
		}
		if h.Device != "" {
			line += "; " + h.Device
		}
		if len(h.Roles) > 0 {
			line += "; signs " + strings.Join(h.Roles, ", ")
		} else if b.o.Kind == workspace.NextRoot {
			line += "; in no role of the new root (signs for the previous root only, if it lists them)"
		}
		roll.Details = append(roll.Details, line)
	}
	b.add(roll)
	for _, w := range b.p.Warnings {
		b.add(ScriptStep{Phase: "preparation", Title: "Acknowledge the plan's warning", Details: []string{w}})
	}

}

// init: the workspace is created.
func (b *scriptBuilder) init() {
	initCmd := fmt.Sprintf("ceremony init --plan %s %s", ShellQuote(b.planPath), b.ws)
	initTitle := "Create the workspace"
	initDetails := []string{fmt.Sprintf("The tool prints: created %s workspace %s (%s) signing: %v", b.o.Kind, b.o.Workspace, b.p.Profile, b.roles)}
	if b.o.Kind == workspace.NextRoot {
		initCmd = fmt.Sprintf("ceremony init --plan %s --from %s %s", ShellQuote(b.planPath), ShellQuote(b.o.TrustedRoot), b.ws)
		initTitle = "Create the workspace for the next root version"
		initDetails = append(initDetails, fmt.Sprintf("%s is the root clients trust now; confirm its SHA-256 against the published one first.", b.o.TrustedRoot))
	}
	b.add(ScriptStep{Phase: "init", Title: initTitle, Details: initDetails, Commands: []string{initCmd}})

}

// signing: each offline role in signing order, each keyholder in the
// plan's order for that role.
func (b *scriptBuilder) signing() {
	for _, role := range b.roles {
		r := offlineRole(b.p, role)
		for i, name := range r.Keyholders {
			h := b.byName[name]
			st := ScriptStep{Phase: "sign", Who: name, Role: role, Threshold: r.Threshold,
				Title: fmt.Sprintf("%s signs %s", name, role)}
			if h.Device != "" {
				st.Details = append(st.Details, fmt.Sprintf("%s connects %s.", name, h.Device))
			}
			uri := h.KeyURI
			if uri == "" {
				uri = "KEY-URI"
				st.Details = append(st.Details, fmt.Sprintf("The plan names no key URI for %s: use the URI of the key whose public key the plan lists ('ceremony devices' prints URIs to paste).", name))
			}
			st.Details = append(st.Details, fmt.Sprintf("%s needs %d of %d signatures (%s); this is keyholder %d of %d.", role, r.Threshold, len(r.Keyholders), strings.Join(r.Keyholders, ", "), i+1, len(r.Keyholders)))
			if role == metadata.ROOT && b.o.Kind == workspace.NextRoot {
				st.Details = append(st.Details, "The new root also needs the previous root's threshold; the tool counts both.")
			}
			st.Commands = []string{fmt.Sprintf("ceremony sign --key %s --role %s %s", ShellQuote(uri), role, b.ws)}
			b.add(st)
		}
	}
}

// previousRootSigners: at a next-root ceremony, the keyholders in no role
// of the new root, who may sign for the previous root.
func (b *scriptBuilder) previousRootSigners() {
	var leaving []string
	for _, h := range b.s.Keyholders {
		if len(h.Roles) == 0 {
			leaving = append(leaving, h.Name)
		}
	}
	for _, name := range leaving {
		h := b.byName[name]
		uri := h.KeyURI
		if uri == "" {
			uri = "KEY-URI"
		}
		st := ScriptStep{Phase: "sign", Who: name, Role: metadata.ROOT,
			Title:    fmt.Sprintf("%s signs root for the previous root", name),
			Details:  []string{fmt.Sprintf("%s is in no role of the new root; their signature counts only toward the previous root's threshold, if that root lists their key. Skip if it does not.", name)},
			Commands: []string{fmt.Sprintf("ceremony sign --key %s --role root %s", ShellQuote(uri), b.ws)}}
		if h.Device != "" {
			st.Details = append([]string{fmt.Sprintf("%s connects %s.", name, h.Device)}, st.Details...)
		}
		b.add(st)
	}
}

// finish: status, seal, bundle, the hash read aloud, and the check on a
// second machine.
func (b *scriptBuilder) finish() {
	// Status and verification.
	b.add(ScriptStep{Phase: "status", Title: "Check that every threshold is met",
		Details:  []string{"status must end with \"every threshold is met\" (exit code 0); verify must pass. If signatures are missing, the keyholders named as not signed sign now."},
		Commands: []string{"ceremony status " + b.ws, "ceremony verify " + b.ws}})

	// Seal.
	root := b.p.Roles.Root
	var sealers []string
	var sealArgs []string
	for _, name := range root.Keyholders {
		if len(sealers) == root.Threshold {
			break
		}
		uri := b.byName[name].KeyURI
		if uri == "" {
			uri = "KEY-URI"
		}
		sealers = append(sealers, name)
		sealArgs = append(sealArgs, "--key "+ShellQuote(uri))
	}
	b.add(ScriptStep{Phase: "seal", Title: "Seal the transcript",
		Details: []string{fmt.Sprintf("Keyholders present seal the transcript with their keys (shown: %s; any keyholders of the workspace may seal).", strings.Join(sealers, ", ")),
			"Then replay it: the replay must end with OK and name the sealers."},
		Commands: []string{fmt.Sprintf("ceremony seal %s %s", strings.Join(sealArgs, " "), b.ws), "ceremony replay " + b.ws}})

	// Bundle, read aloud, verify elsewhere.
	b.add(ScriptStep{Phase: "bundle", Title: "Write the bundle",
		Details:  []string{"Write the bundle to the USB stick that goes to the online machine. The tool prints its SHA-256 in hex and as PGP words."},
		Commands: []string{fmt.Sprintf("ceremony bundle --out %s %s", ShellQuote(b.o.Bundle), b.ws)}})
	b.add(ScriptStep{Phase: "read-aloud", Title: "Read the bundle's SHA-256 aloud as PGP words",
		Details: []string{"The operator reads the PGP words of the bundle's SHA-256 aloud, one at a time; a witness writes them down here and a second witness checks each against the screen.",
			"Words at even positions have two syllables, at odd positions three: a word missed or repeated is heard at once.",
			"SHA-256 words: ______________________________________________"},
		Commands: []string{"ceremony report " + b.ws}})
	b.add(ScriptStep{Phase: "verify", Title: "Verify the bundle on a second machine",
		Details: []string{"On a second machine (the online machine), verify the bundle and compare the SHA-256 words it shows with the words written down in the previous step.",
			"Record the end time of the ceremony."},
		Commands: []string{fmt.Sprintf("ceremony verify %s", ShellQuote(b.o.Bundle)), fmt.Sprintf("sha256sum %s", ShellQuote(b.o.Bundle))}})
}

// offlineRole returns the plan's settings for an offline role.
func offlineRole(p *plan.Plan, role string) plan.OfflineRole {
	switch role {
	case metadata.ROOT:
		return p.Roles.Root
	case metadata.TARGETS:
		return p.Roles.Targets
	case plan.RoleClaimed:
		if p.Roles.Claimed != nil {
			return *p.Roles.Claimed
		}
	}
	return plan.OfflineRole{}
}

// ScriptDevice describes what holds the key a URI names, and its serial.
func ScriptDevice(uri string) (device, serial string) {
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

func (s *CeremonyScript) title() string {
	t := fmt.Sprintf("Ceremony script: %s ceremony, profile %s", s.Kind, s.Profile)
	if s.Repository != "" {
		t += ", repository " + s.Repository
	}
	return t
}

// Markdown writes the script as Markdown: numbered steps, each with its
// commands and a line for the witnesses' initials and the time.
func (s *CeremonyScript) Markdown(w io.Writer) error {
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
func (s *CeremonyScript) HTML(w io.Writer) error {
	return scriptHTML.Execute(w, struct {
		Title string
		S     *CeremonyScript
	}{s.title(), s})
}
