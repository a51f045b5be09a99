package claimed

import (
	"crypto/x509"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"gopkg.in/yaml.v3"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/internal/strictjson"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A claims ceremony takes maintainers' claim requests (package claims) into
// PEP 480's claimed role. 'ceremony claims init' reads the trusted state
// (claimssource.go), reviews the directory of requests against the claimed
// role in force (claims.Review), and makes a workspace that signs claimed
// v(n+1): every delegation claimed has kept as it is, and a terminating
// delegation to each accepted project (claims.Delegation) added after
// them. Its keyholders are those top-level targets delegates claimed to.
// The requests, the review and the list of accepted projects are kept in
// the workspace, named by SHA-256 in the transcript's init record, and
// carried by the bundle: anyone can take the requests again and check
// that claimed adds exactly what they ask for (checkClaimedChange).
//
// A rekey (claims.Rekey) changes a claimed project's keys: the
// administrators name the project and the reason (ClaimsInitOptions.Rekey,
// 'claims init --rekey PROJECT=REASON'), the request with the new keys is
// accepted as a key change, and the project's delegation is replaced in
// place: same name, paths and position, the request's keys and threshold.
// Keys no delegation lists any more leave claimed's keys. The rekeys are
// in the ceremony's request (plan.yaml, named by the init record), in the
// init record's message with their reasons, and in the accepted list;
// checkClaimedChange accepts a changed delegation only for a rekey the
// request names.

// ErrNoClaimsAccepted means the review accepted no request: there is
// nothing to add to claimed.
var ErrNoClaimsAccepted = errors.New("no claim request is accepted")

// Options says what claims ceremony to prepare.
type Options struct {
	// From is the trusted state: a repository directory, a finished
	// workspace or a bundle.
	From string
	// TrustedRoot, when From is a repository directory or a bundle, is
	// the operator's own copy of a root in force that its root chain must
	// start from; "" starts from a repository's 1.root.json, a bundle's
	// oldest root.
	TrustedRoot string
	// ClaimsDir is the directory of claim requests (*.json).
	ClaimsDir string
	// Plan, if set, names the keyholders and gives claimed's expiry period
	// (roles.claimed.expires_days); without it they come from a workspace
	// or bundle given as From, else keys are named by key ID and claimed
	// expires in 365 days.
	Plan string
	// AttestationRoots, if set, is a PEM file of the roots maintainers'
	// attestations chain to instead of Yubico's (rehearsals with virtual
	// YubiKeys); the plan's rehearsal.attestation_roots is used otherwise.
	AttestationRoots string
	// Rekey names the claimed projects whose keys the ceremony may change,
	// each with the reason (required): a request for one of them with other
	// keys is accepted as a key change instead of refused.
	Rekey []claims.Rekey
	// MaxAge refuses a request signed longer ago than this, as of Now;
	// zero means no limit (the command and the app give
	// claims.DefaultMaxAge, as 'claims review' does).
	MaxAge time.Duration
	// RequireAttestation refuses a request with a key that has no YubiKey
	// attestation.
	RequireAttestation bool
	// Dir is the new workspace; it must not exist or be empty.
	Dir string
	// ReviewOnly stops after the review and claimed's next version are
	// worked out: the result says what would be added (Review, Accepted,
	// Rekeyed, ClaimedVersion) and nothing is written; Dir is not used.
	ReviewOnly bool
	// Now is the ceremony's time; zero means the engine's clock.
	Now time.Time
	// DateConfirmed is what ceremony.ConfirmDate returned, kept in the
	// workspace's state; "" if the date was not confirmed.
	DateConfirmed string
}

// Result says what ClaimsInit found and made.
type Result struct {
	// Review is the review of the requests; it is set whenever the
	// requests could be read, also when nothing is accepted.
	Review *claims.Report
	// Accepted are the projects added, sorted.
	Accepted       []claims.Claim
	ClaimedVersion int64
	Workspace      *workspace.Workspace
	// Rekeyed are the claimed projects whose keys change (Rekey), sorted.
	Rekeyed []claims.Claim
}

// ReviewFile is a claims workspace's claims-review.json: each
// request's verdict as the review gave it.
type ReviewFile struct {
	Type    string `json:"type"`
	Version int    `json:"version"`
	// ClaimedBefore is how many projects claimed delegated to before.
	ClaimedBefore int `json:"claimed_before"`
	// MaxAgeDays and RequireAttestation are the rules the review applied
	// beyond the checks every request passes (0: no age limit).
	MaxAgeDays         int            `json:"max_age_days,omitempty"`
	RequireAttestation bool           `json:"require_attestation,omitempty"`
	Verdicts           []ClaimVerdict `json:"verdicts"`
	Ignored            []string       `json:"ignored,omitempty"`
}

// ClaimVerdict is one request's verdict.
type ClaimVerdict struct {
	// File is the request's entry (claims/NAME).
	File    string   `json:"file"`
	SHA256  string   `json:"sha256,omitempty"`
	Project string   `json:"project,omitempty"`
	Outcome string   `json:"outcome"`
	Reason  string   `json:"reason,omitempty"`
	Flags   []string `json:"flags,omitempty"`
	// RekeyReason, PreviousKeyIDs and PreviousThreshold are set for a
	// rekey (outcome "rekey"): why, and the delegation it replaces.
	RekeyReason       string   `json:"rekey_reason,omitempty"`
	PreviousKeyIDs    []string `json:"previous_keyids,omitempty"`
	PreviousThreshold int      `json:"previous_threshold,omitempty"`
}

// Init reviews the claim requests in opts.ClaimsDir against the
// trusted claimed role at opts.From and creates the claims ceremony's
// workspace. It refuses, writing nothing, when no request is accepted (the
// result's Review says why each was refused), and when a rekey asked for
// does not happen (claims.Report.RekeyProblems).
func Init(e *ceremony.Engine, opts Options) (*Result, error) {
	now := e.NowOr(opts.Now)
	now = now.UTC().Truncate(time.Second)
	if err := checkOptions(opts); err != nil {
		return nil, err
	}
	st, err := source.ReadTrustedState(e, opts.From, opts.TrustedRoot, "", now)
	if err != nil {
		return nil, err
	}
	cp, err := claimsPlan(e.Keys(), opts, st)
	if err != nil {
		return nil, err
	}
	rootsPEM, err := claimsAttestationRoots(opts.AttestationRoots, cp.plan)
	if err != nil {
		return nil, err
	}
	claimedFile := claims.ClaimedFileOf(fmt.Sprintf("%s (%s)", st.From, plan.RoleClaimed), st.ClaimedFile)
	rep, err := claims.ReviewFile(opts.ClaimsDir, claimedFile, claims.Options{Now: now, Roots: certPool(rootsPEM),
		MaxAge: opts.MaxAge, RequireAttestation: opts.RequireAttestation}, opts.Rekey...)
	if err != nil {
		return nil, err
	}
	res := &Result{Review: rep, Accepted: rep.Accepted(), Rekeyed: rep.Rekeyed()}
	if problems := rep.RekeyProblems(); len(problems) > 0 {
		return res, fmt.Errorf("%s: nothing was written", strings.Join(problems, "; "))
	}
	if len(res.Accepted) == 0 && len(res.Rekeyed) == 0 {
		return res, hint.With(fmt.Errorf("%w in %s (%d refused, %d unchanged): nothing to add to claimed; the review says why for each", ErrNoClaimsAccepted, opts.ClaimsDir, rep.Count(claims.Refused), rep.Count(claims.ChangeUnchanged)), "claims review "+opts.ClaimsDir)
	}
	res.ClaimedVersion = st.VersionAbove(plan.RoleClaimed, st.Claimed) + 1
	prevVersion := st.Claimed.Version
	rekeyWarnings := rekeyVersionWarnings(st, res.Rekeyed)
	nextFile, err := nextClaimedFile(st.ClaimedFile, res.Accepted, res.Rekeyed, res.ClaimedVersion, profiles.Expiry(now, cp.expiresDays))
	if err != nil {
		return nil, err
	}
	if opts.ReviewOnly {
		return res, nil
	}
	// The trusted claimed parsed, and its canonical form, are done with:
	// the collector may have them before claimed's next version is written
	// out (at 100,000 projects, 53 MB and its index). Its bytes stay, to be
	// kept in the workspace.
	st.ClaimedFile.ReleaseCanonical()
	st.ClaimedFile = nil
	own, err := reviewedFiles(rep, res, st, opts)
	if err != nil {
		return nil, err
	}
	rule, err := threshold.FromTargets(st.Targets, plan.RoleClaimed, threshold.Label(metadata.TARGETS, st.Targets.Version))
	if err != nil {
		return nil, err
	}
	state := workspace.State{Kind: workspace.Claims, Profile: string(plan.ProfilePEP480), Repository: st.Repository,
		Created: now, Roles: []string{plan.RoleClaimed}, Trusted: []string{metadata.ROOT, metadata.TARGETS, plan.RoleClaimed},
		Keys:     append(claimedKeyEntries(rule, cp, st), maintainerKeyEntries(slices.Concat(res.Accepted, res.Rekeyed), rep)...),
		Warnings: slices.Concat(cp.warnings, rekeyWarnings), AttestationRoots: string(rootsPEM), DateConfirmed: opts.DateConfirmed}
	state.Rehearsal = cp.plan != nil && cp.plan.Rehearsal.Any()
	if state.Repository == "" && cp.plan != nil {
		state.Repository = cp.plan.Repository
	}
	if cp.plan != nil {
		state.PlanDir = cp.plan.Dir
	}
	request, err := claimsRequestYAML(opts, cp, now)
	if err != nil {
		return nil, err
	}
	ws, err := delegated.Create(opts.Dir, state, request, nextFile, st.Bytes, own, Kind{}, func(w *workspace.Workspace) string {
		return claimsInitMessage(w, prevVersion, res)
	}, cp.attested)
	if err != nil {
		return res, err
	}
	res.Workspace = ws
	return res, nil
}

// checkOptions refuses, before any work, a request without claims, a
// rekey without its reason, and a workspace directory in use.
func checkOptions(opts Options) error {
	if opts.ClaimsDir == "" {
		return fmt.Errorf("no directory of claim requests given (--claims DIR)")
	}
	if err := claims.CheckRekeys(opts.Rekey); err != nil {
		return err
	}
	for _, r := range opts.Rekey {
		if r.Reason == "" {
			return fmt.Errorf("--rekey %s: give the reason (--rekey %s=REASON): the transcript records why a claimed project's keys change", r.Project, r.Project)
		}
	}
	if !opts.ReviewOnly {
		return workspace.CheckNew(opts.Dir)
	}
	return nil
}

// reviewedFiles are the claims workspace's own files: the request files as
// reviewed, each checked against the hash the review gave it, the review
// (claims-review.json) and the projects accepted and rekeyed
// (accepted-projects.json).
func reviewedFiles(rep *claims.Report, res *Result, st *source.TrustedState, opts Options) (map[string][]byte, error) {
	reviewFile := ReviewFile{Type: delegated.ClaimsReviewType, Version: delegated.ClaimsFilesVersion, ClaimedBefore: rep.Claimed,
		MaxAgeDays: int(opts.MaxAge / (24 * time.Hour)), RequireAttestation: opts.RequireAttestation, Verdicts: []ClaimVerdict{}, Ignored: rep.Ignored}
	own := map[string][]byte{}
	entry := map[string]string{} // request path -> entry
	for _, v := range rep.Verdicts {
		name := workspace.ClaimsDir + "/" + filepath.Base(v.File)
		if err := bundle.CheckName(name); err != nil {
			return nil, fmt.Errorf("claim request %s: its file name cannot be carried in a bundle (%v): rename it", v.File, err)
		}
		cv := ClaimVerdict{File: name, SHA256: v.SHA256, Project: v.Project, Outcome: v.Outcome(), Reason: v.Reason, Flags: v.Flags}
		if v.Previous != nil {
			cv.RekeyReason, cv.PreviousKeyIDs, cv.PreviousThreshold = v.RekeyReason, sortedCopy(v.Previous.KeyIDs), v.Previous.Threshold
		}
		reviewFile.Verdicts = append(reviewFile.Verdicts, cv)
		if v.SHA256 == "" {
			continue // unreadable: refused, nothing to keep
		}
		data, err := claims.ReadRequest(v.File)
		if err != nil {
			return nil, fmt.Errorf("failed to read claim request %s again: %w", v.File, err)
		}
		if transcripts.Sum(data) != v.SHA256 {
			return nil, fmt.Errorf("claim request %s changed while it was reviewed: make the claims workspace again from the requests as they are now", v.File)
		}
		own[name], entry[v.File] = data, name
	}
	accepted := delegated.AcceptedProjects{Type: delegated.AcceptedType, Version: delegated.ClaimsFilesVersion, Repository: st.Repository, ClaimedVersion: res.ClaimedVersion,
		Projects: []delegated.AcceptedProject{}}
	for _, c := range res.Accepted {
		d := claims.Delegation(c)
		accepted.Projects = append(accepted.Projects, delegated.AcceptedProject{Project: c.Project, ClaimFile: entry[c.File], ClaimSHA256: c.SHA256,
			KeyIDs: d.KeyIDs, Threshold: c.Threshold, SeenVersion: st.Seen[c.Project]})
	}
	for _, c := range res.Rekeyed {
		v := rep.Rekey(c.Project)
		accepted.Rekeyed = append(accepted.Rekeyed, delegated.RekeyedProject{Project: c.Project, Reason: v.RekeyReason, ClaimFile: entry[c.File],
			ClaimSHA256: c.SHA256, KeyIDs: claims.Delegation(c).KeyIDs, Threshold: c.Threshold,
			PreviousKeyIDs: sortedCopy(v.Previous.KeyIDs), PreviousThreshold: v.Previous.Threshold, SeenVersion: st.Seen[c.Project]})
	}
	var err error
	if own[workspace.ClaimsReviewFile], err = strictjson.Encode(reviewFile); err != nil {
		return nil, err
	}
	if own[workspace.AcceptedFile], err = strictjson.Encode(accepted); err != nil {
		return nil, err
	}
	return own, nil
}

// claimsPlanned is what a claims ceremony takes from a plan.
type claimsPlanned struct {
	plan        *plan.Plan
	planSHA256  string
	expiresDays int
	warnings    []string
	// attestations are the keyholders' attestations by name, attested
	// those checked (for the transcript).
	attestations map[string]string
	attested     []ceremony.AttestedHolder
}

// claimsPlan finds the plan: opts.Plan, a bootstrap or next-root
// workspace's, or a claims workspace's request; or none.
func claimsPlan(k *keys.Backends, opts Options, st *source.TrustedState) (*claimsPlanned, error) {
	cp := &claimsPlanned{expiresDays: 365}
	var err error
	switch {
	case opts.Plan != "":
		data, rerr := bounded.ReadFile(opts.Plan, plan.MaxPlanSize)
		if rerr != nil {
			return nil, fmt.Errorf("failed to read plan: %w", rerr)
		}
		cp.planSHA256 = transcripts.Sum(data)
		if cp.plan, err = plan.Load(opts.Plan, k); err != nil {
			return nil, err
		}
	case st.PlanFile != "":
		data, rerr := bounded.ReadFile(st.PlanFile, plan.MaxPlanSize)
		if rerr != nil {
			return nil, fmt.Errorf("failed to read the plan of %s: %w", st.From, rerr)
		}
		cp.planSHA256 = transcripts.Sum(data)
		if cp.plan, err = plan.Parse(data, st.PlanFile, st.PlanDir, k); err != nil {
			return nil, fmt.Errorf("the plan of workspace %s does not load (%v): give the plan with --plan", st.From, err)
		}
	case st.Request != nil:
		cp.expiresDays = st.Request.ClaimedExpiresDays
		return cp, nil
	default:
		cp.warnings = append(cp.warnings, "no plan given: claimed expires in 365 days and its keyholders are named by key ID; give --plan to name them")
		return cp, nil
	}
	if cp.plan.Profile != plan.ProfilePEP480 || cp.plan.Roles.Claimed == nil {
		return nil, fmt.Errorf("%s: profile %s has no claimed role: a claims ceremony needs a pep480 plan", cp.plan.Path, cp.plan.Profile)
	}
	cp.expiresDays = cp.plan.Roles.Claimed.ExpiresDays
	cp.warnings = append(cp.warnings, cp.plan.Warnings...)
	if cp.attestations, _, cp.attested, err = ceremony.VerifyAttestations(cp.plan); err != nil {
		return nil, err
	}
	return cp, nil
}

// claimsAttestationRoots reads the attestation roots: the file given, else
// the plan's rehearsal roots; nil means Yubico's.
func claimsAttestationRoots(file string, p *plan.Plan) ([]byte, error) {
	if file == "" && p != nil {
		file = p.Rehearsal.AttestationRoots
	}
	if file == "" {
		return nil, nil
	}
	data, err := source.ReadLimited(file, 1<<20)
	if err != nil {
		return nil, fmt.Errorf("attestation roots: %w", err)
	}
	if certPool(data) == nil {
		return nil, fmt.Errorf("attestation roots %s: no PEM certificate in it", file)
	}
	return data, nil
}

// certPool is the pool of the PEM certificates, nil if none (Yubico's).
func certPool(pemData []byte) *x509.CertPool {
	if len(pemData) == 0 {
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return nil
	}
	return pool
}

// claimedKeyEntries names the keys targets delegates claimed to, and the
// plan's witnesses.
func claimedKeyEntries(rule threshold.Rule, cp *claimsPlanned, st *source.TrustedState) []workspace.KeyEntry {
	var out []workspace.KeyEntry
	for _, id := range rule.KeyIDs {
		name, contact, uri := source.NameFor(rule.Keys[id], cp.plan, st.Names)
		if name == "" {
			name = "claimed key " + ceremony.AbbrevHash(id)
		}
		out = append(out, workspace.KeyEntry{KeyID: id, Holder: name, Contact: contact, URI: uri, Attestation: cp.attestations[name]})
	}
	if cp.plan != nil {
		for _, w := range cp.plan.Witnesses {
			out = append(out, workspace.KeyEntry{KeyID: w.KeyID, Holder: w.Name, Contact: w.Contact, URI: w.Key, Witness: true})
		}
	}
	return out
}

// maintainerKeyEntries names the keys of the accepted claims, and the keys
// a rekey replaces, so that reviews say whose they are.
func maintainerKeyEntries(accepted []claims.Claim, rep *claims.Report) []workspace.KeyEntry {
	var out []workspace.KeyEntry
	named := map[string]bool{}
	for _, c := range accepted {
		d := claims.Delegation(c)
		for _, id := range d.KeyIDs {
			out = append(out, workspace.KeyEntry{KeyID: id, Holder: c.Project + " maintainer", Project: c.Project})
			named[id] = true
		}
	}
	for _, c := range accepted {
		v := rep.Rekey(c.Project)
		if v == nil {
			continue
		}
		for _, id := range sortedCopy(v.Previous.KeyIDs) {
			if !named[id] {
				named[id] = true
				out = append(out, workspace.KeyEntry{KeyID: id, Holder: c.Project + " maintainer (replaced key)", Project: c.Project})
			}
		}
	}
	return out
}

// nextClaimed makes t, the trusted claimed, its next version: as it is,
// at version and expiring at expires, with each rekeyed project's
// delegation given the claim's keys and threshold in place (rekeyClaimed),
// and a delegation to each accepted project added after its own, in
// descending name order (a longer name before the shorter one its legacy
// sdist names also match: see claims.ProjectPaths). t is changed in place:
// decoding claimed again would take seconds.
func nextClaimed(t *metadata.TargetsType, accepted, rekeyed []claims.Claim, version int64, expires time.Time) (*metadata.TargetsType, error) {
	t.Version, t.Expires = version, expires
	if t.Delegations == nil {
		t.Delegations = &metadata.Delegations{}
	}
	d := t.Delegations
	if d.Keys == nil {
		d.Keys = map[string]*metadata.Key{}
	}
	replaced, err := rekeyClaimed(d, rekeyed)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, r := range d.Roles {
		have[r.Name] = true
	}
	sorted := append([]claims.Claim(nil), accepted...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Project > sorted[j].Project })
	for _, c := range sorted {
		if have[c.Project] {
			return nil, fmt.Errorf("the trusted claimed delegates %q already: it cannot be added again", c.Project)
		}
		have[c.Project] = true
		for id, k := range c.Keys {
			if _, ok := d.Keys[id]; !ok {
				d.Keys[id] = k
			}
		}
		d.Roles = append(d.Roles, claims.Delegation(c))
	}
	dropUnusedKeys(d, replaced)
	return t, nil
}

// nextClaimedFile is claimed's next version, unsigned: written from the
// trusted version's canonical form when the ceremony only adds projects
// (nextCanonical), else decoded whole, changed (nextClaimed) and encoded.
func nextClaimedFile(trusted *metafile.File, accepted, rekeyed []claims.Claim, version int64, expires time.Time) (*metafile.File, error) {
	if len(rekeyed) == 0 {
		if f, ok, err := nextCanonical(trusted, accepted, version, expires); err != nil || ok {
			return f, err
		}
	}
	t, err := trusted.Targets()
	if err != nil {
		return nil, fmt.Errorf("the trusted claimed: %w", err)
	}
	next, err := nextClaimed(t, accepted, rekeyed, version, expires)
	if err != nil {
		return nil, err
	}
	return metafile.FromSigned(next)
}

// claimsRequestYAML is the workspace's plan.yaml: the ceremony as asked.
func claimsRequestYAML(opts Options, cp *claimsPlanned, now time.Time) ([]byte, error) {
	req := delegated.ClaimsRequestFile{Claims: delegated.ClaimsRequest{From: opts.From, ClaimsDir: opts.ClaimsDir, Plan: opts.Plan, PlanSHA256: cp.planSHA256,
		ClaimedExpiresDays: cp.expiresDays, Time: now.Format(time.RFC3339), Rekey: opts.Rekey}}
	b, err := yaml.Marshal(req)
	if err != nil {
		return nil, err
	}
	return append([]byte("# The claims ceremony as asked of 'ceremony claims init'; its review is claims-review.json.\n"), b...), nil
}

// claimsInitMessage is the init record's message: what claimed adds, each
// rekey with its keys before and after and its reason.
func claimsInitMessage(w *workspace.Workspace, prevVersion int64, res *Result) string {
	var names, changes []string
	for _, c := range res.Accepted {
		names = append(names, c.Project)
	}
	if len(names) > 0 {
		changes = append(changes, "adds "+strings.Join(names, ", "))
	}
	for _, c := range res.Rekeyed {
		changes = append(changes, rekeyText(res.Review.Rekey(c.Project)))
	}
	return fmt.Sprintf("claims ceremony, profile %s, claimed v%d from v%d: %s (%d request(s) refused); signing %v",
		w.State.Profile, res.ClaimedVersion, prevVersion, strings.Join(changes, "; "), res.Review.Count(claims.Refused), w.State.Roles)
}
