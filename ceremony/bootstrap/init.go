package bootstrap

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Options says what workspace to create.
type Options struct {
	// Plan is the plan file.
	Plan string
	// Dir is the new workspace; it must not exist or be empty.
	Dir string
	// TrustedRoot, if set, is the current root: the workspace then
	// prepares the next root version. It may also be the repository
	// directory or finished workspace holding that root: the offline roles
	// whose keys the plan changes are then signed again too (rotateinit.go).
	TrustedRoot string
	// Now is the time expiry periods count from; zero means the engine's clock.
	Now time.Time
	// DateConfirmed is what ceremony.ConfirmDate returned, kept in the
	// workspace's state; "" if the date was not confirmed.
	DateConfirmed string
}

// Init checks the plan in full, builds the unsigned metadata the profile
// calls for and creates the workspace. Nothing is written if any check fails.
func Init(e *ceremony.Engine, opts Options) (*workspace.Workspace, error) {
	now := e.NowOr(opts.Now)
	planBytes, err := os.ReadFile(opts.Plan)
	if err != nil {
		return nil, fmt.Errorf("failed to read plan: %w", err)
	}
	p, err := plan.Load(opts.Plan, e.Keys())
	if err != nil {
		return nil, err
	}
	state := workspace.State{
		Kind:       workspace.Bootstrap,
		Profile:    string(p.Profile),
		Repository: p.Repository,
		Created:    now.UTC().Truncate(time.Second),
		Warnings:   p.Warnings,
		Rehearsal:  p.Rehearsal.Any(),

		DateConfirmed: opts.DateConfirmed,
	}
	if dir, err := filepath.Abs(filepath.Dir(opts.Plan)); err == nil {
		state.PlanDir = dir
	}
	roles := map[string]*metafile.File{}

	var trustedBytes []byte
	version := int64(1)
	if opts.TrustedRoot != "" {
		trustedBytes, err = readTrustedFrom(opts.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("failed to read trusted root: %w", err)
		}
		trusted, err := source.VerifyTrustedRoot(opts.TrustedRoot, trustedBytes)
		if err != nil {
			return nil, err
		}
		state.Kind = workspace.NextRoot
		state.TrustedRootVersion = trusted.Version
		version = trusted.Version + 1
		state.Keys = append(state.Keys, previousKeys(trusted, p)...)
	}

	root, err := profiles.Root(p, version, now)
	if err != nil {
		return nil, err
	}
	if roles[metadata.ROOT], err = metafile.FromSigned(root); err != nil {
		return nil, err
	}
	state.Roles = []string{metadata.ROOT}
	// A next-root ceremony signs root only; bootstrap signs every offline role.
	if state.Kind == workspace.Bootstrap && p.Profile != plan.ProfileRSTUF {
		t, err := profiles.Targets(p, 1, now)
		if err != nil {
			return nil, err
		}
		if roles[metadata.TARGETS], err = metafile.FromSigned(t); err != nil {
			return nil, err
		}
		state.Roles = append(state.Roles, metadata.TARGETS)
		if p.Profile == plan.ProfilePEP480 {
			if roles[plan.RoleClaimed], err = metafile.FromSigned(profiles.Claimed(p, 1, now)); err != nil {
				return nil, err
			}
			state.Roles = append(state.Roles, plan.RoleClaimed)
		}
	}
	if state.Kind == workspace.NextRoot {
		if err := addResigned(opts.TrustedRoot, root, p, now, roles, &state); err != nil {
			return nil, err
		}
	}
	attestations, roots, attested, err := ceremony.VerifyAttestations(p)
	if err != nil {
		return nil, err
	}
	state.AttestationRoots = roots
	keygens, err := ceremony.KeygenEvidence(p)
	if err != nil {
		return nil, err
	}
	state.Keys = append(planKeys(p, attestations), state.Keys...)
	return workspace.Create(opts.Dir, state, planBytes, trustedBytes, roles, func(w *workspace.Workspace) error {
		return ceremony.RecordInit(w, planBytes, trustedBytes, attested, keygens, p.Witnesses)
	})
}

func planKeys(p *plan.Plan, attestations map[string]string) []workspace.KeyEntry {
	var out []workspace.KeyEntry
	for _, h := range p.Keyholders {
		out = append(out, workspace.KeyEntry{KeyID: h.KeyID, Holder: h.Name, Contact: h.Contact, URI: h.Key, Attestation: attestations[h.Name]})
	}
	for _, k := range p.Online {
		out = append(out, workspace.KeyEntry{KeyID: k.KeyID, Holder: k.Name, URI: k.URI, Online: true})
	}
	for _, w := range p.Witnesses {
		out = append(out, workspace.KeyEntry{KeyID: w.KeyID, Holder: w.Name, Contact: w.Contact, URI: w.Key, Witness: true})
	}
	return out
}

// previousKeys names the keys of the trusted root that the plan does not
// list under the same key ID: keyholders who leave (by their RSTUF name
// where they have one), and keyholders the previous root lists under
// another key ID (by the plan's name for them).
func previousKeys(root *metadata.RootType, p *plan.Plan) []workspace.KeyEntry {
	var out []workspace.KeyEntry
	for id, k := range root.Keys {
		name, listed := "", false
		for _, h := range p.Keyholders {
			if keys.SameKey(h.TUFKey, k) {
				name, listed = h.Name, h.KeyID == id
			}
		}
		for _, o := range p.Online {
			if keys.SameKey(o.TUFKey, k) {
				name, listed = o.Name, o.KeyID == id
			}
		}
		if listed {
			continue
		}
		if name == "" {
			name, _ = k.UnrecognizedFields[profiles.RSTUFKeyName].(string)
		}
		if name == "" {
			name = "previous key " + id[:min(12, len(id))]
		}
		out = append(out, workspace.KeyEntry{KeyID: id, Holder: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].KeyID < out[j].KeyID })
	return out
}
