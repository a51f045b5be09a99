package ceremony_test

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
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// rekeyWorld is a claims world after its first claims ceremony (claimed
// v2: tiny by solo's key, demo-pkg by m1, m2, m3), bundled, and a new
// directory of requests: tiny's with solo2's key, solo's having been
// stolen.
type rekeyWorld struct {
	*claimsWorld
	first string // the first claims ceremony's bundle
}

const rekeyReason = "solo's key stolen (incident 7)"

func newRekeyWorld(t *testing.T) *rekeyWorld {
	t.Helper()
	w := newClaimsWorld(t)
	w.claimsInit("claims")
	w.sign(w.ws("claims"), "alice", "bob")
	first := filepath.Join(w.dir, "claims.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: w.ws("claims"), Out: first})
	w.maintainers["solo2"] = w.newKey("solo2", keys.TypeEd25519)
	w.claimsDir = filepath.Join(w.dir, "rekey-requests")
	if err := os.MkdirAll(w.claimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.request("tiny", 1, "solo2")
	return &rekeyWorld{claimsWorld: w, first: first}
}

func (w *rekeyWorld) id(name string) string {
	w.t.Helper()
	s := w.maintainers[name]
	if s == nil {
		s = w.signers[name]
	}
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func initRecord(t *testing.T, ws string) transcripts.Record {
	t.Helper()
	tr, err := transcripts.Open(trDir(ws))
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
	w := newRekeyWorld(t)
	ws := w.ws("rekey")
	opts := claimed.Options{From: w.first, ClaimsDir: w.claimsDir, Dir: ws, Now: testNow}

	res, err := claimed.Init(eng, opts)
	if !errors.Is(err, claimed.ErrNoClaimsAccepted) || res == nil || res.Review.Count(claims.Refused) != 1 {
		t.Fatalf("tiny's new key without --rekey: %v; want it refused", err)
	}
	noReason := opts
	noReason.Rekey = []claims.Rekey{{Project: "tiny"}}
	if _, err := claimed.Init(eng, noReason); err == nil || !strings.Contains(err.Error(), "--rekey tiny: give the reason") {
		t.Errorf("a rekey without a reason: %v", err)
	}
	unused := opts
	unused.Rekey = []claims.Rekey{{Project: "tiny", Reason: rekeyReason}, {Project: "demo-pkg", Reason: "r"}}
	if _, err := claimed.Init(eng, unused); err == nil || !strings.Contains(err.Error(), `--rekey demo-pkg: no claim request in `+w.claimsDir+` asks for "demo-pkg"`) {
		t.Errorf("a rekey no request makes: %v", err)
	}
	if _, err := os.Stat(ws); !os.IsNotExist(err) {
		t.Fatalf("a refused claims init wrote %s", ws)
	}

	opts.Rekey = []claims.Rekey{{Project: "tiny", Reason: rekeyReason}}
	res, err = claimed.Init(eng, opts)
	if err != nil {
		t.Fatalf("claims init --rekey tiny: %v", err)
	}
	if res.ClaimedVersion != 3 || len(res.Accepted) != 0 || len(res.Rekeyed) != 1 || res.Rekeyed[0].Project != "tiny" {
		t.Fatalf("claims init --rekey: claimed v%d, accepted %d, rekeyed %+v; want v3 rekeying tiny", res.ClaimedVersion, len(res.Accepted), res.Rekeyed)
	}
	prev := targetsOf(t, metaPath(w.ws("claims"), plan.RoleClaimed))
	next := targetsOf(t, metaPath(ws, plan.RoleClaimed))
	if got := delegationNames(next); strings.Join(got, ",") != "tiny,demo-pkg" {
		t.Errorf("claimed v3 delegates %v; want tiny and demo-pkg where they were", got)
	}
	solo, solo2 := w.id("solo"), w.id("solo2")
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
	if want := `rekeys tiny (key(s) ` + solo[:12] + `, threshold 1 -> key(s) ` + solo2[:12] + `, threshold 1; reason "` + rekeyReason + `")`; !strings.Contains(msg, want) {
		t.Errorf("the init record's message %q does not say %q", msg, want)
	}
	if req := string(readFile(t, filepath.Join(ws, workspace.PlanFile))); !strings.Contains(req, "rekey:\n        - project: tiny\n          reason: "+rekeyReason) {
		t.Errorf("plan.yaml does not name the rekey:\n%s", req)
	}
	var accepted delegated.AcceptedProjects
	if err := json.Unmarshal(readFile(t, filepath.Join(ws, workspace.AcceptedFile)), &accepted); err != nil {
		t.Fatal(err)
	}
	if len(accepted.Projects) != 0 || len(accepted.Rekeyed) != 1 {
		t.Fatalf("accepted-projects.json: %+v", accepted)
	}
	if r := accepted.Rekeyed[0]; r.Project != "tiny" || r.Reason != rekeyReason || strings.Join(r.PreviousKeyIDs, ",") != solo || strings.Join(r.KeyIDs, ",") != solo2 {
		t.Errorf("accepted-projects.json's rekey: %+v", r)
	}
	var review claimed.ReviewFile
	if err := json.Unmarshal(readFile(t, filepath.Join(ws, workspace.ClaimsReviewFile)), &review); err != nil {
		t.Fatal(err)
	}
	if v := review.Verdicts[0]; v.Outcome != claims.ChangeRekey || v.RekeyReason != rekeyReason || strings.Join(v.PreviousKeyIDs, ",") != solo {
		t.Errorf("claims-review.json's verdict: %+v", v)
	}
	st, err := workspace.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(st.State.Warnings, "|"), "does not show which version of tiny's role the repository serves") {
		t.Errorf("from a bundle, the workspace does not warn that tiny's published version is unknown: %q", st.State.Warnings)
	}

	if rep, err := eng.Replay(ws); err != nil || !rep.OK() {
		t.Fatalf("replay of the rekey workspace: %v %+v", err, rep)
	}
	w.sign(ws, "alice", "carol")
	out := filepath.Join(w.dir, "rekey.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if rep := verifyBundle(t, out, metaPath(w.boot, "root")); !rep.OK() {
		t.Fatalf("verify the rekey bundle: %v", rep.Errors())
	}
	if rep, err := audit.ReplayBundle(eng, out); err != nil || !rep.OK() {
		t.Fatalf("replay the rekey bundle: %v %+v", err, rep)
	}
	readme := string(bundleEntry(t, readBundle(t, out), "README.txt"))
	for _, want := range []string{"claimed v3 CHANGES THE KEYS of 1 claimed project(s) (rekey):", "tiny: key(s) " + solo[:12] + " (threshold 1) -> key(s) " + solo2[:12],
		"reason: " + rekeyReason, "CLIENTS CANNOT GET THESE PROJECTS' FILES", "ceremony project init PROJECT --from THIS-BUNDLE", "This ceremony adds no project"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.txt does not say %q:\n%s", want, readme)
		}
	}

	// tiny's maintainer, from the rekey bundle: the new key signs, the
	// stolen one may not, and the warning says nothing was carried over.
	file := filepath.Join(w.dir, "tiny-1.1.tar.gz")
	if err := os.WriteFile(file, []byte("tiny 1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pws := w.ws("tiny-project")
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: out, Dir: pws, Now: testNow,
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-1.1.tar.gz", File: file}}}); err != nil {
		t.Fatalf("project init of tiny from the rekey bundle: %v", err)
	}
	pst, err := workspace.Open(pws)
	if err != nil {
		t.Fatal(err)
	}
	if w := strings.Join(pst.State.Warnings, "|"); !strings.Contains(w, "changed tiny's keys ("+rekeyReason+")") || !strings.Contains(w, "the previous targets are listed again only if the maintainers list them") {
		t.Errorf("project init after a rekey warns %q; want it to say the keys changed and the targets are listed again only if listed", w)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws, Signer: w.maintainers["solo"], Now: testNow}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("the stolen key signs tiny after the rekey: %v", err)
	}
	w.signAs(pws, w.maintainers["solo2"])
	if !getStatus(t, pws).AllMet() {
		t.Error("tiny's new key does not meet the rekeyed delegation")
	}
}

// TestClaimsRekeyNotRecorded: claimed may change a project's keys only
// where the ceremony's request, named by the init record, says so. A
// bundle whose claimed changes tiny's keys in a ceremony that rekeys
// nothing, and a rekey bundle whose plan.yaml drops the rekey, are
// refused by verify.
func TestClaimsRekeyNotRecorded(t *testing.T) {
	w := newRekeyWorld(t)
	// A ceremony that adds third and rekeys nothing; its claimed v3 then
	// forged to give tiny solo2's key, signed by claimed's keyholders.
	if err := os.Remove(filepath.Join(w.claimsDir, "tiny.claim.json")); err != nil {
		t.Fatal(err)
	}
	w.request("third", 1, "m1")
	ws := w.ws("third")
	if _, err := claimed.Init(eng, claimed.Options{From: w.first, ClaimsDir: w.claimsDir, Dir: ws, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	w.sign(ws, "alice", "bob")
	out := filepath.Join(w.dir, "third.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if rep := verifyBundle(t, out, metaPath(w.boot, "root")); !rep.OK() {
		t.Fatalf("verify the honest bundle: %v", rep.Errors())
	}
	tt := targetsOf(t, metaPath(ws, plan.RoleClaimed))
	solo2 := w.id("solo2")
	tt.Delegations.Roles[0].KeyIDs = []string{solo2}
	tt.Delegations.Keys[solo2] = w.maintainers["solo2"].TUFKey()
	delete(tt.Delegations.Keys, w.id("solo"))
	forged, err := metafile.FromSigned(tt)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob"} {
		signFile(t, forged, w.signers[name])
	}
	forgedBytes, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	rekeyed := rewriteBundle(t, readBundle(t, out), filepath.Join(w.dir, "forged.tar"), func(name string, data []byte) []byte {
		if name == "metadata/3.claimed.json" {
			return forgedBytes
		}
		return data
	})
	rep := verifyBundle(t, rekeyed, metaPath(w.boot, "root"))
	requireFinding(t, rep, verify.Error, "delegations", `claimed v3 changes the keys of "tiny" (delegation 1), a rekey that the ceremony's init record does not name`)

	// A real rekey bundle, its plan.yaml without the rekey: the request no
	// longer names it, and is not what the init record names.
	w.claimsDir = filepath.Join(w.dir, "rekey-requests-2")
	if err := os.MkdirAll(w.claimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.request("tiny", 1, "solo2")
	rws := w.ws("rekey")
	if _, err := claimed.Init(eng, claimed.Options{From: w.first, ClaimsDir: w.claimsDir, Dir: rws, Now: testNow,
		Rekey: []claims.Rekey{{Project: "tiny", Reason: rekeyReason}}}); err != nil {
		t.Fatal(err)
	}
	w.sign(rws, "alice", "bob")
	rout := filepath.Join(w.dir, "rekey.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: rws, Out: rout})
	dropped := rewriteBundle(t, readBundle(t, rout), filepath.Join(w.dir, "dropped.tar"), func(name string, data []byte) []byte {
		if name != workspace.PlanFile {
			return data
		}
		s, _, ok := strings.Cut(string(data), "    rekey:")
		if !ok {
			t.Fatalf("no rekey in plan.yaml:\n%s", data)
		}
		return []byte(s)
	})
	rep = verifyBundle(t, dropped, metaPath(w.boot, "root"))
	requireFinding(t, rep, verify.Error, "rekey", "accepted-projects.json rekeys tiny, but the ceremony's request (plan.yaml, which the transcript's init record names) does not")
	requireFinding(t, rep, verify.Error, "transcript", "is not the plan.yaml the transcript's init record names")
}

// TestProjectInitAfterRekey: from the repository, after the rekey is
// published, tiny's role there is signed by the old key: nothing of it is
// carried over, the warning says the maintainers list the files again,
// and the next version follows the published one.
func TestProjectInitAfterRekey(t *testing.T) {
	w := newRekeyWorld(t)
	repo := w.publish(t)
	if err := publish.ApplyBundle(repo, w.first, w.online, testNow); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(w.dir, "tiny-1.0.tar.gz")
	if err := os.WriteFile(file, []byte("tiny 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const old = "packages/01/23/4567/tiny-1.0.tar.gz"
	pws := w.ws("tiny-v1")
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: repo, Dir: pws, Now: testNow,
		Targets: []project.Target{{Path: old, File: file}}}); err != nil {
		t.Fatal(err)
	}
	w.signAs(pws, w.maintainers["solo"])
	v1 := filepath.Join(w.dir, "tiny-v1.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: pws, Out: v1})
	if err := publish.ApplyBundle(repo, v1, w.online, testNow); err != nil {
		t.Fatal(err)
	}

	// The rekey, from the repository: tiny's published version is known.
	ws := w.ws("rekey")
	res, err := claimed.Init(eng, claimed.Options{From: repo, ClaimsDir: w.claimsDir, Dir: ws, Now: testNow,
		Rekey: []claims.Rekey{{Project: "tiny", Reason: rekeyReason}}})
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := workspace.Open(ws); len(res.Rekeyed) != 1 || strings.Contains(strings.Join(st.State.Warnings, "|"), "does not show which version") {
		t.Errorf("rekey from the repository: %d rekeyed, warnings %q", len(res.Rekeyed), st.State.Warnings)
	}
	w.sign(ws, "alice", "bob")
	out := filepath.Join(w.dir, "rekey.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	if err := publish.ApplyBundle(repo, out, w.online, testNow); err != nil {
		t.Fatal(err)
	}

	// Without a file: refused, saying why nothing is carried over.
	next := w.ws("tiny-v2")
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: repo, Dir: next, Now: testNow}); err == nil ||
		!strings.Contains(err.Error(), "tiny v1 in "+repo+" is not signed by the keys claimed v3 delegates tiny to, so nothing of it is carried over") {
		t.Errorf("project init with no file after a rekey: %v", err)
	}
	file2 := filepath.Join(w.dir, "tiny-1.1.tar.gz")
	if err := os.WriteFile(file2, []byte("tiny 1.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: repo, Dir: next, Now: testNow,
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-1.1.tar.gz", File: file2}}}); err != nil {
		t.Fatal(err)
	}
	role := targetsOf(t, metaPath(next, "tiny"))
	st, err := workspace.Open(next)
	if err != nil {
		t.Fatal(err)
	}
	if role.Version != 2 || role.Targets[old] != nil || len(role.Targets) != 1 {
		t.Errorf("tiny v%d lists %v; want v2 with the new file alone", role.Version, sortedTargets(role))
	}
	if w := strings.Join(st.State.Warnings, "|"); !strings.Contains(w, "tiny v1 in "+repo+" is not signed by the keys claimed v3 delegates tiny to: nothing in it is carried over; its targets are listed again only if the maintainers list them") {
		t.Errorf("warnings %q", w)
	}
	w.signAs(next, w.maintainers["solo2"])
	nb := filepath.Join(w.dir, "tiny-v2.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: next, Out: nb})
	if err := publish.ApplyBundle(repo, nb, w.online, testNow); err != nil {
		t.Fatal(err)
	}
	// demo-pkg never published its role: the one finding left.
	rep, err := verify.Repository(repo, verify.Options{At: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Errors() {
		if f.Role != "demo-pkg" {
			t.Errorf("verify the repository after the rekey and tiny v2: %+v", f)
		}
	}
	versions := map[string]int64{}
	for _, r := range rep.Roles {
		versions[r.Role] = r.Version
	}
	if versions[plan.RoleClaimed] != 3 || versions["tiny"] != 2 {
		t.Errorf("published versions %v; want claimed v3 and tiny v2", versions)
	}
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
