package ceremony_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// bootstrapped is a finished pep458 bootstrap workspace (root 3 of 5,
// targets 2 of alice, bob, carol), with frank's and a second online key
// made for replacements.
func bootstrapped(t *testing.T) (*fixture, string) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
	f.signers["online2"] = f.newKey("online2", keys.TypeEd25519)
	ws := f.init(f.plan("plan.yaml", standardPlan()), "ws", "").Dir
	f.sign(ws, "alice", "bob", "carol", "dave")
	return f, ws
}

func (f *fixture) rotate(opts rotate.Options) (*rotate.Result, error) {
	opts.Now = testNow
	return rotate.Run(eng, opts)
}

func TestRotateWorkspace(t *testing.T) {
	f, ws := bootstrapped(t)
	dir := f.ws("ws-rotate")
	res, err := f.rotate(rotate.Options{From: ws, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.dir, "keys", "frank.pub")}}, Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	w := res.Workspace
	if w.State.Kind != workspace.Rotation || strings.Join(w.State.Roles, " ") != "root targets" || w.State.TrustedRootVersion != 1 {
		t.Fatalf("state: %+v", w.State)
	}
	for _, name := range []string{workspace.RotationFile, workspace.IncidentFile, workspace.PlanFile, workspace.TrustedRoot} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	// carol's key is named as compromised; frank's (her replacement,
	// named carol: the same holder on a new device, as --replace says).
	st, err := ceremony.GetStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	prev := st.Roles[0].Thresholds[0]
	if !strings.Contains(strings.Join(partyNames(prev.Missing), ","), "carol (compromised key)") {
		t.Errorf("previous root's missing: %v", partyNames(prev.Missing))
	}
	// The stolen key signs nothing here, and nothing is asked or written.
	before := readFile(t, filepath.Join(dir, "metadata", "root.json"))
	if _, err := eng.Sign(ceremony.SignOptions{Dir: dir, Signer: f.signers["carol"], Now: testNow}); !errors.Is(err, ceremony.ErrNotAuthorized) || !strings.Contains(err.Error(), "compromised (stolen)") {
		t.Fatalf("the stolen key signing: %v", err)
	}
	if !bytes.Equal(before, readFile(t, filepath.Join(dir, "metadata", "root.json"))) {
		t.Fatal("a refused signature changed root.json")
	}
	f.sign(dir, "alice", "bob", "dave", "frank")
	st, err = ceremony.GetStatus(dir)
	if err != nil || !st.AllMet() {
		t.Fatalf("status after signing: %v %+v", err, st)
	}
	// The incident report names who signed; written twice, the same.
	report, err := rotate.WriteIncidentReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Incident report: test.example (pep458)", "## What was compromised", "carol (" + f.id("carol")[:12] + "), stolen",
		"alice signed root with key " + f.id("alice")[:12], "root v2 under previous root v1: 3 of 3 (met)", "## The plan", "### Online steps, in order"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("the incident report lacks %q:\n%s", want, report)
		}
	}
	again, err := rotate.IncidentReport(dir)
	if err != nil || !bytes.Equal(again, report) {
		t.Errorf("the incident report is not the same twice: %v", err)
	}
	// The transcript replays; the plan is in its init record.
	rp, err := eng.Replay(dir)
	if err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}
	if !strings.Contains(rp.Account[0].Message, "emergency rotation ceremony") || !strings.Contains(rp.Account[0].Message, "stolen") {
		t.Errorf("init record: %q", rp.Account[0].Message)
	}
	// Sealed: the report says by whom.
	if _, err := eng.Seal(dir, []keys.Signer{f.signers["alice"], f.signers["frank"]}); err != nil {
		t.Fatal(err)
	}
	report, err = rotate.IncidentReport(dir)
	if err != nil || !strings.Contains(string(report), "signed by alice, carol") {
		t.Errorf("the sealed report: %v\n%s", err, report)
	}
}

func TestRotateBundle(t *testing.T) {
	f, ws := bootstrapped(t)
	dir := f.ws("ws-rotate")
	if _, err := f.rotate(rotate.Options{From: ws, Lost: []string{"dave"}, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	f.sign(dir, "alice", "bob", "carol")
	if _, err := eng.Seal(dir, []keys.Signer{f.signers["alice"]}); err != nil {
		t.Fatal(err)
	}
	one, two := filepath.Join(f.dir, "one.tar"), filepath.Join(f.dir, "two.tar")
	for _, out := range []string{one, two} {
		if _, err := eng.Bundle(ceremony.BundleOptions{Dir: dir, Out: out, Now: testNow}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(readFile(t, one), readFile(t, two)) {
		t.Fatal("bundling a rotation twice gives different bytes")
	}
	b, err := bundle.Read(one, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	plan, ok1 := b.Get(workspace.RotationFile)
	report, ok2 := b.Get(workspace.IncidentFile)
	if !ok1 || !ok2 || !bytes.Contains(report, []byte("dave (")) || !bytes.Equal(plan, readFile(t, filepath.Join(dir, workspace.RotationFile))) {
		t.Fatalf("the bundle's plan and incident report: %v %v", ok1, ok2)
	}
	readme, _ := b.Get(ceremony.BundleReadme)
	if i, j := bytes.Index(readme, []byte("READ "+workspace.IncidentFile+" FIRST")), bytes.Index(readme, []byte("UPLOAD")); i < 0 || j < 0 || i > j {
		t.Errorf("README.txt does not send the reader to the incident report before the upload:\n%s", readme)
	}
	rep, err := audit.VerifyBundle(eng, one, filepath.Join(ws, workspace.MetadataDir, "root.json"), testNow)
	if err != nil || !rep.OK() {
		t.Fatalf("verify bundle: %v %v", err, rep.Errors())
	}
	for _, fd := range rep.Findings {
		if fd.Check == "bundle" || fd.Check == "incident" {
			t.Errorf("finding: %+v", fd)
		}
	}
	rp, err := audit.ReplayBundle(eng, one)
	if err != nil || !rp.OK() {
		t.Fatalf("replay bundle: %v %+v", err, rp)
	}

	// A bundle whose incident report or plan was changed is refused.
	for _, name := range []string{workspace.IncidentFile, workspace.RotationFile} {
		var entries []bundle.Entry
		for _, e := range b.Entries {
			data := e.Data
			if e.Name == name {
				data = bytes.Replace(data, []byte("dave"), []byte("mallory"), 1)
			}
			entries = append(entries, bundle.Entry{Name: e.Name, Data: data})
		}
		bad := filepath.Join(f.dir, "bad-"+name+".tar")
		if _, err := bundle.Write(bad, entries); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.VerifyBundle(eng, bad, "", testNow)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, fd := range rep.Errors() {
			found = found || fd.File == name
		}
		if !found {
			t.Errorf("a changed %s was not refused: %v", name, rep.Errors())
		}
	}

	// A rotation.json changed in the workspace stops the bundle.
	p := filepath.Join(dir, workspace.RotationFile)
	if err := os.WriteFile(p, append(readFile(t, p), ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: dir, Out: filepath.Join(f.dir, "three.tar"), Now: testNow}); err == nil ||
		!strings.Contains(err.Error(), "changed after the rotation began") {
		t.Fatalf("bundle with a changed plan: %v", err)
	}
}

func TestRotateRefusalsWriteNothing(t *testing.T) {
	f, ws := bootstrapped(t)
	dir := f.ws("ws-rotate")
	for name, opts := range map[string]rotate.Options{
		"threshold stolen": {Compromised: []string{"alice", "bob", "carol"}},
		"no replacement":   {Lost: []string{"bob", "carol"}},
	} {
		opts.From, opts.Dir = ws, dir
		res, err := f.rotate(opts)
		switch name {
		case "threshold stolen":
			if !errors.Is(err, rotate.ErrNoInBandRecovery) || res == nil || res.Plan.OutOfBand == nil {
				t.Errorf("%s: %v", name, err)
			}
		default:
			if !errors.Is(err, rotate.ErrRotationProblems) || !strings.Contains(err.Error(), "targets: 1 keys would remain") {
				t.Errorf("%s: %v", name, err)
			}
			if res == nil || !res.Plan.NeedsReplacement {
				t.Errorf("%s: the plan does not ask for replacement keys (the command's --replace hint)", name)
			}
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("%s: the workspace was written: %v", name, err)
		}
	}
}

func TestRotateBadInput(t *testing.T) {
	f, ws := bootstrapped(t)
	for _, tc := range []struct {
		opts rotate.Options
		want string
	}{
		{rotate.Options{Compromised: []string{"mallory"}}, `--compromised mallory: no key in`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: "missing.pub"}}}, `--replace bob=missing.pub: failed to read missing.pub`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.dir, "plan.yaml")}}}, `give the TUF public key file`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.dir, "keys", "alice.pub")}}}, `which ` + ws + ` already lists`},
		{rotate.Options{LastGood: filepath.Join(f.dir, "nowhere")}, `--last-good: failed to read`},
		{rotate.Options{From: filepath.Join(f.dir, "plan.yaml")}, `is a file, but not a ceremony bundle`},
	} {
		if tc.opts.From == "" {
			tc.opts.From = ws
		}
		_, err := f.rotate(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v; want one line with %q", tc.opts, err, tc.want)
		}
	}
	if _, err := rotate.ParseReplacement("bob"); err == nil || !strings.Contains(err.Error(), "want OLD=NEW") {
		t.Errorf("ParseReplacement: %v", err)
	}
	// An unfinished workspace is not a trusted state to rotate from.
	unfinished := f.init(f.plan("plan2.yaml", standardPlan()), "ws2", "").Dir
	if _, err := f.rotate(rotate.Options{From: unfinished}); err == nil || !strings.Contains(err.Error(), "is not finished") {
		t.Errorf("from an unfinished workspace: %v", err)
	}
}

// TestRotateFromHostileRepository: a repository's delegations may name
// files outside it, and its files may be links: neither is followed.
func TestRotateFromHostileRepository(t *testing.T) {
	f, ws := bootstrapped(t)
	repo := filepath.Join(f.dir, "repo", "metadata")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	root := readFile(t, metaPath(ws, "root"))
	if err := os.WriteFile(filepath.Join(repo, "1.root.json"), root, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(metaPath(ws, "targets"), filepath.Join(repo, "targets.json")); err != nil {
		t.Fatal(err)
	}
	_, err := f.rotate(rotate.Options{From: filepath.Join(f.dir, "repo")})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("a linked targets.json: %v", err)
	}
	// A delegation named "../../secret" is never read as a file.
	tf := parseFile(t, metaPath(ws, "targets"))
	tg, err := tf.Targets()
	if err != nil {
		t.Fatal(err)
	}
	tg.Delegations.Roles = append(tg.Delegations.Roles, metadata.DelegatedRole{Name: "../../secret", KeyIDs: []string{f.id("alice")}, Threshold: 1, Paths: []string{"x"}})
	mf, err := metafile.FromSigned(tg)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := mf.Marshal()
	os.Remove(filepath.Join(repo, "targets.json"))
	if err := os.WriteFile(filepath.Join(repo, "targets.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "secret.json"), []byte("not metadata"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := f.rotate(rotate.Options{From: filepath.Join(f.dir, "repo"), Keyholders: []string{ws}, Lost: []string{"erin"}})
	if err != nil {
		t.Fatalf("rotate from a repository naming ../../secret: %v", err)
	}
	if res.Plan.Source != filepath.Join(f.dir, "repo") {
		t.Errorf("source %q", res.Plan.Source)
	}
}

// TestInitFromRepositoryResignsTargets: a plan that changes targets' keys
// makes a next-root workspace that signs targets too when --from is a
// directory; from the root file alone, it signs root and warns.
func TestInitFromRepositoryResignsTargets(t *testing.T) {
	f, ws := bootstrapped(t)
	spec := standardPlan()
	spec.keyholders = append(spec.keyholders, "frank")
	spec.targets = []string{"alice", "bob", "frank"}
	planPath := f.plan("plan-v2.yaml", spec)

	w := f.init(planPath, "ws-dir", ws)
	if got := strings.Join(w.State.Roles, " "); got != "root targets" {
		t.Fatalf("roles %q, want root targets", got)
	}
	tg, err := parseFile(t, metaPath(w.Dir, "targets")).Targets()
	if err != nil {
		t.Fatal(err)
	}
	if tg.Version != 2 || !tg.Expires.Equal(testNow.AddDate(0, 0, 365)) {
		t.Errorf("targets v%d expires %v", tg.Version, tg.Expires)
	}
	old, _ := parseFile(t, metaPath(ws, "targets")).Targets()
	if tg.Delegations.SuccinctRoles.KeyIDs[0] != old.Delegations.SuccinctRoles.KeyIDs[0] {
		t.Error("the bins' key changed though the online key did not")
	}
	f.sign(w.Dir, "alice", "bob", "carol", "frank")
	st, err := ceremony.GetStatus(w.Dir)
	if err != nil || !st.AllMet() {
		t.Fatalf("status: %v %+v", err, st)
	}
	if rp, err := eng.Replay(w.Dir); err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}

	w = f.init(planPath, "ws-file", metaPath(ws, "root"))
	if got := strings.Join(w.State.Roles, " "); got != "root" || len(w.State.Warnings) != 1 ||
		!strings.Contains(w.State.Warnings[0], "targets must be signed again") {
		t.Fatalf("from the root file: roles %v warnings %v", w.State.Roles, w.State.Warnings)
	}
}

func TestRotateYearlyResign(t *testing.T) {
	f, ws := bootstrapped(t)
	res, err := f.rotate(rotate.Options{From: ws, Dir: f.ws("ws-yearly")})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Plan
	if p.Emergency || len(p.Resign) != 2 || p.Resign[1].Why != "the yearly re-sign renews it" {
		t.Fatalf("yearly plan: %+v", p.Resign)
	}
	report, err := rotate.IncidentReport(res.Workspace.Dir)
	if err != nil || !strings.Contains(string(report), "planned rotation") || !strings.Contains(string(report), "no key: the yearly re-sign") {
		t.Errorf("report: %v\n%s", err, report)
	}
}

// TestRotateFromRootOnlyWorkspace: a next-root workspace holds root only;
// a rotation that changes targets' keys from it is refused, saying where
// targets is; one that changes root's keys only goes ahead.
func TestRotateFromRootOnlyWorkspace(t *testing.T) {
	f, ws := bootstrapped(t)
	v2 := f.init(f.plan("plan-v2.yaml", standardPlan()), "ws-v2", metaPath(ws, "root")).Dir
	f.sign(v2, "alice", "bob", "carol")
	_, err := f.rotate(rotate.Options{From: v2, Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.dir, "keys", "frank.pub")}}})
	if !errors.Is(err, rotate.ErrRotationProblems) || !strings.Contains(err.Error(), "holds no targets metadata") {
		t.Fatalf("targets' keys change from a root-only workspace: %v", err)
	}
	res, err := f.rotate(rotate.Options{From: v2, Replace: []rotate.Replacement{{Old: "erin", New: filepath.Join(f.dir, "keys", "frank.pub")}}})
	if err != nil || res.Plan.RootVersion != 3 || len(res.Plan.Resign) != 1 {
		t.Fatalf("erin replaced from a root-only workspace: %v %+v", err, res)
	}
}
