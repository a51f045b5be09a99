package rotate

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ErrNoInBandRecovery means the keyholders cannot recover by signing a new
// root: the Plan's OutOfBand says why and what to do instead.
var ErrNoInBandRecovery = errors.New("in-band recovery is not possible")

// ErrRotationProblems means the rotation cannot go ahead as asked; the
// Plan's Problems say what to fix.
var ErrRotationProblems = errors.New("the rotation cannot go ahead")

// Options say what rotation to plan, and where to run it.
type Options struct {
	// From is the trusted metadata as it is now: a repository directory, a
	// finished ceremony workspace, or the bundle of a finished ceremony
	// (what the server published from it; it must pass VerifyBundle).
	From string
	// TrustedRoot, when From is a repository directory or a bundle, is
	// the operator's own copy of a root in force that its root chain must
	// start from; "" starts from a repository's 1.root.json, a bundle's
	// oldest root.
	TrustedRoot string
	// LastGood, if set, is a repository directory, workspace or bundle
	// from before the compromise: re-signed roles take their content from
	// it.
	LastGood string
	// Keyholders are plans, workspaces or bundles that say who holds which
	// key, so that keys can be named by holder or device serial.
	Keyholders []string
	// Compromised (stolen) and Lost name keys: a key ID or a prefix of at
	// least 8 hex digits, a keyholder's name, or a device serial.
	Compromised []string
	Lost        []string
	// Online: the online server was compromised; every online key is
	// stolen.
	Online bool
	// Replace gives each leaving key its replacement.
	Replace []Replacement
	// OnlineKeyURI is the new online key's URI for RSTUF
	// (x-rstuf-online-key-uri).
	OnlineKeyURI string
	// ExpiresDays is the expiry period of what is signed; 0 means 365.
	ExpiresDays int
	// Dir is the workspace to create; "" plans only.
	Dir string
	// Now is the ceremony's time; zero means the engine's clock.
	Now time.Time
	// DateConfirmed is what ceremony.ConfirmDate returned, kept in the
	// workspace's state; "" if the date was not confirmed.
	DateConfirmed string
}

// Replacement is one --replace OLD=NEW.
type Replacement struct {
	// Old names the key that leaves, as Compromised does.
	Old string
	// New is the new key's TUF public key file or its key URI (file:,
	// pkcs11:, yubikey:).
	New string
}

// ParseReplacement reads OLD=NEW.
func ParseReplacement(s string) (Replacement, error) {
	old, new, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(old) == "" || strings.TrimSpace(new) == "" {
		return Replacement{}, fmt.Errorf("--replace %q: want OLD=NEW, OLD a key ID, keyholder or device serial, NEW the new key's public key file or key URI", s)
	}
	return Replacement{Old: strings.TrimSpace(old), New: strings.TrimSpace(new)}, nil
}

// Result is the plan, and the workspace if one was made.
type Result struct {
	Plan      *rotation.Plan
	Workspace *workspace.Workspace
}

// Run plans a rotation from the trusted metadata at opts.From and, if
// opts.Dir is given and the plan can be carried out, creates its
// workspace: the new root and the re-signed offline roles, unsigned, with
// the plan (rotation.json) and the incident report, the plan recorded in
// the transcript's init record. Keyholders then sign it with 'ceremony
// sign' as any workspace; status, verify, seal, bundle and replay work on
// it.
//
// When the keyholders cannot recover in band, the result holds the plan
// (what to do instead) and the error is ErrNoInBandRecovery; when the plan
// has problems, ErrRotationProblems. Nothing is written in either case.
func Run(e *ceremony.Engine, opts Options) (*Result, error) {
	now := e.NowOr(opts.Now)
	src, err := source.Load(e, opts.From, opts.TrustedRoot, now)
	if err != nil {
		return nil, err
	}
	s := src.State
	for _, k := range opts.Keyholders {
		names, repository, err := source.NamesFrom(e, k, now)
		if err != nil {
			return nil, err
		}
		s.Names = append(s.Names, names...)
		if s.Repository == "" {
			s.Repository = repository // a repository directory names none
		}
	}
	if opts.LastGood != "" {
		// From its own 1.root.json: a copy from before the compromise
		// may end at a root older than the one in force.
		lg, err := source.Load(e, opts.LastGood, "", now)
		if err != nil {
			return nil, fmt.Errorf("--last-good: %w", err)
		}
		s.LastGood = &rotation.LastGood{Source: opts.LastGood, Targets: lg.State.Targets, Current: lg.State.Current}
		if s.Repository == "" {
			s.Repository = lg.State.Repository
		}
		if len(opts.Keyholders) == 0 {
			s.Names = append(s.Names, lg.State.Names...)
		}
	}
	req, err := rotationRequest(e.Keys(), s, opts, now)
	if err != nil {
		return nil, err
	}
	p, err := rotation.Analyze(s, req)
	if err != nil {
		return nil, err
	}
	res := &Result{Plan: p}
	if !p.InBand {
		return res, fmt.Errorf("%w: %s", ErrNoInBandRecovery, p.OutOfBand.Statement)
	}
	if advice := rekeyAdvice(s, p, opts.From); len(advice) > 0 {
		// Maintainers' keys only: a claims ceremony changes them, not a
		// rotation; the plan's problems say how.
		p.Problems = advice
	}
	if len(p.Problems) > 0 {
		return res, fmt.Errorf("%w:\n  %s", ErrRotationProblems, strings.Join(p.Problems, "\n  "))
	}
	if opts.Dir == "" {
		return res, nil
	}
	if err := workspaceCanSign(p); err != nil {
		return res, err
	}
	if res.Workspace, err = createRotation(opts, src, p, now); err != nil {
		return res, err
	}
	return res, nil
}

// workspaceCanSign says why the plan's re-signed roles cannot be signed
// in a rotation workspace, before anything is written: a workspace signs
// root, targets and claimed, and counts claimed's signatures under the
// targets it holds. A project's own role (under claimed) is its
// maintainers' to sign.
func workspaceCanSign(p *rotation.Plan) error {
	roles := map[string]bool{}
	for _, r := range p.Resign {
		roles[r.Role] = true
	}
	for _, r := range p.Resign {
		switch {
		case r.Role == metadata.ROOT || r.Role == metadata.TARGETS:
		case r.Role == plan.RoleClaimed && roles[metadata.TARGETS]:
		case r.Role == plan.RoleClaimed:
			return fmt.Errorf("the plan re-signs claimed v%d but not targets, and a rotation workspace counts claimed's signatures under the targets it signs: nothing was written; when claimed changes only to change claimed projects' keys, their maintainers make new claim requests with new keys and PyPI's administrators take them in as rekeys at a claims ceremony; otherwise work out the plan without a workspace and carry it out by hand", r.Version)
		default:
			return fmt.Errorf("the plan re-signs %s v%d, which a ceremony workspace does not sign (only root, targets and claimed; a project's role is signed by its maintainers): nothing was written; a claimed project's keys change at a claims ceremony (a rekey, from its maintainers' new claim request), then its maintainers sign its role again in a project ceremony; otherwise work out the plan without a workspace and carry it out by hand", r.Role, r.Version)
		}
	}
	return nil
}

// rotationRequest resolves the keys the options name.
func rotationRequest(b *keys.Backends, s *rotation.State, opts Options, now time.Time) (rotation.Request, error) {
	req := rotation.Request{Online: opts.Online, OnlineKeyURI: opts.OnlineKeyURI, ExpiresDays: opts.ExpiresDays, Now: now,
		Replace: map[string]rotation.Key{}}
	resolve := func(flag, ref string) ([]string, error) {
		ks, err := s.Resolve(ref)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", flag, ref, err)
		}
		var ids []string
		for _, k := range ks {
			ids = append(ids, k.ID)
		}
		return ids, nil
	}
	for _, ref := range opts.Compromised {
		ids, err := resolve("--compromised", ref)
		if err != nil {
			return req, err
		}
		req.Stolen = append(req.Stolen, ids...)
	}
	for _, ref := range opts.Lost {
		ids, err := resolve("--lost", ref)
		if err != nil {
			return req, err
		}
		req.Lost = append(req.Lost, ids...)
	}
	for _, r := range opts.Replace {
		ks, err := s.Resolve(r.Old)
		if err != nil {
			return req, fmt.Errorf("--replace %s=%s: %w", r.Old, r.New, err)
		}
		if len(ks) != 1 {
			var labels []string
			for _, k := range ks {
				labels = append(labels, k.Label())
			}
			return req, fmt.Errorf("--replace %s=%s: %q names %d keys (%s): give one key ID for each replacement", r.Old, r.New, r.Old, len(ks), strings.Join(labels, ", "))
		}
		nk, err := readReplacementKey(b, r.New)
		if err != nil {
			return req, fmt.Errorf("--replace %s=%s: %w", r.Old, r.New, err)
		}
		if _, dup := req.Replace[ks[0].ID]; dup {
			return req, fmt.Errorf("--replace %s=%s: %s is replaced twice", r.Old, r.New, ks[0].Label())
		}
		req.Replace[ks[0].ID] = nk
	}
	return req, nil
}

// readReplacementKey reads the new key: a key URI (its public key, and the
// URI kept to name the key), or a TUF public key file.
func readReplacementKey(b *keys.Backends, s string) (rotation.Key, error) {
	var k *metadata.Key
	uri := ""
	if u, err := keys.ParseURI(s); err == nil {
		if u.Scheme == "file" {
			if err := source.CheckSmallFile(u.Path); err != nil {
				return rotation.Key{}, err
			}
		}
		if k, err = b.PublicKey(s); err != nil {
			return rotation.Key{}, fmt.Errorf("cannot read the new key's public key: %w; connect the device, or give the key's TUF public key file", err)
		}
		uri = s
	} else {
		if err := source.CheckSmallFile(s); err != nil {
			return rotation.Key{}, err
		}
		data, err := bounded.ReadFile(s, source.MaxPublicKeyFile)
		if err != nil {
			return rotation.Key{}, fmt.Errorf("failed to read public key file: %w", err)
		}
		if k, err = keys.ParseKeyJSON(data); err != nil {
			return rotation.Key{}, fmt.Errorf("public key file %s: %w; give the TUF public key file (NAME.pub) written when the key was made, or a key URI", s, err)
		}
	}
	pub, err := keys.PublicKeyOf(k)
	if err != nil {
		return rotation.Key{}, err
	}
	norm, err := keys.FromPublicKey(pub)
	if err != nil {
		return rotation.Key{}, fmt.Errorf("%w; use an ed25519 or ecdsa P-256/P-384 key", err)
	}
	return rotation.Key{Key: norm, URI: uri}, nil
}

// createRotation writes the rotation's workspace. Like Init, nothing is
// left as a finished workspace unless every write succeeds: ceremony.json
// is written last.
func createRotation(opts Options, src *source.Source, p *rotation.Plan, now time.Time) (*workspace.Workspace, error) {
	s := src.State
	state := workspace.State{
		Kind: workspace.Rotation, Profile: string(s.Profile), Repository: s.Repository,
		Created: now.UTC().Truncate(time.Second), TrustedRootVersion: s.Root.Version,
		Keys: rotationKeyEntries(p, s.Names), AttestationRoots: src.AttestationRoots, Rehearsal: src.Rehearsal,
		Warnings: spareWarnings(p), DateConfirmed: opts.DateConfirmed,
	}
	if dir, err := filepath.Abs(opts.From); err == nil {
		if src.BundleSHA256 != "" {
			dir = filepath.Dir(dir)
		}
		state.PlanDir = dir
	}
	roles := map[string]*metafile.File{}
	var err error
	if roles[metadata.ROOT], err = metafile.FromSigned(p.NewRoot); err != nil {
		return nil, err
	}
	state.Roles = []string{metadata.ROOT}
	for _, r := range p.Resign {
		if r.Role == metadata.ROOT {
			continue
		}
		if roles[r.Role], err = metafile.FromSigned(p.NewTargets[r.Role]); err != nil {
			return nil, err
		}
		state.Roles = append(state.Roles, r.Role)
	}
	planJSON, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, err
	}
	planJSON = append(planJSON, '\n')
	request := rotationRequestYAML(opts, src.BundleSHA256, now)
	return workspace.Create(opts.Dir, state, request, src.RootBytes, roles, func(w *workspace.Workspace) error {
		if err := atomicfile.WriteNew(filepath.Join(w.Dir, workspace.RotationFile), planJSON, 0o644); err != nil {
			return err
		}
		if err := recordRotationInit(w, request, src.RootBytes, planJSON, p); err != nil {
			return err
		}
		report, err := incidentReport(w, p, planJSON)
		if err != nil {
			return err
		}
		return atomicfile.WriteNew(filepath.Join(w.Dir, workspace.IncidentFile), report, 0o644)
	})
}

// rotationKeyEntries names every key for status and the transcript:
// compromised, lost and previous keys marked as such. What the source
// workspace said of a key (its contact, its device attestation) is kept,
// and its keys come in its order, the plan's: keyholders are called as
// they were; keys new here follow, with their holder's contact.
func rotationKeyEntries(p *rotation.Plan, names []rotation.Name) []workspace.KeyEntry {
	known := map[string]rotation.Name{}
	order := map[string]int{}
	contact := map[string]string{}
	for i, n := range names {
		if id, err := keys.ID(n.Key); err == nil {
			known[id], order[id] = n, i
		}
		if n.Holder != "" && n.Contact != "" && contact[n.Holder] == "" {
			contact[n.Holder] = n.Contact
		}
	}
	cause := map[string]rotation.Cause{}
	newHolder := map[string]bool{}
	for _, a := range p.Affected {
		cause[a.ID] = a.Cause
		if a.ReplacedBy != nil && a.ReplacedBy.Holder != "" && a.ReplacedBy.Holder == a.Holder {
			newHolder[a.ID] = true
		}
	}
	var out []workspace.KeyEntry
	for _, k := range p.Keys {
		holder := k.Holder
		if holder == "" && k.Online {
			holder = "online key " + k.ID[:min(12, len(k.ID))]
		}
		if holder != "" {
			switch c := cause[k.ID]; {
			case c == rotation.Stolen:
				holder += " (compromised key)"
			case c == rotation.Lost:
				holder += " (lost key)"
			case newHolder[k.ID]:
				holder += " (previous key)"
			}
		}
		e := workspace.KeyEntry{KeyID: k.ID, Holder: holder, URI: k.URI, Online: k.Online, Contact: contact[k.Holder]}
		if n, ok := known[k.ID]; ok {
			e.Contact, e.Attestation = n.Contact, n.Attestation
		}
		out = append(out, e)
	}
	rank := func(id string) int {
		if i, ok := order[id]; ok {
			return i
		}
		return len(names)
	}
	slices.SortStableFunc(out, func(a, b workspace.KeyEntry) int { return rank(a.KeyID) - rank(b.KeyID) })
	return out
}

// spareWarnings says, for each offline role the rotation signs, when no
// key is left above its threshold: one more key lost makes the role
// unsignable until a rotation adds keys, which then needs every one of
// them.
func spareWarnings(p *rotation.Plan) []string {
	var out []string
	if p.NewRoot == nil {
		return nil
	}
	// Online roles (hash bins, recently-claimed) are signed by the server.
	onlineKeys := map[string]bool{}
	for _, k := range p.Keys {
		onlineKeys[k.ID] = k.Online
	}
	online := func(id string) bool { return onlineKeys[id] }
	for _, name := range []string{metadata.ROOT, metadata.TARGETS} {
		r := p.NewRoot.Roles[name]
		if r != nil && len(r.KeyIDs) == r.Threshold && !slices.ContainsFunc(r.KeyIDs, online) {
			out = append(out, fmt.Sprintf("%s keeps %s for a threshold of %d: no key is spare, so one more key lost makes %s unsignable; add a key with a planned rotation soon", name, keyCount(len(r.KeyIDs)), r.Threshold, name))
		}
	}
	// The roles targets delegates to offline keyholders (PEP 480's
	// claimed); the projects claimed delegates to change their keys in a
	// claims ceremony, not here.
	for _, role := range p.Resign {
		if role.Role != metadata.TARGETS {
			continue
		}
		t := p.NewTargets[role.Role]
		if t == nil || t.Delegations == nil {
			continue
		}
		for _, d := range t.Delegations.Roles {
			if len(d.KeyIDs) == d.Threshold && d.Threshold > 0 && !slices.ContainsFunc(d.KeyIDs, online) {
				out = append(out, fmt.Sprintf("%s, delegated by %s, keeps %s for a threshold of %d: no key is spare; add a key with a planned rotation soon", d.Name, role.Role, keyCount(len(d.KeyIDs)), d.Threshold))
			}
		}
	}
	return out
}

// keyCount says n keys: "1 key", "2 keys".
func keyCount(n int) string {
	if n == 1 {
		return "1 key"
	}
	return fmt.Sprintf("%d keys", n)
}

// rotationRequestYAML is the workspace's plan.yaml: the rotation as it was
// asked for (not a bootstrap plan; the plan worked out is rotation.json).
func rotationRequestYAML(opts Options, fromBundleSHA256 string, now time.Time) []byte {
	var b strings.Builder
	q := func(s string) string { return fmt.Sprintf("%q", s) }
	list := func(name string, items []string) {
		fmt.Fprintf(&b, "  %s: [", name)
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(q(it))
		}
		b.WriteString("]\n")
	}
	b.WriteString("# The rotation as asked of 'ceremony rotate'; the plan worked out from it is rotation.json.\n")
	b.WriteString("rotation:\n")
	fmt.Fprintf(&b, "  from: %s\n", q(opts.From))
	if fromBundleSHA256 != "" {
		fmt.Fprintf(&b, "  from_bundle_sha256: %s\n", q(fromBundleSHA256))
	}
	if opts.LastGood != "" {
		fmt.Fprintf(&b, "  last_good: %s\n", q(opts.LastGood))
	}
	list("keyholders", opts.Keyholders)
	list("compromised", opts.Compromised)
	list("lost", opts.Lost)
	fmt.Fprintf(&b, "  online: %t\n", opts.Online)
	b.WriteString("  replace:\n")
	for _, r := range opts.Replace {
		fmt.Fprintf(&b, "    - {old: %s, new: %s}\n", q(r.Old), q(r.New))
	}
	if opts.OnlineKeyURI != "" {
		fmt.Fprintf(&b, "  online_key_uri: %s\n", q(opts.OnlineKeyURI))
	}
	fmt.Fprintf(&b, "  expires_days: %d\n", max(opts.ExpiresDays, 0))
	fmt.Fprintf(&b, "  time: %s\n", now.UTC().Truncate(time.Second).Format(time.RFC3339))
	return []byte(b.String())
}

// recordRotationInit writes the transcript's first record: the request
// (plan.yaml), the trusted root, the plan worked out (rotation.json, kept
// in the state store too) and the unsigned metadata states.
func recordRotationInit(w *workspace.Workspace, request, trusted, planJSON []byte, p *rotation.Plan) error {
	tr, err := transcripts.Create(w.TranscriptPath())
	if err != nil {
		return err
	}
	defer tr.Close()
	inputs, err := ceremony.InitInputs(w, request)
	if err != nil {
		return err
	}
	inputs[workspace.TrustedRoot] = transcripts.Sum(trusted)
	rec := transcripts.Record{Kind: transcripts.Init, States: map[string]string{}, Inputs: inputs, Message: rotationSummary(w, p), Tool: ceremony.ThisTool()}
	if rec.Inputs[workspace.RotationFile], err = tr.PutState(planJSON); err != nil {
		return err
	}
	if err := ceremony.InitStates(tr, w, rec.States); err != nil {
		return err
	}
	_, err = tr.Append(rec)
	return err
}

// rotationSummary is the init record's message: what happened and what is
// signed.
func rotationSummary(w *workspace.Workspace, p *rotation.Plan) string {
	var parts []string
	for _, a := range p.Affected {
		s := fmt.Sprintf("%s %s", a.Label(), a.Cause)
		if a.ReplacedBy != nil {
			s += " -> " + a.ReplacedBy.Label()
		}
		parts = append(parts, s)
	}
	what := "yearly re-sign"
	if len(parts) > 0 {
		what = strings.Join(parts, "; ")
	}
	kind := "planned rotation"
	if p.Emergency {
		kind = "emergency rotation"
	}
	return fmt.Sprintf("%s ceremony (%s), profile %s, root v%d from v%d, signing %v", kind, what, w.State.Profile, p.RootVersion, p.TrustedRootVersion, w.State.Roles)
}

// ReadPlan reads a rotation workspace's plan, checked against the
// hash the transcript's init record names.
func ReadPlan(dir string) (*rotation.Plan, []byte, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	if ws.State.Kind != workspace.Rotation {
		return nil, nil, fmt.Errorf("%s is a %s workspace, not a rotation", dir, ws.State.Kind)
	}
	data, err := source.ReadLimited(filepath.Join(dir, workspace.RotationFile), 64<<20)
	if err != nil {
		return nil, nil, err
	}
	rep, err := transcripts.Verify(ws.TranscriptPath())
	if rep == nil || len(rep.Records) == 0 {
		return nil, nil, fmt.Errorf("the transcript of %s cannot be read: %v", dir, err)
	}
	if want := rep.Records[0].Inputs[workspace.RotationFile]; want != transcripts.Sum(data) {
		return nil, nil, fmt.Errorf("%s is not the plan the transcript's init record names (%s): it was changed after the rotation began", filepath.Join(dir, workspace.RotationFile), ceremony.AbbrevHash(want))
	}
	var p rotation.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, workspace.RotationFile), err)
	}
	return &p, data, nil
}
