package rotate_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func TestRotateWorkspace(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	dir := f.WS("ws-rotate")
	res, err := f.Rotate(rotate.Options{From: ws, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}, Dir: dir})
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
	if !strings.Contains(strings.Join(ceremonytest.PartyNames(prev.Missing), ","), "carol (compromised key)") {
		t.Errorf("previous root's missing: %v", ceremonytest.PartyNames(prev.Missing))
	}
	// The stolen key signs nothing here, and nothing is asked or written.
	before := ceremonytest.ReadFile(t, filepath.Join(dir, "metadata", "root.json"))
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: dir, Signer: f.Signers["carol"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrNotAuthorized) || !strings.Contains(err.Error(), "compromised (stolen)") {
		t.Fatalf("the stolen key signing: %v", err)
	}
	if !bytes.Equal(before, ceremonytest.ReadFile(t, filepath.Join(dir, "metadata", "root.json"))) {
		t.Fatal("a refused signature changed root.json")
	}
	f.Sign(dir, "alice", "bob", "dave", "frank")
	st, err = ceremony.GetStatus(dir)
	if err != nil || !st.AllMet() {
		t.Fatalf("status after signing: %v %+v", err, st)
	}
	// The incident report names who signed; written twice, the same.
	report, err := rotate.WriteIncidentReport(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Incident report: test.example (pep458)", "## What was compromised", "carol (" + f.ID("carol")[:12] + "), stolen",
		"alice signed root with key " + f.ID("alice")[:12], "root v2 under previous root v1: 3 of 3 (met)", "## The plan", "### Online steps, in order"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("the incident report lacks %q:\n%s", want, report)
		}
	}
	again, err := rotate.IncidentReport(dir)
	if err != nil || !bytes.Equal(again, report) {
		t.Errorf("the incident report is not the same twice: %v", err)
	}
	// The transcript replays; the plan is in its init record.
	rp, err := ceremonytest.Engine.Replay(dir)
	if err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}
	if !strings.Contains(rp.Account[0].Message, "emergency rotation ceremony") || !strings.Contains(rp.Account[0].Message, "stolen") {
		t.Errorf("init record: %q", rp.Account[0].Message)
	}
	// Sealed: the report says by whom.
	if _, err := ceremonytest.Engine.Seal(dir, []keys.Signer{f.Signers["alice"], f.Signers["frank"]}); err != nil {
		t.Fatal(err)
	}
	report, err = rotate.IncidentReport(dir)
	if err != nil || !strings.Contains(string(report), "signed by alice, carol") {
		t.Errorf("the sealed report: %v\n%s", err, report)
	}
}

func TestRotateBundle(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	dir := f.WS("ws-rotate")
	if _, err := f.Rotate(rotate.Options{From: ws, Lost: []string{"dave"}, Dir: dir}); err != nil {
		t.Fatal(err)
	}
	f.Sign(dir, "alice", "bob", "carol")
	if _, err := ceremonytest.Engine.Seal(dir, []keys.Signer{f.Signers["alice"]}); err != nil {
		t.Fatal(err)
	}
	one, two := filepath.Join(f.Dir, "one.tar"), filepath.Join(f.Dir, "two.tar")
	for _, out := range []string{one, two} {
		if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: dir, Out: out, Now: ceremonytest.Now}); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(ceremonytest.ReadFile(t, one), ceremonytest.ReadFile(t, two)) {
		t.Fatal("bundling a rotation twice gives different bytes")
	}
	b, err := bundle.Read(one, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	plan, ok1 := b.Get(workspace.RotationFile)
	report, ok2 := b.Get(workspace.IncidentFile)
	if !ok1 || !ok2 || !bytes.Contains(report, []byte("dave (")) || !bytes.Equal(plan, ceremonytest.ReadFile(t, filepath.Join(dir, workspace.RotationFile))) {
		t.Fatalf("the bundle's plan and incident report: %v %v", ok1, ok2)
	}
	readme, _ := b.Get(ceremony.BundleReadme)
	if i, j := bytes.Index(readme, []byte("READ "+workspace.IncidentFile+" FIRST")), bytes.Index(readme, []byte("UPLOAD")); i < 0 || j < 0 || i > j {
		t.Errorf("README.txt does not send the reader to the incident report before the upload:\n%s", readme)
	}
	rep, err := audit.VerifyBundle(ceremonytest.Engine, one, filepath.Join(ws, workspace.MetadataDir, "root.json"), ceremonytest.Now)
	if err != nil || !rep.OK() {
		t.Fatalf("verify bundle: %v %v", err, rep.Errors())
	}
	for _, fd := range rep.Findings {
		if fd.Check == "bundle" || fd.Check == "incident" {
			t.Errorf("finding: %+v", fd)
		}
	}
	rp, err := audit.ReplayBundle(ceremonytest.Engine, one)
	if err != nil || !rp.OK() {
		t.Fatalf("replay bundle: %v %+v", err, rp)
	}

	// A bundle whose incident report or plan was changed is refused.
	for _, name := range []string{workspace.IncidentFile, workspace.RotationFile} {
		var entries []bundle.Entry
		for _, e := range ceremonytest.BundleEntries(t, b) {
			data := e.Data
			if e.Name == name {
				data = bytes.Replace(data, []byte("dave"), []byte("mallory"), 1)
			}
			entries = append(entries, bundle.Entry{Name: e.Name, Data: data})
		}
		bad := filepath.Join(f.Dir, "bad-"+name+".tar")
		if _, err := bundle.Write(bad, entries); err != nil {
			t.Fatal(err)
		}
		rep, err := audit.VerifyBundle(ceremonytest.Engine, bad, "", ceremonytest.Now)
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
	if err := os.WriteFile(p, append(ceremonytest.ReadFile(t, p), ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: dir, Out: filepath.Join(f.Dir, "three.tar"), Now: ceremonytest.Now}); err == nil ||
		!strings.Contains(err.Error(), "changed after the rotation began") {
		t.Fatalf("bundle with a changed plan: %v", err)
	}
}

func TestRotateRefusalsWriteNothing(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	dir := f.WS("ws-rotate")
	for name, opts := range map[string]rotate.Options{
		"threshold stolen": {Compromised: []string{"alice", "bob", "carol"}},
		"no replacement":   {Lost: []string{"bob", "carol"}},
	} {
		opts.From, opts.Dir = ws, dir
		res, err := f.Rotate(opts)
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
	f, ws := ceremonytest.Bootstrapped(t)
	for _, tc := range []struct {
		opts rotate.Options
		want string
	}{
		{rotate.Options{Compromised: []string{"mallory"}}, `--compromised mallory: no key in`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: "missing.pub"}}}, `--replace bob=missing.pub: failed to read missing.pub`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.Dir, "plan.yaml")}}}, `give the TUF public key file`},
		{rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.Dir, "keys", "alice.pub")}}}, `which ` + ws + ` already lists`},
		{rotate.Options{LastGood: filepath.Join(f.Dir, "nowhere")}, `--last-good: failed to read`},
		{rotate.Options{From: filepath.Join(f.Dir, "plan.yaml")}, `is a file, but not a ceremony bundle`},
	} {
		if tc.opts.From == "" {
			tc.opts.From = ws
		}
		_, err := f.Rotate(tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v; want one line with %q", tc.opts, err, tc.want)
		}
	}
	if _, err := rotate.ParseReplacement("bob"); err == nil || !strings.Contains(err.Error(), "want OLD=NEW") {
		t.Errorf("ParseReplacement: %v", err)
	}
	// An unfinished workspace is not a trusted state to rotate from.
	unfinished := f.Init(f.Plan("plan2.yaml", ceremonytest.StandardPlan()), "ws2", "").Dir
	if _, err := f.Rotate(rotate.Options{From: unfinished}); err == nil || !strings.Contains(err.Error(), "is not finished") {
		t.Errorf("from an unfinished workspace: %v", err)
	}
}

func TestRotateYearlyResign(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	res, err := f.Rotate(rotate.Options{From: ws, Dir: f.WS("ws-yearly")})
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
	f, ws := ceremonytest.Bootstrapped(t)
	v2 := f.Init(f.Plan("plan-v2.yaml", ceremonytest.StandardPlan()), "ws-v2", ceremonytest.MetaPath(ws, "root")).Dir
	f.Sign(v2, "alice", "bob", "carol")
	_, err := f.Rotate(rotate.Options{From: v2, Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}})
	if !errors.Is(err, rotate.ErrRotationProblems) || !strings.Contains(err.Error(), "holds no targets metadata") {
		t.Fatalf("targets' keys change from a root-only workspace: %v", err)
	}
	res, err := f.Rotate(rotate.Options{From: v2, Replace: []rotate.Replacement{{Old: "erin", New: filepath.Join(f.Dir, "keys", "frank.pub")}}})
	if err != nil || res.Plan.RootVersion != 3 || len(res.Plan.Resign) != 1 {
		t.Fatalf("erin replaced from a root-only workspace: %v %+v", err, res)
	}
}
