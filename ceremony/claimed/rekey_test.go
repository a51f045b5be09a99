package claimed_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func initRecord(t *testing.T, ws string) transcripts.Record {
	t.Helper()
	tr, err := transcripts.Open(ceremonytest.TranscriptDir(ws))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	return tr.Records()[0]
}

// TestClaimsRekey: a request for a claimed project with a new key is
// refused, unless the administrators name the project as a rekey with a
// reason: then claimed v3 gives the project's delegation the new key in
// place (same name, paths and position), drops the old key, and the
// reason is in the request, the init record, the review and the accepted
// list; the bundle verifies, replays and tells the online side that the
// project's role must be signed again. A rekey that does not happen, or
// has no reason, writes nothing.
func TestClaimsRekey(t *testing.T) {
	w := ceremonytest.NewRekeyWorld(t)
	ws := w.WS("rekey")
	opts := claimed.Options{From: w.First, ClaimsDir: w.ClaimsDir, Dir: ws, Now: ceremonytest.Now}

	res, err := claimed.Init(ceremonytest.Engine, opts)
	if !errors.Is(err, claimed.ErrNoClaimsAccepted) || res == nil || res.Review.Count(claims.Refused) != 1 {
		t.Fatalf("tiny's new key without --rekey: %v; want it refused", err)
	}
	noReason := opts
	noReason.Rekey = []claims.Rekey{{Project: "tiny"}}
	if _, err := claimed.Init(ceremonytest.Engine, noReason); err == nil || !strings.Contains(err.Error(), "--rekey tiny: give the reason") {
		t.Errorf("a rekey without a reason: %v", err)
	}
	unused := opts
	unused.Rekey = []claims.Rekey{{Project: "tiny", Reason: ceremonytest.RekeyReason}, {Project: "demo-pkg", Reason: "r"}}
	if _, err := claimed.Init(ceremonytest.Engine, unused); err == nil || !strings.Contains(err.Error(), `--rekey demo-pkg: no claim request in `+w.ClaimsDir+` asks for "demo-pkg"`) {
		t.Errorf("a rekey no request makes: %v", err)
	}
	if _, err := os.Stat(ws); !os.IsNotExist(err) {
		t.Fatalf("a refused claims init wrote %s", ws)
	}

	opts.Rekey = []claims.Rekey{{Project: "tiny", Reason: ceremonytest.RekeyReason}}
	res, err = claimed.Init(ceremonytest.Engine, opts)
	if err != nil {
		t.Fatalf("claims init --rekey tiny: %v", err)
	}
	if res.ClaimedVersion != 3 || len(res.Accepted) != 0 || len(res.Rekeyed) != 1 || res.Rekeyed[0].Project != "tiny" {
		t.Fatalf("claims init --rekey: claimed v%d, accepted %d, rekeyed %+v; want v3 rekeying tiny", res.ClaimedVersion, len(res.Accepted), res.Rekeyed)
	}
	prev := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(w.WS("claims"), plan.RoleClaimed))
	next := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(ws, plan.RoleClaimed))
	if got := delegationNames(next); strings.Join(got, ",") != "tiny,demo-pkg" {
		t.Errorf("claimed v3 delegates %v; want tiny and demo-pkg where they were", got)
	}
	solo, solo2 := w.ID("solo"), w.ID("solo2")
	tiny := next.Delegations.Roles[0]
	if strings.Join(tiny.KeyIDs, ",") != solo2 || tiny.Threshold != 1 || strings.Join(tiny.Paths, ",") != strings.Join(prev.Delegations.Roles[0].Paths, ",") || !tiny.Terminating {
		t.Errorf("tiny delegated as %+v; want solo2's key alone, threshold 1, the same paths, terminating", tiny)
	}
	if next.Delegations.Keys[solo] != nil || next.Delegations.Keys[solo2] == nil {
		t.Errorf("claimed v3's keys: solo's present %t, solo2's present %t; want the stolen key gone and the new one there",
			next.Delegations.Keys[solo] != nil, next.Delegations.Keys[solo2] != nil)
	}
	if !sameJSON(t, next.Delegations.Roles[1], prev.Delegations.Roles[1]) {
		t.Error("demo-pkg's delegation changed")
	}

	// The reason, where an auditor reads it.
	msg := initRecord(t, ws).Message
	if want := `rekeys tiny (key(s) ` + solo[:12] + `, threshold 1 -> key(s) ` + solo2[:12] + `, threshold 1; reason "` + ceremonytest.RekeyReason + `")`; !strings.Contains(msg, want) {
		t.Errorf("the init record's message %q does not say %q", msg, want)
	}
	if req := string(ceremonytest.ReadFile(t, filepath.Join(ws, workspace.PlanFile))); !strings.Contains(req, "rekey:\n        - project: tiny\n          reason: "+ceremonytest.RekeyReason) {
		t.Errorf("plan.yaml does not name the rekey:\n%s", req)
	}
	var accepted delegated.AcceptedProjects
	if err := json.Unmarshal(ceremonytest.ReadFile(t, filepath.Join(ws, workspace.AcceptedFile)), &accepted); err != nil {
		t.Fatal(err)
	}
	if len(accepted.Projects) != 0 || len(accepted.Rekeyed) != 1 {
		t.Fatalf("accepted-projects.json: %+v", accepted)
	}
	if r := accepted.Rekeyed[0]; r.Project != "tiny" || r.Reason != ceremonytest.RekeyReason || strings.Join(r.PreviousKeyIDs, ",") != solo || strings.Join(r.KeyIDs, ",") != solo2 {
		t.Errorf("accepted-projects.json's rekey: %+v", r)
	}
	var review claimed.ReviewFile
	if err := json.Unmarshal(ceremonytest.ReadFile(t, filepath.Join(ws, workspace.ClaimsReviewFile)), &review); err != nil {
		t.Fatal(err)
	}
	if v := review.Verdicts[0]; v.Outcome != claims.ChangeRekey || v.RekeyReason != ceremonytest.RekeyReason || strings.Join(v.PreviousKeyIDs, ",") != solo {
		t.Errorf("claims-review.json's verdict: %+v", v)
	}
	st, err := workspace.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(st.State.Warnings, "|"), "does not show which version of tiny's role the repository serves") {
		t.Errorf("from a bundle, the workspace does not warn that tiny's published version is unknown: %q", st.State.Warnings)
	}

	if rep, err := ceremonytest.Engine.Replay(ws); err != nil || !rep.OK() {
		t.Fatalf("replay of the rekey workspace: %v %+v", err, rep)
	}
	w.Sign(ws, "alice", "carol")
	out := filepath.Join(w.Dir, "rekey.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if rep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(w.Boot, "root")); !rep.OK() {
		t.Fatalf("verify the rekey bundle: %v", rep.Errors())
	}
	if rep, err := audit.ReplayBundle(ceremonytest.Engine, out); err != nil || !rep.OK() {
		t.Fatalf("replay the rekey bundle: %v %+v", err, rep)
	}
	readme := string(ceremonytest.BundleEntry(t, ceremonytest.ReadBundle(t, out), "README.txt"))
	for _, want := range []string{"claimed v3 CHANGES THE KEYS of 1 claimed project(s) (rekey):", "tiny: key(s) " + solo[:12] + " (threshold 1) -> key(s) " + solo2[:12],
		"reason: " + ceremonytest.RekeyReason, "CLIENTS CANNOT GET THESE PROJECTS' FILES", "ceremony project init PROJECT --from THIS-BUNDLE", "This ceremony adds no project"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.txt does not say %q:\n%s", want, readme)
		}
	}

	// tiny's maintainer, from the rekey bundle: the new key signs, the
	// stolen one may not, and the warning says nothing was carried over.
	file := filepath.Join(w.Dir, "tiny-1.1.tar.gz")
	if err := os.WriteFile(file, []byte("tiny 1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pws := w.WS("tiny-project")
	if _, err := project.Init(ceremonytest.Engine, project.Options{Project: "tiny", From: out, Dir: pws, Now: ceremonytest.Now,
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-1.1.tar.gz", File: file}}}); err != nil {
		t.Fatalf("project init of tiny from the rekey bundle: %v", err)
	}
	pst, err := workspace.Open(pws)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(pst.State.Warnings, "|"); !strings.Contains(w, "changed tiny's keys ("+ceremonytest.RekeyReason+")") || !strings.Contains(w, "the previous targets are listed again only if the maintainers list them") {
		t.Errorf("project init after a rekey warns %q; want it to say the keys changed and the targets are listed again only if listed", w)
	}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: pws, Signer: w.Maintainers["solo"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("the stolen key signs tiny after the rekey: %v", err)
	}
	w.SignAs(pws, w.Maintainers["solo2"])
	if !ceremonytest.GetStatus(t, pws).AllMet() {
		t.Error("tiny's new key does not meet the rekeyed delegation")
	}
}

// TestClaimsRekeyNotRecorded: claimed may change a project's keys only
// where the ceremony's request, named by the init record, says so. A
// bundle whose claimed changes tiny's keys in a ceremony that rekeys
// nothing, and a rekey bundle whose plan.yaml drops the rekey, are
// refused by verify.
func TestClaimsRekeyNotRecorded(t *testing.T) {
	w := ceremonytest.NewRekeyWorld(t)
	// A ceremony that adds third and rekeys nothing; its claimed v3 then
	// forged to give tiny solo2's key, signed by claimed's keyholders.
	if err := os.Remove(filepath.Join(w.ClaimsDir, "tiny.claim.json")); err != nil {
		t.Fatal(err)
	}
	w.Request("third", 1, "m1")
	ws := w.WS("third")
	if _, err := claimed.Init(ceremonytest.Engine, claimed.Options{From: w.First, ClaimsDir: w.ClaimsDir, Dir: ws, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	w.Sign(ws, "alice", "bob")
	out := filepath.Join(w.Dir, "third.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if rep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(w.Boot, "root")); !rep.OK() {
		t.Fatalf("verify the honest bundle: %v", rep.Errors())
	}
	tt := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(ws, plan.RoleClaimed))
	solo2 := w.ID("solo2")
	tt.Delegations.Roles[0].KeyIDs = []string{solo2}
	tt.Delegations.Keys[solo2] = w.Maintainers["solo2"].TUFKey()
	delete(tt.Delegations.Keys, w.ID("solo"))
	forged, err := metafile.FromSigned(tt)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob"} {
		ceremonytest.SignFile(t, forged, w.Signers[name])
	}
	forgedBytes, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rekeyed := ceremonytest.RewriteBundle(t, ceremonytest.ReadBundle(t, out), filepath.Join(w.Dir, "forged.tar"), func(name string, data []byte) []byte {
		if name == "metadata/3.claimed.json" {
			return forgedBytes
		}
		return data
	})
	rep := ceremonytest.VerifyBundle(t, rekeyed, ceremonytest.MetaPath(w.Boot, "root"))
	ceremonytest.RequireFinding(t, rep, verify.Error, "delegations", `claimed v3 changes the keys of "tiny" (delegation 1), a rekey that the ceremony's init record does not name`)

	// A real rekey bundle, its plan.yaml without the rekey: the request no
	// longer names it, and is not what the init record names.
	w.ClaimsDir = filepath.Join(w.Dir, "rekey-requests-2")
	if err := os.MkdirAll(w.ClaimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.Request("tiny", 1, "solo2")
	rws := w.WS("rekey")
	if _, err := claimed.Init(ceremonytest.Engine, claimed.Options{From: w.First, ClaimsDir: w.ClaimsDir, Dir: rws, Now: ceremonytest.Now,
		Rekey: []claims.Rekey{{Project: "tiny", Reason: ceremonytest.RekeyReason}}}); err != nil {
		t.Fatal(err)
	}
	w.Sign(rws, "alice", "bob")
	rout := filepath.Join(w.Dir, "rekey.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: rws, Out: rout})
	dropped := ceremonytest.RewriteBundle(t, ceremonytest.ReadBundle(t, rout), filepath.Join(w.Dir, "dropped.tar"), func(name string, data []byte) []byte {
		if name != workspace.PlanFile {
			return data
		}
		s, _, ok := strings.Cut(string(data), "    rekey:")
		if !ok {
			t.Fatalf("no rekey in plan.yaml:\n%s", data)
		}
		return []byte(s)
	})
	rep = ceremonytest.VerifyBundle(t, dropped, ceremonytest.MetaPath(w.Boot, "root"))
	ceremonytest.RequireFinding(t, rep, verify.Error, "rekey", "accepted-projects.json rekeys tiny, but the ceremony's request (plan.yaml, which the transcript's init record names) does not")
	ceremonytest.RequireFinding(t, rep, verify.Error, "transcript", "is not the plan.yaml the transcript's init record names")
}

func sameJSON(t *testing.T, a, b any) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}
