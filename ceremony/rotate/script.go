package rotate

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/script"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A rotation's script is written from its workspace ('ceremony rotate PATH
// WS' made it): the plan is rotation.json, checked against the
// transcript's init record, and who may sign what is read from the
// workspace's metadata, the rules 'ceremony sign' and 'status' apply. The
// steps follow the plan's order: the incident summary, the roll call, each
// threshold in the plan's signing order (the previous root's, the new
// root's, then each re-signed role), every usable key once per role, the
// compromised and lost keys named as NOT signing and never given a signing
// step; then status, seal, bundle, the hashes read aloud, the bundle
// verified on the online machine, and the online steps in the plan's order
// (the new online key in service before the new root, the bins compared
// with the last good snapshot, the fast-forward recovery, the check as a
// client).

// Script builds the script of the rotation ceremony in the
// workspace dir. bundle names the bundle file the commands write
// ("ceremony-bundle.tar" if "").
func Script(dir, bundle string) (*script.Script, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	p, planJSON, err := ReadPlan(dir)
	if err != nil {
		return nil, err
	}
	l, err := ceremony.Load(ws)
	if err != nil {
		return nil, err
	}
	if bundle == "" {
		bundle = "ceremony-bundle.tar"
	}
	r := &scriptBuilder{p: p, bundle: bundle, dir: dir, planPath: filepath.Join(dir, workspace.RotationFile), wsq: script.ShellQuote(dir),
		keyOf: rotationKeyLookup(ws, p), cause: map[string]rotation.Cause{}}
	r.s = &script.Script{Kind: workspace.Rotation, Profile: ws.State.Profile, Repository: ws.State.Repository,
		Plan: r.planPath, Workspace: dir, Bundle: bundle, Warnings: append(append([]string{}, ws.State.Warnings...), p.Warnings...)}
	for _, a := range p.Affected {
		r.cause[a.ID] = a.Cause
	}
	r.signers = rotationSigners(l, p, r.keyOf, r.cause)
	r.preparation(planJSON)
	r.s.Add(incidentSummaryStep(ws, p, r.wsq))
	r.rollCall()
	r.signing()
	r.finish()
	r.online()
	return r.s, nil
}

// scriptBuilder is a rotation's script being written, step by step.
type scriptBuilder struct {
	s        *script.Script
	p        *rotation.Plan
	bundle   string
	dir      string
	planPath string
	// wsq is the workspace, quoted for the shell.
	wsq     string
	keyOf   func(string) rotation.Key
	cause   map[string]rotation.Cause
	signers rotationSigning
}

// preparation: the laptop, the plan by its hash, the witnesses.
func (r *scriptBuilder) preparation(planJSON []byte) {
	// Preparation: the laptop, the plan by its hash, the witnesses.
	planHash := audit.HashOf(workspace.RotationFile, planJSON)
	r.s.Add(script.Step{Phase: "preparation", Title: "Prepare the air-gapped ceremony laptop",
		Details: []string{
			"Boot the ceremony laptop from known media with networking removed or disabled; confirm that no network interface is up.",
			script.CheckTool(),
			fmt.Sprintf("Copy the rotation workspace %s onto the laptop. Its plan %s must have SHA-256 %s; read it aloud as PGP words and compare with the copy the keyholders reviewed: %s", r.dir, r.planPath, planHash.SHA256, planHash.PGPWords),
		},
		Commands: []string{"ceremony version", "sha256sum " + script.ShellQuote(r.planPath)}})
	r.s.Add(script.Step{Phase: "preparation", Title: "Witnesses present",
		Details: []string{"Every witness states their name; the script keeper records them and the start time. Witnesses initial each step below as it completes."}})
}

// rollCall: everyone whose key signs, every key that does not, the plan's
// warnings, and the replacement keys checked before anything is signed.
func (r *scriptBuilder) rollCall() {
	// The roll call: everyone whose key signs, and every key that does not.
	roll := script.Step{Phase: "preparation", Title: "Roll call of keyholders"}
	seenHolder := map[string]int{}
	for _, k := range r.signers.order {
		name := k.Holder
		if name == "" {
			name = k.Label()
		}
		h := script.Keyholder{Name: name, KeyURI: k.URI, Roles: r.signers.roles[k.ID]}
		h.Device, h.Serial = script.Device(k.URI)
		if i, ok := seenHolder[name]; ok {
			r.s.Keyholders[i].Roles = appendNew(r.s.Keyholders[i].Roles, h.Roles...)
		} else {
			seenHolder[name] = len(r.s.Keyholders)
			r.s.Keyholders = append(r.s.Keyholders, h)
		}
		line := fmt.Sprintf("%s: key %s", name, k.ID)
		if k.URI != "" {
			line += "; " + k.URI
		}
		if h.Device != "" {
			line += "; " + h.Device
		}
		if a := affectedOf(r.p, k.ID); a != nil && a.Cause == rotation.Retired {
			line += "; the previous key, retired here"
		}
		line += "; signs " + strings.Join(r.signers.roles[k.ID], ", ")
		roll.Details = append(roll.Details, line)
	}
	for _, a := range r.p.Affected {
		if a.Cause == rotation.Retired {
			continue
		}
		roll.Details = append(roll.Details, fmt.Sprintf("%s: key %s is %s and signs NOTHING in this ceremony", a.Label(), a.ID, strings.ToUpper(string(a.Cause))))
	}
	r.s.Add(roll)
	for _, w := range r.s.Warnings {
		r.s.Add(script.Step{Phase: "preparation", Title: "Acknowledge the plan's warning", Details: []string{w}})
	}
	var newKeys []string
	for _, a := range r.p.Affected {
		if a.ReplacedBy != nil {
			newKeys = append(newKeys, fmt.Sprintf("%s replaces %s: %s reads the new key ID aloud from their device ('ceremony devices' or the keygen output) and it must be %s.", a.ReplacedBy.Label(), a.Label(), orUnknown(a.ReplacedBy.Holder), a.ReplacedBy.ID))
		}
	}
	if len(newKeys) > 0 {
		r.s.Add(script.Step{Phase: "preparation", Title: "Check each replacement key before anything is signed", Details: newKeys,
			Commands: []string{"ceremony status " + r.wsq}})
	}

}

// signing: threshold by threshold, in the plan's order.
func (r *scriptBuilder) signing() {
	for _, t := range r.signers.thresholds {
		r.s.Add(t.header)
		for _, st := range t.signs {
			r.s.Add(st)
		}
	}

}

// finish: status, seal (never with a compromised key), bundle, the hashes
// read aloud, and the check on the online machine.
func (r *scriptBuilder) finish() {
	// Status and verification.
	r.s.Add(script.Step{Phase: "status", Title: "Check that every threshold is met",
		Details:  []string{"status must end with \"every threshold is met\" (exit code 0), the previous root's and the new root's thresholds counted apart; verify must pass. If signatures are missing, the keyholders named as not signed sign now (never a compromised key)."},
		Commands: []string{"ceremony status " + r.wsq, "ceremony verify " + r.wsq}})

	// Seal: keyholders of the new root present, never a compromised key.
	var sealers, sealArgs []string
	if root := r.signers.newRoot; root != nil {
		for _, id := range root.KeyIDs {
			if len(sealers) == root.Threshold {
				break
			}
			if r.cause[id] == rotation.Stolen || r.cause[id] == rotation.Lost {
				continue
			}
			k := r.keyOf(id)
			sealers = append(sealers, k.Label())
			sealArgs = append(sealArgs, "--key "+script.ShellQuote(uriOrPlaceholder(k.URI)))
		}
	}
	r.s.Add(script.Step{Phase: "seal", Title: "Seal the transcript",
		Details: []string{fmt.Sprintf("Keyholders present seal the transcript with their keys (shown: %s; any keyholder of the workspace may seal, never with a compromised key).", strings.Join(orNoneList(sealers), ", ")),
			"Then replay it: the replay must end with OK and name the sealers."},
		Commands: []string{fmt.Sprintf("ceremony seal %s %s", strings.Join(sealArgs, " "), r.wsq), "ceremony replay " + r.wsq}})

	// Bundle, hashes read aloud, verified on the online machine.
	r.s.Add(script.Step{Phase: "bundle", Title: "Write the bundle",
		Details:  []string{"Write the bundle to the USB stick that goes to the online machine. The tool prints its SHA-256 in hex and as PGP words. The bundle carries the incident report and the plan; its README.txt sends the operator to the incident report first."},
		Commands: []string{fmt.Sprintf("ceremony bundle --out %s %s", script.ShellQuote(r.bundle), r.wsq)}})
	r.s.Add(script.Step{Phase: "read-aloud", Title: "Read the hashes aloud as PGP words",
		Details: []string{"The operator reads the PGP words of the bundle's SHA-256 aloud, one at a time; a witness writes them down here and a second witness checks each against the screen.",
			"Then the incident report's list of what was produced (the plan, each metadata file, the transcript's head): each SHA-256 read aloud the same way.",
			"Words at even positions have two syllables, at odd positions three: a word missed or repeated is heard at once.",
			"Bundle SHA-256 words: ______________________________________________"},
		Commands: []string{"ceremony rotate --incident " + r.wsq}})
	trusted := fmt.Sprintf("%d.root.json", r.p.TrustedRootVersion)
	r.s.Add(script.Step{Phase: "verify", Title: "Verify the bundle on the online machine",
		Details: []string{fmt.Sprintf("On the online machine, verify the bundle against the root the repository serves now (%s, root v%d) and compare the SHA-256 words it shows with the words written down in the previous step.", trusted, r.p.TrustedRootVersion),
			fmt.Sprintf("Read %s from the bundle before anything is uploaded.", workspace.IncidentFile)},
		Commands: []string{fmt.Sprintf("ceremony verify --trusted-root %s %s", trusted, script.ShellQuote(r.bundle)), fmt.Sprintf("sha256sum %s", script.ShellQuote(r.bundle))}})

}

// online: the online steps, in the plan's order; the fast-forward
// recovery before the last (the check as a client).
func (r *scriptBuilder) online() {
	for i, text := range r.p.OnlineSteps {
		if i == len(r.p.OnlineSteps)-1 && len(r.p.FastForward) > 0 {
			r.s.Add(script.Step{Phase: "online", Title: "Fast-forward recovery (TUF 1.0.31 §5.3.11)",
				Details: append(append([]string{}, r.p.FastForward...), "Confirm on the online machine that the timestamp and snapshot just published carry the versions the plan gives, signed by the new online key only.")})
		}
		st := script.Step{Phase: "online", Title: onlineStepTitle(text)}
		if st.Title != strings.TrimSuffix(text, ".") {
			st.Details = []string{text}
		}
		if i == len(r.p.OnlineSteps)-1 {
			st.Details = append(st.Details, "Record the end time of the ceremony.")
		}
		r.s.Add(st)
	}
}

// incidentSummaryStep is the summary read aloud before anything is
// signed: what happened to which key, what it reached, the evidence.
func incidentSummaryStep(ws *workspace.Workspace, p *rotation.Plan, wsq string) script.Step {
	repo := ws.State.Repository
	if repo == "" {
		repo = "(unnamed repository)"
	}
	st := script.Step{Phase: "incident", Title: "Read the incident summary aloud", Commands: []string{"ceremony rotate --incident " + wsq}}
	kind := "An emergency rotation"
	if !p.Emergency {
		kind, st.Title = "A planned rotation", "Read the rotation summary aloud"
	}
	what := fmt.Sprintf("%s of %s", kind, repo)
	if ws.State.Profile != "" {
		what += " (" + ws.State.Profile + ")"
	}
	what += fmt.Sprintf(": root v%d replaces root v%d (%s)", p.RootVersion, p.TrustedRootVersion, p.Source)
	for _, r := range p.Resign {
		if r.Role != metadata.ROOT {
			what += fmt.Sprintf(", %s v%d is signed again", r.Role, r.Version)
		}
	}
	st.Details = append(st.Details, what+".")
	if len(p.Affected) == 0 {
		st.Details = append(st.Details, "No key changes: the yearly re-sign.")
	}
	for _, a := range p.Affected {
		line := fmt.Sprintf("%s: %s", a.Label(), strings.ToUpper(string(a.Cause)))
		if d := a.Device(); d != "" {
			line += ", on " + d
		}
		if len(a.Roles) > 0 {
			line += "; listed for " + strings.Join(a.Roles, ", ")
		}
		if a.ReplacedBy != nil {
			line += "; replaced by " + a.ReplacedBy.Label()
		} else {
			line += "; not replaced"
		}
		st.Details = append(st.Details, line+".")
	}
	for _, r := range p.Reach {
		st.Details = append(st.Details, fmt.Sprintf("Reach: %s (threshold %d of %d keys, per %s): %s", r.Role, r.Threshold, r.Keys, r.Delegator, r.Effect))
	}
	for _, e := range p.Evidence {
		st.Details = append(st.Details, "Evidence: "+e)
	}
	return st
}

// rotationSigning is the signing part of a rotation's script.
type rotationSigning struct {
	thresholds []rotationThreshold
	// order lists each key that signs, first signing step first.
	order []rotation.Key
	// roles are the roles (with versions) each key signs.
	roles map[string][]string
	// newRoot is the new root's own rule.
	newRoot *rotationRule
}

type rotationThreshold struct {
	header script.Step
	signs  []script.Step
}

type rotationRule struct {
	KeyIDs    []string
	Threshold int
}

// rotationSigners lays out the plan's signing steps against the
// workspace's rules: each usable key gets one signing step per role (a key
// in both roots signs once and counts for both); compromised and lost keys
// get none and are named in the threshold's header.
func rotationSigners(l *ceremony.Loaded, p *rotation.Plan, keyOf func(string) rotation.Key, cause map[string]rotation.Cause) rotationSigning {
	out := rotationSigning{roles: map[string][]string{}}
	// A key listed under another key ID is still the key the plan names:
	// compared as keys, with the trusted root's copies of the affected
	// keys.
	var affectedKeys []*metadata.Key
	var affectedCauses []rotation.Cause
	for _, a := range p.Affected {
		if l.TrustedRoot != nil && l.TrustedRoot.Keys[a.ID] != nil {
			affectedKeys = append(affectedKeys, l.TrustedRoot.Keys[a.ID])
			affectedCauses = append(affectedCauses, a.Cause)
		}
	}
	causeByKey := func(k *metadata.Key) rotation.Cause {
		for i, ak := range affectedKeys {
			if k != nil && keys.SameKey(k, ak) && affectedCauses[i] != rotation.Retired {
				return affectedCauses[i]
			}
		}
		return ""
	}
	wsq := script.ShellQuote(l.WS.Dir)
	signedRole := map[string]int{} // key ID + role -> step index in out
	seenKey := map[string]bool{}
	for _, sp := range p.Signing {
		rules, err := l.Rules(sp.Role)
		var keyIDs []string
		var rule *threshold.Rule
		need := sp.Threshold
		if err == nil {
			for i := range rules {
				if rules[i].Delegator == sp.Rule {
					rule = &rules[i]
					keyIDs, need = rule.KeyIDs, rule.Threshold
				}
			}
		}
		if rule == nil {
			// The workspace does not hold the delegator (a role re-signed
			// under a delegator that is not): the plan's own list, which
			// leaves out compromised and lost keys.
			keyIDs = planSigners(p, sp.From)
		}
		what := fmt.Sprintf("%s v%d", sp.Role, sp.Version)
		if sp.Role == metadata.ROOT && sp.Rule == fmt.Sprintf("root v%d", sp.Version) {
			out.newRoot = &rotationRule{KeyIDs: keyIDs, Threshold: need}
		}
		h := script.Step{Phase: "threshold", Role: sp.Role, Threshold: need,
			Title: fmt.Sprintf("%s under %s: %d signatures needed", what, sp.Rule, need)}
		var usable, stolen, lost, already []string
		var signs []script.Step
		for _, id := range keyIDs {
			k := keyOf(id)
			c := cause[id]
			if c == "" && rule != nil {
				c = causeByKey(rule.Keys[id])
			}
			switch c {
			case rotation.Stolen:
				stolen = appendNew(stolen, k.Label())
				continue
			case rotation.Lost:
				lost = appendNew(lost, k.Label())
				continue
			}
			usable = appendNew(usable, k.Label())
			if _, done := signedRole[id+"\x00"+sp.Role]; done {
				already = appendNew(already, k.Label())
				continue
			}
			signedRole[id+"\x00"+sp.Role] = len(signs)
			if !seenKey[id] {
				seenKey[id] = true
				out.order = append(out.order, k)
			}
			out.roles[id] = appendNew(out.roles[id], what)
			name := k.Holder
			if name == "" {
				name = k.Label()
			}
			st := script.Step{Phase: "sign", Who: name, Role: sp.Role, Threshold: need, KeyID: id,
				Title: fmt.Sprintf("%s signs %s with key %s (toward %s)", name, what, ceremony.AbbrevHash(id), sp.Rule)}
			if d, _ := script.Device(k.URI); d != "" {
				st.Details = append(st.Details, fmt.Sprintf("%s connects %s.", name, d))
			}
			if k.URI == "" {
				st.Details = append(st.Details, fmt.Sprintf("No key URI is recorded for key %s: use the URI of the device holding it ('ceremony devices' prints URIs to paste).", ceremony.AbbrevHash(id)))
			}
			st.Details = append(st.Details, fmt.Sprintf("The tool shows the key ID before asking for a PIN: it must begin %s. Each signature is verified at once.", ceremony.AbbrevHash(id)))
			if sp.Role == metadata.ROOT && sp.Rule != fmt.Sprintf("root v%d", sp.Version) {
				st.Details = append(st.Details, fmt.Sprintf("If this key is also in root v%d, this one signature counts for both roots.", sp.Version))
			}
			st.Commands = []string{fmt.Sprintf("ceremony sign --key %s --role %s %s", script.ShellQuote(uriOrPlaceholder(k.URI)), sp.Role, wsq)}
			signs = append(signs, st)
		}
		h.Details = append(h.Details, fmt.Sprintf("%d of %s.", need, strings.Join(orNoneList(usable), ", ")))
		for _, label := range stolen {
			h.Details = append(h.Details, fmt.Sprintf("NOT signing: %s, COMPROMISED: anyone may hold it; its signature must not count, and the tool refuses it.", label))
		}
		for _, label := range lost {
			h.Details = append(h.Details, fmt.Sprintf("NOT signing: %s, lost: nobody can use it.", label))
		}
		if len(already) > 0 {
			h.Details = append(h.Details, fmt.Sprintf("Already signed above, counted here too: %s.", strings.Join(already, ", ")))
		}
		if sp.Note != "" {
			h.Details = append(h.Details, "The plan: "+sp.Note+".")
		}
		for _, a := range p.Affected {
			if a.Cause == rotation.Stolen && sp.Role != metadata.ROOT && slices.Contains(a.Roles, sp.Role) {
				h.Details = append(h.Details, fmt.Sprintf("%s no longer lists %s, which is COMPROMISED: it does NOT sign.", what, a.Label()))
			}
		}
		h.Commands = []string{"ceremony status " + wsq}
		out.thresholds = append(out.thresholds, rotationThreshold{header: h, signs: signs})
	}
	return out
}

// rotationKeyLookup names a key ID from the plan's keys (holder, URI), or
// from the workspace's key list.
func rotationKeyLookup(ws *workspace.Workspace, p *rotation.Plan) func(string) rotation.Key {
	byID := map[string]rotation.Key{}
	for _, k := range p.Keys {
		byID[k.ID] = k
	}
	for _, a := range p.Affected {
		if a.ReplacedBy != nil {
			if _, ok := byID[a.ReplacedBy.ID]; !ok {
				byID[a.ReplacedBy.ID] = *a.ReplacedBy
			}
		}
	}
	return func(id string) rotation.Key {
		if k, ok := byID[id]; ok {
			return k
		}
		for _, e := range ws.State.Keys {
			if e.KeyID == id {
				return rotation.Key{ID: id, Holder: e.Holder, URI: e.URI, Online: e.Online}
			}
		}
		return rotation.Key{ID: id}
	}
}

// planSigners resolves the labels of a signing step's From to key IDs.
func planSigners(p *rotation.Plan, from []string) []string {
	var out []string
	for _, label := range from {
		label = strings.TrimSuffix(label, " (previous key)")
		for _, k := range p.Keys {
			if k.Label() == label {
				out = append(out, k.ID)
				break
			}
		}
	}
	return out
}

func affectedOf(p *rotation.Plan, id string) *rotation.Affected {
	for i := range p.Affected {
		if p.Affected[i].ID == id {
			return &p.Affected[i]
		}
	}
	return nil
}

// onlineStepTitle is an online step's text up to its first colon, or the
// whole first sentence.
func onlineStepTitle(text string) string {
	if i := strings.Index(text, ": "); i > 0 && i < 160 {
		return text[:i]
	}
	return strings.TrimSuffix(text, ".")
}

func uriOrPlaceholder(uri string) string {
	if uri == "" {
		return "KEY-URI"
	}
	if _, err := keys.ParseURI(uri); err != nil {
		return "KEY-URI"
	}
	return uri
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
