package audit_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/verify"
)

// An auditor with only the bundle replays the ceremony; a bundle rebuilt
// with one stored state changed (its manifest made to match) fails at the
// record that names the state.
func TestReplayBundle(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	if err := demo.Run(demo.Options{Profile: plan.ProfilePEP458, Out: out, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, demo.Bundle)
	rep, err := audit.ReplayBundle(ceremonytest.Engine, path)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || !rep.Sealed || strings.Join(rep.SealedBy, ",") != "alice,bob,carol" {
		t.Fatalf("replay of the demo bundle: ok %v sealed %v by %v: %+v", rep.OK(), rep.Sealed, rep.SealedBy, rep.FirstBad)
	}
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var entries []bundle.Entry
	changed := ""
	for _, e := range ceremonytest.BundleEntries(t, b) {
		if changed == "" && strings.HasPrefix(e.Name, "transcript/states/") {
			data := append([]byte(nil), e.Data...)
			i := strings.Index(string(data), `"expires"`)
			if i < 0 {
				t.Fatal("state without expires")
			}
			data[i+12]++ // a digit of the year
			e = bundle.Entry{Name: e.Name, Data: data}
			changed = e.Name
		}
		entries = append(entries, e)
	}
	forged := filepath.Join(t.TempDir(), "forged.tar")
	if _, err := bundle.Write(forged, entries); err != nil {
		t.Fatal(err)
	}
	rep, err = audit.ReplayBundle(ceremonytest.Engine, forged)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatalf("a bundle with %s changed replays", changed)
	}
	if !strings.Contains(rep.FirstBad.Reason, "state") && !strings.Contains(rep.FirstBad.Reason, "hash") {
		t.Errorf("first bad record %d: %s", rep.FirstBad.Seq, rep.FirstBad.Reason)
	}
}

// A bootstrap bundle's targets is decoded, for its delegation of claimed,
// only once a key root trusts has signed it: with its one signature made
// invalid, claimed is refused without its delegation being read (a hostile
// targets can be millions of tiny objects).
func TestVerifyBundleReadsDelegationsOfSignedTargetsOnly(t *testing.T) {
	out := filepath.Join(t.TempDir(), "demo")
	if err := demo.Run(demo.Options{Profile: plan.ProfilePEP480, Out: out, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, demo.Bundle)
	if rep := ceremonytest.VerifyBundle(t, path, ""); !rep.OK() {
		t.Fatalf("the demo's bundle: %v", rep.Errors())
	}
	b := ceremonytest.ReadBundle(t, path)
	bad := ceremonytest.RewriteBundle(t, b, filepath.Join(t.TempDir(), "bad.tar"), func(name string, data []byte) []byte {
		if name != "metadata/1.targets.json" {
			return data
		}
		return []byte(strings.Replace(string(data), `"sig": "`, `"sig": "00`, -1))
	})
	var claimed, targets []string
	for _, f := range ceremonytest.VerifyBundle(t, bad, "").Errors() {
		switch f.Role {
		case plan.RoleClaimed:
			claimed = append(claimed, f.Check+": "+f.Message)
		case "targets":
			targets = append(targets, f.Check+": "+f.Message)
		}
	}
	if !slices.Contains(claimed, "delegation: no key root trusts has signed targets yet (see targets' findings), so its delegation of claimed is not read and claimed is not checked") {
		t.Errorf("claimed's findings %q, want its delegation left unread", claimed)
	}
	if !slices.ContainsFunc(targets, func(s string) bool { return strings.HasPrefix(s, "threshold:") }) {
		t.Errorf("targets' findings %q, want its threshold unmet", targets)
	}
}

// A partial PEP 480 bundle whose targets nobody has signed yet is the work
// still to do: claimed is left unchecked with a warning, and the bundle
// verifies (partial, never for upload).
func TestVerifyPartialBundleTargetsUnsigned(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	p := ceremonytest.StandardPlan()
	p.Profile, p.Targets, p.Claimed, p.ClaimedThreshold = "pep480", []string{"dave", "erin"}, []string{"dave", "erin"}, 2
	f.Init(f.Plan("plan.yaml", p), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob", "carol")
	out := filepath.Join(t.TempDir(), "partial.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out, Partial: true})
	rep := ceremonytest.VerifyBundle(t, out, "")
	if !rep.OK() {
		t.Fatalf("the partial bundle: %v", rep.Errors())
	}
	var warned bool
	for _, f := range rep.Findings {
		warned = warned || (f.Role == plan.RoleClaimed && f.Check == "delegation" && f.Severity == verify.Warning)
	}
	if !warned {
		t.Errorf("no warning that claimed is left unchecked: %v", rep.Findings)
	}
}

// A temporary directory the bundle cannot be unpacked into is verify's and
// replay's error, naming TMPDIR, not a finding against the bundle.
func TestUnpackFailureIsNotTheBundles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.tar")
	if _, err := bundle.Write(path, []bundle.Entry{{Name: ceremony.BundleInfo, Data: []byte("{}")}}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	rep, err := audit.VerifyBundle(ceremonytest.Engine, path, "", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "TMPDIR") {
		t.Errorf("verify with no temporary directory: %v, %+v; want an error naming TMPDIR", err, rep)
	}
	if _, err := audit.ReplayBundle(ceremonytest.Engine, path); err == nil || !strings.Contains(err.Error(), "unpack") {
		t.Errorf("replay with no temporary directory: %v, want an error saying it could not unpack", err)
	}
}
