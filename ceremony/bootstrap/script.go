package bootstrap

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony/script"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

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
func Script(p *plan.Plan, kind string) (*script.Script, error) {
	return ScriptWith(p, ScriptOptions{Kind: workspace.Kind(kind)})
}

// ScriptWith is Script with the file names of the commands given.
func ScriptWith(p *plan.Plan, o ScriptOptions) (*script.Script, error) {
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
	s        *script.Script
	p        *plan.Plan
	o        ScriptOptions
	planPath string
	// ws is the workspace, quoted for the shell.
	ws string
	// roles are the roles signed, in signing order.
	roles  []string
	byName map[string]script.Keyholder
}

// newScriptBuilder starts the script: the plan's keyholders with the roles
// each signs.
func newScriptBuilder(p *plan.Plan, o ScriptOptions) *scriptBuilder {
	planPath := p.Path
	if planPath == "" {
		planPath = "plan.yaml"
	}
	b := &scriptBuilder{p: p, o: o, planPath: planPath, ws: script.ShellQuote(o.Workspace), byName: map[string]script.Keyholder{},
		s: &script.Script{Kind: o.Kind, Profile: string(p.Profile), Repository: p.Repository,
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
		h := script.Keyholder{Name: k.Name, Contact: k.Contact, KeyURI: k.Key, KeyID: k.KeyID, Roles: holderRoles[k.Name]}
		h.Device, h.Serial = script.Device(k.Key)
		h.Attestation = attestationGiven(k, p.Rehearsal.AttestationRoots != "")
		b.s.Keyholders = append(b.s.Keyholders, h)
		b.byName[k.Name] = h
	}
	return b
}

// preparation: the laptop, the witnesses, the roll call and the plan's
// warnings.
func (b *scriptBuilder) preparation() {
	planCheck := fmt.Sprintf("Copy the plan %s onto the laptop and confirm its SHA-256 against the copy the keyholders reviewed.", b.planPath)
	if data, err := os.ReadFile(b.p.Path); err == nil {
		sum := sha256.Sum256(data)
		planCheck = fmt.Sprintf("Copy the plan %s onto the laptop; sha256sum must print %s, as PGP words: %s.", b.planPath, hex.EncodeToString(sum[:]), bundle.PGPWords(sum[:]))
	}
	b.s.Add(script.Step{Phase: "preparation", Title: "Prepare the air-gapped ceremony laptop",
		Details: []string{
			"Boot the ceremony laptop from known media with networking removed or disabled; confirm that no network interface is up.",
			script.CheckTool(),
			planCheck,
		},
		Commands: []string{"ceremony version", "sha256sum " + script.ShellQuote(b.planPath)}})
	b.s.Add(script.Step{Phase: "preparation", Title: "Witnesses present",
		Details: []string{"Every witness states their name; the script keeper records them and the start time. Witnesses initial each step below as it completes."}})
	roll := script.Step{Phase: "preparation", Title: "Roll call of keyholders"}
	for _, h := range b.s.Keyholders {
		line := h.Name
		if h.Contact != "" {
			line += " <" + h.Contact + ">"
		}
		if h.KeyID != "" {
			id, _ := hex.DecodeString(h.KeyID[:min(8, len(h.KeyID))])
			line += "; key ID " + h.KeyID + " (begins " + bundle.PGPWords(id) + ")"
		}
		if h.KeyURI != "" {
			line += "; key " + h.KeyURI
		} else {
			line += "; key: public key file only (the plan gives no key URI)"
		}
		if h.Device != "" {
			line += "; " + h.Device
		}
		if h.Attestation != "" {
			line += "; " + h.Attestation
		}
		if len(h.Roles) > 0 {
			line += "; signs " + strings.Join(h.Roles, ", ")
		} else if b.o.Kind == workspace.NextRoot {
			line += "; in no role of the new root (signs for the previous root only, if it lists them)"
		}
		roll.Details = append(roll.Details, line)
	}
	b.s.Add(roll)
	for _, w := range b.p.Warnings {
		b.s.Add(script.Step{Phase: "preparation", Title: "Acknowledge the plan's warning", Details: []string{w}})
	}

}

// init: the workspace is created.
func (b *scriptBuilder) init() {
	initCmd := fmt.Sprintf("ceremony init --plan %s --date YYYY-MM-DD %s", script.ShellQuote(b.planPath), b.ws)
	initTitle := "Create the workspace"
	initDetails := []string{"YYYY-MM-DD is today's date as the room agrees it, from a witness's watch or phone: the tool refuses a machine clock on which it is that date in no time zone, since every expiry counts from that clock, and records the date confirmed.",
		fmt.Sprintf("The tool prints: created %s workspace %s (%s) signing: %v", b.o.Kind, b.o.Workspace, b.p.Profile, b.roles)}
	if b.o.Kind == workspace.NextRoot {
		initCmd = fmt.Sprintf("ceremony init --plan %s --date YYYY-MM-DD --from %s %s", script.ShellQuote(b.planPath), script.ShellQuote(b.o.TrustedRoot), b.ws)
		initTitle = "Create the workspace for the next root version"
		initDetails = append(initDetails, fmt.Sprintf("%s is the root clients trust now; confirm its SHA-256 against the published one first.", b.o.TrustedRoot))
	}
	b.s.Add(script.Step{Phase: "init", Title: initTitle, Details: initDetails, Commands: []string{initCmd}})

}

// signing: each keyholder in the plan's order, once, signing every role
// the plan gives them, as the app calls them: one device insertion each.
func (b *scriptBuilder) signing() {
	for _, h := range b.s.Keyholders {
		if len(h.Roles) == 0 {
			continue
		}
		name := h.Name
		st := script.Step{Phase: "sign", Who: name, Role: strings.Join(h.Roles, ", "),
			Title: fmt.Sprintf("%s signs %s", name, strings.Join(h.Roles, ", "))}
		if h.Device != "" {
			st.Details = append(st.Details, fmt.Sprintf("%s connects %s.", name, h.Device))
		}
		if h.KeyID != "" {
			st.Details = append(st.Details, fmt.Sprintf("The key ID the tool shows begins %s.", h.KeyID[:min(12, len(h.KeyID))]))
		}
		uri := h.KeyURI
		if uri == "" {
			uri = "KEY-URI"
			st.Details = append(st.Details, fmt.Sprintf("The plan names no key URI for %s: use the URI of the key whose public key the plan lists ('ceremony devices' prints URIs to paste).", name))
		}
		for _, role := range h.Roles {
			r := offlineRole(b.p, role)
			if len(h.Roles) == 1 {
				st.Threshold = r.Threshold
			}
			st.Details = append(st.Details, fmt.Sprintf("%s needs %d of %d signatures (%s).", role, r.Threshold, len(r.Keyholders), strings.Join(r.Keyholders, ", ")))
			if role == metadata.ROOT && b.o.Kind == workspace.NextRoot {
				st.Details = append(st.Details, "The new root also needs the previous root's threshold; the tool counts both.")
			}
		}
		st.Commands = []string{fmt.Sprintf("ceremony sign --key %s %s", script.ShellQuote(uri), b.ws)}
		b.s.Add(st)
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
		st := script.Step{Phase: "sign", Who: name, Role: metadata.ROOT,
			Title:    fmt.Sprintf("%s signs root for the previous root", name),
			Details:  []string{fmt.Sprintf("%s is in no role of the new root; their signature counts only toward the previous root's threshold, if that root lists their key. Skip if it does not.", name)},
			Commands: []string{fmt.Sprintf("ceremony sign --key %s --role root %s", script.ShellQuote(uri), b.ws)}}
		if h.Device != "" {
			st.Details = append([]string{fmt.Sprintf("%s connects %s.", name, h.Device)}, st.Details...)
		}
		b.s.Add(st)
	}
}

// finish: status, seal, bundle, the hash read aloud, and the check on a
// second machine.
func (b *scriptBuilder) finish() {
	// Status and verification.
	b.s.Add(script.Step{Phase: "status", Title: "Check that every threshold is met",
		Details:  []string{"status must end with \"every threshold is met\" (exit code 0); verify must pass. If signatures are missing, the keyholders named as not signed sign now."},
		Commands: []string{"ceremony status " + b.ws, b.verify() + b.ws}})

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
		sealArgs = append(sealArgs, "--key "+script.ShellQuote(uri))
	}
	b.s.Add(script.Step{Phase: "seal", Title: "Seal the transcript",
		Details: []string{fmt.Sprintf("Keyholders present seal the transcript with their keys (shown: %s; any keyholders of the workspace may seal).", strings.Join(sealers, ", ")),
			"Then replay it: the replay must end with OK and name the sealers."},
		Commands: []string{fmt.Sprintf("ceremony seal %s %s", strings.Join(sealArgs, " "), b.ws), "ceremony replay " + b.ws}})

	// Bundle, read aloud, verify elsewhere.
	b.s.Add(script.Step{Phase: "bundle", Title: "Write the bundle",
		Details:  []string{"Write the bundle to the USB stick that goes to the online machine. The tool prints its SHA-256 in hex and as PGP words."},
		Commands: []string{fmt.Sprintf("ceremony bundle --out %s %s", script.ShellQuote(b.o.Bundle), b.ws)}})
	b.s.Add(script.Step{Phase: "read-aloud", Title: "Read the bundle's SHA-256 aloud as PGP words",
		Details: []string{"The operator reads the PGP words of the bundle's SHA-256 aloud, one at a time; a witness writes them down here and a second witness checks each against the screen.",
			"Words at even positions have two syllables, at odd positions three: a word missed or repeated is heard at once.",
			"SHA-256 words: ______________________________________________"},
		Commands: []string{"ceremony report " + b.ws}})
	b.s.Add(script.Step{Phase: "verify", Title: "Verify the bundle on a second machine",
		Details: []string{"On a second machine (the online machine), verify the bundle and compare the SHA-256 words it shows with the words written down in the previous step.",
			"Record the end time of the ceremony."},
		Commands: []string{b.verify() + script.ShellQuote(b.o.Bundle), fmt.Sprintf("sha256sum %s", script.ShellQuote(b.o.Bundle))}})
}

// offlineRole returns the plan's settings for an offline role.
// verify is the verify command for the plan's ceremony: a rehearsal's
// verifies only with --rehearsal.
func (b *scriptBuilder) verify() string {
	if b.p.Rehearsal.Any() {
		return "ceremony verify --rehearsal "
	}
	return "ceremony verify "
}

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

// attestationGiven says what attestation the plan gives for k's key.
func attestationGiven(k plan.Keyholder, rehearsalRoots bool) string {
	checked := "init checks it against Yubico's roots"
	if rehearsalRoots {
		checked = "init checks it against the rehearsal's attestation roots"
	}
	switch {
	case k.Attestation == "":
		return ""
	case k.AttestationDevice == "":
		return fmt.Sprintf("device attestation %s (%s)", filepath.Base(k.Attestation), checked)
	case k.AttestationSerial != 0:
		return fmt.Sprintf("key attestation %s under device certificate %s, device serial %d (%s)", filepath.Base(k.Attestation), filepath.Base(k.AttestationDevice), k.AttestationSerial, checked)
	}
	return fmt.Sprintf("key attestation %s under device certificate %s (%s)", filepath.Base(k.Attestation), filepath.Base(k.AttestationDevice), checked)
}
