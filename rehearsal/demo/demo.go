// Package demo is 'ceremony demo': a whole rehearsal with throwaway keys
// held in memory, run without questions through the same ceremony steps a
// real ceremony uses (init, sign, seal, bundle), then the online side
// played by package publish. Tests and 'make demo-auto' use it for a
// complete, verifiable set of workspaces, bundles and a repository.
package demo

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Options says where to run a rehearsal.
type Options struct {
	Profile plan.Profile
	// Out must not exist or be empty.
	Out string
	// Log receives a narrative of the steps.
	Log io.Writer
	// Now is the ceremony's time; zero means time.Now().
	Now time.Time
	// Engine runs the steps; nil means one for every kind, with file keys
	// (the demo's keys are in memory).
	Engine *ceremony.Engine
}

// Target is the sample target every demo repository serves.
const Target = "packages/ceremony-demo-1.0.tar.gz"

// The layout under Options.Out. Later steps extend it; these names
// stay.
const (
	BootstrapWorkspace = "workspace"
	RootV2Workspace    = "workspace-root-v2"
	Repository         = "repository"
	// Bundle and RootV2Bundle are the bundles of the two workspaces;
	// RSTUFBootstrap the RSTUF bootstrap payload (rstuf profile).
	Bundle         = "bundle.tar"
	RootV2Bundle   = "bundle-root-v2.tar"
	RSTUFBootstrap = "rstuf-bootstrap.json"
)

type demoHolder struct {
	name    string
	keyType keys.KeyType
}

// The demo's keyholders: erin leaves and frank joins at the root rotation.
var demoHolders = []demoHolder{
	{"alice", keys.TypeEd25519},
	{"bob", keys.TypeECDSAP256},
	{"carol", keys.TypeECDSAP384},
	{"dave", keys.TypeEd25519},
	{"erin", keys.TypeECDSAP256},
	{"frank", keys.TypeEd25519},
}

// Run runs a whole rehearsal with throwaway keys held in memory (never
// written): a 3-of-5 root bootstrap with the profile's offline roles, a
// root rotation to v2 in which one keyholder leaves and one joins (signed
// under both thresholds), and the online side played with a throwaway
// online key. It writes plans, public keys, both workspaces and a
// repository that any TUF client trusting repository/metadata/1.root.json
// can refresh from and download Target.
func Run(opts Options) error {
	r := newRehearsal(opts)
	if err := checkEmptyDir(r.out); err != nil {
		return err
	}
	if err := atomicfile.MkdirAll(filepath.Join(r.out, "keys"), 0o755); err != nil {
		return err
	}
	r.say("rehearsal of a %s ceremony in %s (throwaway keys, held in memory only)", r.profile, r.out)
	if err := r.generateKeys(); err != nil {
		return err
	}
	ws1, err := r.bootstrap()
	if err != nil {
		return err
	}
	ws2, rotatePlan, err := r.rotateRoot(ws1)
	if err != nil {
		return err
	}
	repo, err := r.repository(rotatePlan, ws1, ws2)
	if err != nil {
		return err
	}
	if err := r.writeBundles(ws1, ws2); err != nil {
		return err
	}
	if r.profile == plan.ProfileRSTUF {
		if err := r.writeRSTUFBootstrap(); err != nil {
			return err
		}
	}
	r.say("online side (simulated): publishing %s with the throwaway online key", repo.Dir)
	return publish.Write(repo)
}

// rehearsal is the state the steps of Run share.
type rehearsal struct {
	out     string
	profile plan.Profile
	now     time.Time
	eng     *ceremony.Engine
	say     func(format string, args ...any)
	// signers are the keyholders' keys, by name; online the online key.
	signers map[string]keys.Signer
	online  keys.Signer
}

// newRehearsal is the rehearsal opts asks for, with the defaults filled
// in.
func newRehearsal(opts Options) *rehearsal {
	r := &rehearsal{out: opts.Out, profile: opts.Profile, now: opts.Now, eng: opts.Engine, signers: map[string]keys.Signer{}}
	if r.now.IsZero() {
		r.now = time.Now()
	}
	if r.profile == "" {
		r.profile = plan.ProfilePEP458
	}
	if r.eng == nil {
		r.eng = kinds.Engine(keys.NewBackends())
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	r.say = func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }
	return r
}

// generateKeys makes a throwaway key for every keyholder and the online
// key, and writes their public keys under out/keys.
func (r *rehearsal) generateKeys() error {
	for _, h := range demoHolders {
		s, err := keys.GenerateSoftware("memory:"+h.name, h.keyType)
		if err != nil {
			return err
		}
		r.signers[h.name] = s
		if err := writePublicKey(r.out, h.name, s); err != nil {
			return err
		}
		r.say("  key for %-5s %-10s %s", h.name, h.keyType, mustID(s))
	}
	online, err := keys.GenerateSoftware("memory:online", keys.TypeEd25519)
	if err != nil {
		return err
	}
	r.online = online
	return writePublicKey(r.out, "online", online)
}

// bootstrap runs the bootstrap ceremony in a new workspace and returns its
// directory.
func (r *rehearsal) bootstrap() (string, error) {
	planPath := filepath.Join(r.out, "plan-bootstrap.yaml")
	if err := r.writePlan(planPath, "alice", "bob", "carol", "dave", "erin"); err != nil {
		return "", err
	}
	ws := filepath.Join(r.out, BootstrapWorkspace)
	r.say("init: %s from %s", ws, planPath)
	if _, err := bootstrap.Init(r.eng, bootstrap.Options{Plan: planPath, Dir: ws, Now: r.now}); err != nil {
		return "", err
	}
	// Four sign where three would do: tuf-js (npm) checks every ECDSA
	// signature with SHA-256 whatever the scheme, so carol's P-384 signature
	// does not count there; the thresholds hold for every client without it.
	signers := []string{"alice", "bob", "carol", "dave"}
	if err := r.signAndSeal(ws, signers, "alice", "bob", "carol"); err != nil {
		return "", err
	}
	return ws, nil
}

// rotateRoot runs the rotation to root v2 in a new workspace that trusts
// the root of the bootstrap workspace ws1. It returns the workspace's
// directory and its plan.
func (r *rehearsal) rotateRoot(ws1 string) (ws, planPath string, err error) {
	planPath = filepath.Join(r.out, "plan-root-v2.yaml")
	if err := r.writePlan(planPath, "alice", "bob", "carol", "dave", "frank"); err != nil {
		return "", "", err
	}
	ws = filepath.Join(r.out, RootV2Workspace)
	r.say("init: %s, root v2 from %s (erin leaves, frank joins)", ws, planPath)
	trusted := filepath.Join(ws1, workspace.MetadataDir, "root.json")
	if _, err := bootstrap.Init(r.eng, bootstrap.Options{Plan: planPath, Dir: ws, TrustedRoot: trusted, Now: r.now}); err != nil {
		return "", "", err
	}
	// erin signs for the previous root only, frank for the new one only.
	signers := []string{"alice", "bob", "erin", "frank"}
	if err := r.signAndSeal(ws, signers, "alice", "bob", "frank"); err != nil {
		return "", "", err
	}
	return ws, planPath, nil
}

// writePlan writes the demo plan with rootHolders holding root to
// planPath.
func (r *rehearsal) writePlan(planPath string, rootHolders ...string) error {
	return atomicfile.WriteNew(planPath, []byte(demoPlan(r.profile, rootHolders)), 0o644)
}

// signAndSeal has signers sign in the workspace ws, checks that every
// threshold is met, and has sealers seal its transcript.
func (r *rehearsal) signAndSeal(ws string, signers []string, sealers ...string) error {
	for _, name := range signers {
		if err := demoSign(r.eng, r.say, ws, r.signers[name], r.now); err != nil {
			return err
		}
	}
	if err := demoRequireMet(ws); err != nil {
		return err
	}
	seal := make([]keys.Signer, len(sealers))
	for i, name := range sealers {
		seal[i] = r.signers[name]
	}
	return demoSeal(r.eng, r.say, ws, seal...)
}

// repository is what to publish: both workspaces' roots, the offline
// roles of the bootstrap workspace ws1, and the demo target, under the
// rotation's plan.
func (r *rehearsal) repository(rotatePlan, ws1, ws2 string) (*publish.Repository, error) {
	p, err := plan.Load(rotatePlan, r.eng.Keys())
	if err != nil {
		return nil, err
	}
	w1, err := workspace.Open(ws1)
	if err != nil {
		return nil, err
	}
	w2, err := workspace.Open(ws2)
	if err != nil {
		return nil, err
	}
	root1, err := w1.Metadata(metadata.ROOT)
	if err != nil {
		return nil, err
	}
	root2, err := w2.Metadata(metadata.ROOT)
	if err != nil {
		return nil, err
	}
	offline := map[string]*metafile.File{}
	for _, role := range w1.State.Roles[1:] {
		if offline[role], err = w1.Metadata(role); err != nil {
			return nil, err
		}
	}
	return &publish.Repository{
		Dir: filepath.Join(r.out, Repository), Roots: []*metafile.File{root1, root2}, Offline: offline, Plan: p, Online: r.online,
		Targets: []publish.Target{{Path: Target, Data: []byte("ceremony demo target: this is what a client downloads\n")}},
		Now:     r.now,
	}, nil
}

// writeBundles writes the bundles of the workspaces ws1 and ws2.
func (r *rehearsal) writeBundles(ws1, ws2 string) error {
	for _, b := range []struct{ ws, out string }{{ws1, Bundle}, {ws2, RootV2Bundle}} {
		res, err := r.eng.Bundle(ceremony.BundleOptions{Dir: b.ws, Out: filepath.Join(r.out, b.out), Now: r.now})
		if err != nil {
			return err
		}
		r.say("bundle: %s sha256 %s\n  %s", res.Out, res.SHA256, res.PGPWords)
	}
	return nil
}

// writeRSTUFBootstrap writes the RSTUF bootstrap payload exactly as the
// bootstrap bundle carries it, for the RSTUF API.
func (r *rehearsal) writeRSTUFBootstrap() error {
	bd, err := bundle.Read(filepath.Join(r.out, Bundle), bundle.DefaultLimits())
	if err != nil {
		return err
	}
	defer bd.Close()
	payload, ok := bd.Get(ceremony.BundleBootstrap)
	if err := bd.Err(); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("demo bundle has no %s", ceremony.BundleBootstrap)
	}
	return atomicfile.WriteNew(filepath.Join(r.out, RSTUFBootstrap), payload, 0o644)
}

func demoSeal(eng *ceremony.Engine, say func(string, ...any), dir string, signers ...keys.Signer) error {
	res, err := eng.Seal(dir, signers)
	if err != nil {
		return err
	}
	say("  transcript sealed by %s (head %s)", strings.Join(res.Holders, ", "), res.Head[:12])
	return nil
}

func demoSign(eng *ceremony.Engine, say func(string, ...any), dir string, s keys.Signer, now time.Time) error {
	res, err := eng.Sign(ceremony.SignOptions{Dir: dir, Signer: s, Now: now})
	if err != nil {
		return err
	}
	for _, sig := range res.Signed {
		say("  %-5s signed %s", sig.Holder, sig.Role)
	}
	return nil
}

func demoRequireMet(dir string) error {
	st, err := ceremony.GetStatus(dir)
	if err != nil {
		return err
	}
	if !st.AllMet() {
		return fmt.Errorf("demo workspace %q: thresholds not met after signing", dir)
	}
	return nil
}

func writePublicKey(out, name string, s keys.Signer) error {
	b, err := keys.MarshalKeyJSON(s.TUFKey())
	if err != nil {
		return err
	}
	return atomicfile.WriteNew(filepath.Join(out, "keys", name+".pub"), b, 0o644)
}

func mustID(s keys.Signer) string {
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		return "?"
	}
	return id[:12]
}

// demoPlan writes the plan a rehearsal team would write, for rootHolders.
func demoPlan(profile plan.Profile, rootHolders []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Rehearsal plan written by 'ceremony demo'. Keys are throwaway.\n")
	fmt.Fprintf(&b, "profile: %s\nrepository: demo.example\nconsistent_snapshot: true\nkeyholders:\n", profile)
	for _, h := range demoHolders {
		fmt.Fprintf(&b, "  - name: %s\n    contact: %s@demo.example\n    public_key: keys/%s.pub\n", h.name, h.name, h.name)
	}
	fmt.Fprintf(&b, "roles:\n  root:\n    keyholders: [%s]\n    threshold: 3\n    expires_days: 365\n", strings.Join(rootHolders, ", "))
	if profile != plan.ProfileRSTUF {
		fmt.Fprintf(&b, "  targets:\n    keyholders: [alice, bob, carol]\n    threshold: 2\n    expires_days: 365\n")
	} else {
		fmt.Fprintf(&b, "  targets:\n    expires_days: 365\n")
	}
	if profile == plan.ProfilePEP480 {
		fmt.Fprintf(&b, "  claimed:\n    keyholders: [alice, bob, carol]\n    threshold: 2\n    expires_days: 365\n")
	}
	fmt.Fprintf(&b, "  snapshot:\n    expires_days: 1\n  timestamp:\n    expires_days: 1\n  bins:\n    expires_days: 1\n    count: 16\n")
	fmt.Fprintf(&b, "online:\n  - name: online\n    public_key: keys/online.pub\n    uri: demo:online-key\n")
	return b.String()
}

func checkEmptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("failed to read output directory %q: %w", dir, err)
	}
	if len(entries) > 0 {
		return fmt.Errorf("output directory %q is not empty: choose a new one (outputs are never overwritten)", dir)
	}
	return nil
}
