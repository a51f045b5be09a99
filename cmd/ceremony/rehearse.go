//go:build cgo

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/tuf-ceremony/ceremony/rehearsal"
	"github.com/tuf-ceremony/ceremony/rehearsal/scenario"
	"github.com/tuf-ceremony/ceremony/tui"
)

// runRehearse is 'ceremony rehearse': the ceremony's terminal app on
// simulated devices (virtual YubiKeys behind a private pcscd, SoftHSM2
// tokens, a key file) set up in a fresh directory, with practice PINs on
// screen, so that anyone can practice a whole bootstrap on any laptop.
// Given the directory of a rehearsal that stopped, it opens its devices
// again and carries on where the workspace stands. --scenario practises a
// later ceremony (root rotation, emergency rotation, claims) from a
// bootstrap the lab finishes on its own (package rehearsal/scenario).
func runRehearse(env *runEnv, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rehearse", flag.ContinueOnError)
	profile := fs.String("profile", "pep458", "the repository's profile: rstuf, pep458 or pep480")
	dir := fs.String("dir", "", "where the simulated devices, keys, plan, workspace and bundle go (default: a new temporary directory); a rehearsal's directory carries it on")
	scen := fs.String("scenario", scenario.Bootstrap, "the ceremony to practise: bootstrap, root-rotation, emergency (after a compromise) or claims (PEP 480, a pep480 lab); the later ones start from a bootstrap finished without questions")
	who := fs.String("who", "operator", "who notes made in the app are recorded as made by")
	if _, err := parseFlags(fs, args, stderr, "[--profile rstuf|pep458|pep480] [--scenario bootstrap|root-rotation|emergency|claims] [--dir DIR]", 0, 0); err != nil {
		return err
	}
	if !slices.Contains(scenario.Names, *scen) {
		return usageError{fmt.Sprintf("--scenario %q: want bootstrap, root-rotation, emergency or claims", *scen)}
	}
	existing := *dir != "" && rehearsal.IsLab(*dir)
	if *scen == scenario.Claims && !flagSet(fs, "profile") {
		*profile = "pep480"
	}
	if !existing && *scen == scenario.Claims && *profile != "pep480" {
		return usageError{"--scenario claims needs --profile pep480: claimed is a PEP 480 role"}
	}
	lab, err := openOrSetUp(fs, *dir, *profile, *scen, stderr)
	if err != nil {
		return err
	}
	defer lab.Close()
	name, err := labScenario(fs, lab, *scen)
	if err != nil {
		return err
	}
	if name != scenario.Bootstrap && !scenario.BootstrapFinished(lab) {
		fmt.Fprintf(stderr, "ceremony: rehearsal: the %s scenario starts from a finished bootstrap: finishing it on the simulated devices, no questions asked\n", name)
	}
	sc, err := scenario.Prepare(env.engine, lab, name, env.engine.NowOr(time.Time{}))
	if err != nil {
		return err
	}

	// From here on a person is at the keyboard: the virtual YubiKeys wait
	// for the touch (t), as real ones wait for a finger.
	lab.PracticeTouch(true)
	r := appRehearsal(lab)
	ws, out := filepath.Join(lab.Dir(), "workspace"), filepath.Join(lab.Dir(), "bundle.tar")
	var m tui.Model
	switch {
	case sc == nil && isWorkspace(ws):
		m = tui.New(env.engine, ws).WithRehearsal(r).WithBundleOut(out)
	case sc == nil:
		m = tui.NewBootstrap(env.engine, lab.PlanPath(), ws, r).WithBundleOut(out)
	case isWorkspace(sc.Workspace):
		ws, out = sc.Workspace, sc.Workspace+".bundle.tar"
		m = tui.New(env.engine, ws).WithRehearsal(r)
	default:
		ws, out = sc.Workspace, sc.Workspace+".bundle.tar"
		m = tui.NewScenario(env.engine, lab.Dir(), r, tui.Scenario{Name: sc.Name, Choice: sc.Choice, Values: sc.Values, Story: sc.Story})
	}
	if err := runApp(m.WithWho(*who), stdout); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "ceremony: rehearsal: everything is in %s\n", lab.Dir())
	if err := lab.SaveErr(); err != nil {
		fmt.Fprintf(stderr, "ceremony: rehearsal: WARNING: %v; carried on, the virtual YubiKeys may be as they were before it\n", err)
	}
	if _, err := os.Stat(out); err == nil {
		fmt.Fprintf(stderr, "ceremony: hint: check it as the server operator and an auditor would: ceremony verify --rehearsal %s; ceremony replay %s\n", out, ws)
	} else {
		fmt.Fprintf(stderr, "ceremony: hint: carry on where it stopped: ceremony rehearse --dir %s\n", lab.Dir())
	}
	return nil
}

// labScenario is the scenario the lab is for: the one it was set up for.
// Another asked of a lab carried on is refused.
func labScenario(fs *flag.FlagSet, lab *rehearsal.Lab, asked string) (string, error) {
	had := scenario.Of(lab)
	if flagSet(fs, "scenario") && had != asked {
		return "", usageError{fmt.Sprintf("the rehearsal in %s is the %s scenario, not %s: leave out --scenario to carry it on, or give a new --dir", lab.Dir(), had, asked)}
	}
	return had, nil
}

// openOrSetUp opens the lab in dir when there is one, and sets up a new
// one otherwise (in a new temporary directory when dir is empty).
func openOrSetUp(fs *flag.FlagSet, dir, profile, scen string, stderr io.Writer) (*rehearsal.Lab, error) {
	if dir != "" && rehearsal.IsLab(dir) {
		fmt.Fprintf(stderr, "ceremony: rehearsal: opening the simulated devices in %s again\n", dir)
		lab, err := rehearsal.Open(dir)
		if err != nil {
			return nil, fmt.Errorf("failed to open the rehearsal's simulated devices: %w", err)
		}
		if flagSet(fs, "profile") && lab.Profile() != profile {
			lab.Close()
			return nil, usageError{fmt.Sprintf("the rehearsal in %s is a %s one, not %s: leave out --profile to carry it on, or give a new --dir", dir, lab.Profile(), profile)}
		}
		return lab, nil
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "ceremony-rehearsal-")
		if err != nil {
			return nil, fmt.Errorf("failed to make a directory for the rehearsal: %w", err)
		}
		dir = d
	}
	fmt.Fprintf(stderr, "ceremony: rehearsal: setting up simulated devices in %s\n", dir)
	if scen == scenario.Bootstrap {
		scen = ""
	}
	lab, err := rehearsal.SetupFor(dir, profile, scen)
	if err != nil {
		return nil, fmt.Errorf("failed to set up the rehearsal's simulated devices: %w", err)
	}
	return lab, nil
}

// appRehearsal is what the app is told of the lab: the practice secrets
// and the hand that moves the virtual YubiKeys.
func appRehearsal(lab *rehearsal.Lab) *tui.Rehearsal {
	r := &tui.Rehearsal{Dir: lab.Dir(), Tray: lab, Touch: lab.Touch}
	for _, h := range lab.Holders() {
		r.Practice = append(r.Practice, tui.Practice{Holder: h.Name, Device: h.Device, Serial: h.Serial, Secret: h.Secret, PUK: h.PUK})
	}
	return r
}

// labOf opens the rehearsal lab a workspace lies in, for 'ceremony tui' on
// a rehearsal's workspace; nil when the workspace is not in a lab.
func labOf(ws string) (*tui.Rehearsal, func(), error) {
	abs, err := filepath.Abs(ws)
	if err != nil || !rehearsal.IsLab(filepath.Dir(abs)) {
		return nil, func() {}, nil
	}
	lab, err := rehearsal.Open(filepath.Dir(abs))
	if err != nil {
		return nil, nil, fmt.Errorf("%s is a rehearsal's workspace, and its simulated devices did not open: %w", ws, err)
	}
	lab.PracticeTouch(true)
	return appRehearsal(lab), func() { lab.Close() }, nil
}

// isWorkspace says whether dir holds a workspace (its ceremony.json).
func isWorkspace(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "ceremony.json"))
	return !errors.Is(err, fs.ErrNotExist)
}
