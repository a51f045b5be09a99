// Package scenario sets up the later ceremonies of a rehearsal: a root
// rotation, an emergency rotation after a compromise and a PEP 480 claims
// ceremony. Each starts, as on the day, from a finished bootstrap: Prepare
// runs one without questions on the lab's simulated devices (init, four
// keyholders sign, alice seals, the bundle), and for the claims ceremony
// writes maintainers' claim requests, so that the team practises the
// ceremony they will need after the bootstrap, in the app, from its form.
//
// Prepare may run again on the same lab (a rehearsal carried on): what
// exists is kept, what is missing is made.
package scenario

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal"
)

// Names of the scenarios.
const (
	Bootstrap    = "bootstrap"
	RootRotation = "root-rotation"
	Emergency    = "emergency"
	Claims       = "claims"
)

// Names lists the scenarios, in the order a team meets them.
var Names = []string{Bootstrap, RootRotation, Emergency, Claims}

// The layout a scenario adds to the lab.
const (
	// BootstrapWorkspace is the finished bootstrap, the lab's workspace.
	BootstrapWorkspace = "workspace"
	// BootstrapBundle is its bundle.
	BootstrapBundle = "bundle.tar"
	// ClaimsDir holds the maintainers' claim requests.
	ClaimsDir = "claims"
)

// Scenario is what the app opens for a scenario: a choice of its chooser
// with the form filled in, and the story the practice card tells.
type Scenario struct {
	Name string
	// Choice is the title of the chooser's choice the form belongs to.
	Choice string
	// Values fill the form's fields, by label.
	Values map[string]string
	// Workspace is the workspace the form makes (absolute).
	Workspace string
	// Story says what happened and what the room is to do.
	Story []string
}

// Of is the scenario the lab was set up for: bootstrap when it names none.
func Of(lab *rehearsal.Lab) string {
	if lab.Scenario() == "" {
		return Bootstrap
	}
	return lab.Scenario()
}

// Prepare makes what the scenario starts from in the lab and returns the
// scenario. The bootstrap scenario needs nothing: it returns nil.
func Prepare(eng *ceremony.Engine, lab *rehearsal.Lab, name string, now time.Time) (*Scenario, error) {
	if !slices.Contains(Names, name) {
		return nil, fmt.Errorf("unknown scenario %q: want one of bootstrap, root-rotation, emergency, claims", name)
	}
	if name == Bootstrap {
		return nil, nil
	}
	if name == Claims && lab.Profile() != "pep480" {
		return nil, fmt.Errorf("the claims scenario needs a pep480 lab, and this one is %s: give --profile pep480 and a new --dir", lab.Profile())
	}
	if err := finishBootstrap(eng, lab, now); err != nil {
		return nil, fmt.Errorf("failed to finish the bootstrap the %s scenario starts from: %w", name, err)
	}
	ws := filepath.Join(lab.Dir(), BootstrapWorkspace)
	switch name {
	case RootRotation:
		out := filepath.Join(lab.Dir(), "workspace-rotation")
		return &Scenario{Name: name, Choice: "Planned key change (rotation)", Workspace: out,
			Values: map[string]string{"repository or last workspace": ws, "new workspace": out},
			Story: []string{
				"Suppose a year has passed since the bootstrap (" + BootstrapWorkspace + ", finished and sealed)",
				"and root expires soon. Practise the yearly re-sign: the offline roles at their",
				"next version with the same keys, each signed to its threshold. The form is",
				"filled in; enter works out the plan.",
			}}, nil
	case Emergency:
		out := filepath.Join(lab.Dir(), "workspace-recovery")
		return &Scenario{Name: name, Choice: "Emergency rotation after a compromise", Workspace: out,
			Values: map[string]string{"repository or last workspace": ws, "compromised keys": "erin", "new workspace": out},
			Story: []string{
				"Last night erin's laptop, with her key file, was stolen: an attacker may hold",
				"erin's root key. Practise the recovery: root v2 without erin's key, signed by",
				"3 of the other 4 under the old root and by the new threshold. The form names",
				"erin as compromised; enter works out the plan and what it weakens.",
			}}, nil
	}
	requests := filepath.Join(lab.Dir(), ClaimsDir)
	projects, err := writeClaims(requests, now)
	if err != nil {
		return nil, err
	}
	out := filepath.Join(lab.Dir(), "workspace-claims")
	return &Scenario{Name: name, Choice: "PEP 480 claims ceremony (take maintainers' claims into claimed)", Workspace: out,
		Values: map[string]string{"repository, last workspace or bundle": ws, "claim requests (directory)": requests, "new workspace": out},
		Story: []string{
			fmt.Sprintf("Maintainers sent %d claim requests (%s/): each names a project, its keys", len(projects), ClaimsDir),
			"and threshold, signed by every key. Two ask for sampleproject with other keys:",
			"the review refuses both, with the reason to send back (its maintainers must",
			"agree on one). Read the review aloud; claimed's keyholders then sign its next",
			"version. The form is filled in; enter reviews; nothing is written before y.",
		}}, nil
}

// BootstrapFinished says whether the bootstrap a scenario starts from is
// finished (its bundle written), so that Prepare has nothing to do for it.
func BootstrapFinished(lab *rehearsal.Lab) bool {
	_, err := os.Stat(filepath.Join(lab.Dir(), BootstrapBundle))
	return err == nil
}

// finishBootstrap makes the lab's workspace a finished, sealed bootstrap
// with its bundle, carrying on from whatever part of it exists.
func finishBootstrap(eng *ceremony.Engine, lab *rehearsal.Lab, now time.Time) error {
	ws := filepath.Join(lab.Dir(), BootstrapWorkspace)
	out := filepath.Join(lab.Dir(), BootstrapBundle)
	if _, err := os.Stat(filepath.Join(ws, "ceremony.json")); errors.Is(err, fs.ErrNotExist) {
		date, err := ceremony.ConfirmDate(now.UTC().Format(ceremony.DateLayout), "the rehearsal's own clock, for the bootstrap it set up", now)
		if err != nil {
			return err
		}
		if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: lab.PlanPath(), Dir: ws, Now: now, DateConfirmed: date}); err != nil {
			return err
		}
	}
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		return err
	}
	holders := map[string]rehearsal.Holder{}
	for _, h := range lab.Holders() {
		holders[h.Name] = h
	}
	if st.Seal == nil {
		if err := signAll(eng, lab, ws, holders, now); err != nil {
			return err
		}
		alice := holders["alice"]
		if err := at(lab, alice); err != nil {
			return err
		}
		s, err := eng.Keys().Open(alice.URI, alice.Prompter())
		if err != nil {
			return err
		}
		defer closeSigner(s)
		if _, err := eng.Seal(ws, []keys.Signer{s}); err != nil {
			return err
		}
	}
	if BootstrapFinished(lab) {
		return lab.Remove()
	}
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: now}); err != nil {
		return err
	}
	return lab.Remove()
}

// signAll has alice, bob, carol and dave, in turn, sign what they may and
// have not signed yet (a signing cut short is finished), until every
// threshold is met.
func signAll(eng *ceremony.Engine, lab *rehearsal.Lab, ws string, holders map[string]rehearsal.Holder, now time.Time) error {
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		st, err := ceremony.GetStatus(ws)
		if err != nil {
			return err
		}
		if st.AllMet() {
			return nil
		}
		if !missing(st, name) {
			continue // signed all they may before the rehearsal was stopped
		}
		h := holders[name]
		if err := at(lab, h); err != nil {
			return err
		}
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: h.URI, Prompter: h.Prompter(), Now: now}); err != nil {
			return fmt.Errorf("%s signs: %w", name, err)
		}
	}
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		return err
	}
	if !st.AllMet() {
		return errors.New("the thresholds are not met after alice, bob, carol and dave signed all they may")
	}
	return nil
}

// missing says whether holder may still sign a role they have not signed.
func missing(st *ceremony.Status, holder string) bool {
	for _, r := range st.Roles {
		for _, c := range r.Thresholds {
			if slices.ContainsFunc(c.Missing, func(p ceremony.Party) bool { return p.Holder == holder }) {
				return true
			}
		}
	}
	return false
}

// at puts h's virtual YubiKey in the reader, if h holds one.
func at(lab *rehearsal.Lab, h rehearsal.Holder) error {
	if h.Kind != rehearsal.KindYubiKey {
		return nil
	}
	return lab.Insert(h.Serial)
}

func closeSigner(s keys.Signer) {
	if c, ok := s.(keys.Closer); ok {
		c.Close()
	}
}
