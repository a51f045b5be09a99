package ceremony_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	claimedkind "github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// claimsWorld is a finished pep480 bootstrap (claimed: alice, bob, carol,
// 2 of 3) and maintainers' keys for two projects' claims.
type claimsWorld struct {
	*fixture
	boot        string // the bootstrap workspace
	maintainers map[string]keys.Signer
	claimsDir   string
}

func newClaimsWorld(t *testing.T) *claimsWorld {
	t.Helper()
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	p := standardPlan()
	p.profile, p.claimed, p.claimedThreshold = "pep480", []string{"alice", "bob", "carol"}, 2
	f.init(f.plan("plan.yaml", p), "boot", "")
	boot := f.ws("boot")
	f.sign(boot, "alice", "bob", "carol")
	if !getStatus(t, boot).AllMet() {
		t.Fatal("bootstrap thresholds not met")
	}
	w := &claimsWorld{fixture: f, boot: boot, maintainers: map[string]keys.Signer{}, claimsDir: filepath.Join(f.dir, "requests")}
	for _, name := range []string{"m1", "m2", "m3", "solo"} {
		w.maintainers[name] = f.newKey(name, keys.TypeEd25519)
	}
	if err := os.MkdirAll(w.claimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.request("demo-pkg", 2, "m1", "m2", "m3")
	w.request("tiny", 1, "solo")
	return w
}

// request writes PROJECT.claim.json into the claims directory.
func (w *claimsWorld) request(project string, threshold int, names ...string) []byte {
	w.t.Helper()
	var signers []keys.Signer
	for _, n := range names {
		signers = append(signers, w.maintainers[n])
	}
	data, err := claims.MakeRequest(project, signers, threshold, testNow, nil)
	if err != nil {
		w.t.Fatalf("claim request for %s: %v", project, err)
	}
	if err := os.WriteFile(filepath.Join(w.claimsDir, project+".claim.json"), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return data
}

func (w *claimsWorld) claimsInit(ws string) *claimedkind.Result {
	w.t.Helper()
	res, err := claimedkind.Init(eng, claimedkind.Options{From: w.boot, ClaimsDir: w.claimsDir, Dir: w.ws(ws), Now: testNow})
	if err != nil {
		w.t.Fatalf("claims init: %v", err)
	}
	return res
}

func (w *claimsWorld) signAs(ws string, s keys.Signer) {
	w.t.Helper()
	if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: s, Now: testNow}); err != nil {
		w.t.Fatalf("sign %s: %v", ws, err)
	}
}

func targetsOf(t *testing.T, path string) *metadata.TargetsType {
	t.Helper()
	tt, err := parseFile(t, path).Targets()
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

func delegationNames(t *metadata.TargetsType) []string {
	var out []string
	if t.Delegations != nil {
		for _, r := range t.Delegations.Roles {
			out = append(out, r.Name)
		}
	}
	return out
}

func requireFinding(t *testing.T, rep *verify.Report, sev verify.Severity, check, text string) {
	t.Helper()
	for _, f := range rep.Findings {
		if f.Severity == sev && f.Check == check && strings.Contains(f.File+" "+f.Message, text) {
			return
		}
	}
	t.Errorf("no %v %q finding mentioning %q; findings: %+v", sev, check, text, rep.Findings)
}

// TestClaimsCeremony: two requests taken into claimed v2 by the claimed
// role's keyholders, 2 of 3; partial until the threshold; bundled,
// verified against the trusted root, replayed.
func TestClaimsCeremony(t *testing.T) {
	w := newClaimsWorld(t)
	res := w.claimsInit("claims")
	ws := w.ws("claims")
	if res.ClaimedVersion != 2 || len(res.Accepted) != 2 {
		t.Fatalf("claims init: claimed v%d, accepted %d; want v2 and both requests", res.ClaimedVersion, len(res.Accepted))
	}
	st, err := workspace.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	if st.State.Kind != workspace.Claims || strings.Join(st.State.Roles, ",") != "claimed" {
		t.Fatalf("workspace %s signing %v; want a claims workspace signing claimed", st.State.Kind, st.State.Roles)
	}
	claimed := targetsOf(t, metaPath(ws, plan.RoleClaimed))
	if got := delegationNames(claimed); strings.Join(got, ",") != "tiny,demo-pkg" {
		t.Errorf("claimed v2 delegates %v; want tiny then demo-pkg (descending names)", got)
	}
	for _, r := range claimed.Delegations.Roles {
		if !r.Terminating || len(r.Paths) == 0 || len(r.PathHashPrefixes) > 0 {
			t.Errorf("delegation to %s: terminating %t, paths %v: want terminating path patterns", r.Name, r.Terminating, r.Paths)
		}
	}
	if demo := claimed.Delegations.Roles[1]; demo.Threshold != 2 || len(demo.KeyIDs) != 3 {
		t.Errorf("demo-pkg delegated with threshold %d to %d keys; want 2 of 3", demo.Threshold, len(demo.KeyIDs))
	}
	// Every claim file kept, named by SHA-256 in the init record.
	for _, name := range []string{"demo-pkg.claim.json", "tiny.claim.json"} {
		kept := readFile(t, filepath.Join(ws, "claims", name))
		if string(kept) != string(readFile(t, filepath.Join(w.claimsDir, name))) {
			t.Errorf("claims/%s is not the request as given", name)
		}
	}
	rep, err := eng.Replay(ws)
	if err != nil || !rep.OK() {
		t.Fatalf("replay of the new workspace: %v %+v", err, rep.FirstBad)
	}

	// Only claimed's keyholders may sign; dave may not.
	if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: w.signers["dave"], Now: testNow}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("dave signs claimed: %v; want not authorized", err)
	}
	w.sign(ws, "alice")
	if getStatus(t, ws).AllMet() {
		t.Fatal("claimed met with one signature of a 2-of-3 rule")
	}
	partial := filepath.Join(w.dir, "partial.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: partial, Now: testNow}); err == nil {
		t.Error("bundle of an under-threshold claims workspace was not refused")
	}
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: partial, Partial: true})
	prep := verifyBundle(t, partial, metaPath(w.boot, "root"))
	requireFinding(t, prep, verify.Warning, "partial", "NOT FOR UPLOAD")
	requireFinding(t, prep, verify.Warning, "threshold", "claimed")

	w.sign(ws, "bob")
	if st := getStatus(t, ws); !st.AllMet() || roleStatus(t, st, plan.RoleClaimed).Thresholds[0].Delegator != "targets v1" {
		t.Fatalf("status after alice and bob: %+v", st.Roles)
	}
	if vr, err := audit.VerifyWorkspace(eng, ws, metaPath(w.boot, "root"), testNow); err != nil || !vr.OK() {
		t.Fatalf("verify workspace: %v %v", err, vr.Errors())
	}
	seal(t, w.fixture, ws, "alice", "carol")
	out := filepath.Join(w.dir, "claims.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	b := readBundle(t, out)
	for _, name := range []string{"metadata/2.claimed.json", "trusted/root.json", "trusted/targets.json", "trusted/claimed.json",
		"claims/demo-pkg.claim.json", "claims/tiny.claim.json", "claims-review.json", "accepted-projects.json", "transcript/seal.dsse.json"} {
		bundleEntry(t, b, name)
	}
	readme := string(bundleEntry(t, b, "README.txt"))
	iClaimed, iRecent, iSnap := strings.Index(readme, "2.claimed.json ->"), strings.Index(readme, "from recently-claimed"), strings.Index(readme, "snapshot and timestamp")
	if iClaimed < 0 || iRecent < iClaimed || iSnap < iRecent {
		t.Errorf("README.txt does not say: claimed, then recently-claimed, then snapshot and timestamp:\n%s", readme)
	}
	vrep := verifyBundle(t, out, metaPath(w.boot, "root"))
	if !vrep.OK() || vrep.RootVersion != 1 {
		t.Fatalf("verify claims bundle: root v%d, errors %v", vrep.RootVersion, vrep.Errors())
	}
	rrep, err := audit.ReplayBundle(eng, out)
	if err != nil || !rrep.OK() || !rrep.Sealed {
		t.Fatalf("replay claims bundle: %v %+v", err, rrep)
	}
	// A bundle made from another root is refused.
	other := newClaimsWorld(t)
	requireFinding(t, verifyBundle(t, out, metaPath(other.boot, "root")), verify.Error, "trusted-root", "another root")

	// The next claims ceremony starts from this one's bundle: claimed v3
	// keeps v2's delegations as they are and adds the new project; a
	// request for a project claimed already (by other keys) is refused.
	next := filepath.Join(w.dir, "requests2")
	if err := os.MkdirAll(next, 0o755); err != nil {
		t.Fatal(err)
	}
	w.claimsDir = next
	w.request("third", 1, "m1")
	w.request("tiny", 1, "m2")
	res3, err := claimedkind.Init(eng, claimedkind.Options{From: out, ClaimsDir: next, Dir: w.ws("claims3"), Now: testNow})
	if err != nil {
		t.Fatalf("claims init from the claims bundle: %v", err)
	}
	if res3.ClaimedVersion != 3 || len(res3.Accepted) != 1 || res3.Review.Count(claims.Refused) != 1 {
		t.Fatalf("second claims init: claimed v%d, %d accepted, %d refused; want v3, third accepted, tiny refused", res3.ClaimedVersion, len(res3.Accepted), res3.Review.Count(claims.Refused))
	}
	v3 := targetsOf(t, metaPath(w.ws("claims3"), plan.RoleClaimed))
	if got := delegationNames(v3); strings.Join(got, ",") != "tiny,demo-pkg,third" {
		t.Errorf("claimed v3 delegates %v; want v2's tiny, demo-pkg, then third", got)
	}
	if rep, err := eng.Replay(w.ws("claims3")); err != nil || !rep.OK() {
		t.Fatalf("replay of the second claims workspace: %v %+v", err, rep)
	}
}

// TestClaimsBundleTamperedClaim: a claim request changed in the bundle,
// and a delegation no request backs, are refused by verify.
func TestClaimsBundleTampered(t *testing.T) {
	w := newClaimsWorld(t)
	w.claimsInit("claims")
	ws := w.ws("claims")
	w.sign(ws, "alice", "bob")
	out := filepath.Join(w.dir, "claims.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	b := readBundle(t, out)

	// The threshold changed in the request's statement: its proof of
	// possession no longer holds.
	tampered := rewriteBundle(t, b, filepath.Join(w.dir, "tampered.tar"), func(name string, data []byte) []byte {
		if name != "claims/demo-pkg.claim.json" {
			return data
		}
		return lowerThreshold(t, data)
	})
	rep := verifyBundle(t, tampered, metaPath(w.boot, "root"))
	if rep.OK() {
		t.Fatal("a bundle with a changed claim request verifies")
	}
	requireFinding(t, rep, verify.Error, "claim", "claims/demo-pkg.claim.json")
	requireFinding(t, rep, verify.Error, "replay", "claims/demo-pkg.claim.json hashes to")

	// claimed v2 with one more delegation, signed by the keyholders: a
	// delegation no claim request asks for.
	f := parseFile(t, metaPath(ws, plan.RoleClaimed))
	tt, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	extra := tt.Delegations.Roles[0]
	extra.Name = "hijacked"
	extra.Paths = claims.ProjectPaths("hijacked")
	tt.Delegations.Roles = append(tt.Delegations.Roles, extra)
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
	unbacked := rewriteBundle(t, b, filepath.Join(w.dir, "unbacked.tar"), func(name string, data []byte) []byte {
		if name == "metadata/2.claimed.json" {
			return forgedBytes
		}
		return data
	})
	rep = verifyBundle(t, unbacked, metaPath(w.boot, "root"))
	requireFinding(t, rep, verify.Error, "delegations", `"hijacked", which no accepted claim request asks for`)
}

// TestClaimsInitRefusals: nothing accepted, and a source that is not
// finished, write nothing.
func TestClaimsInitRefusals(t *testing.T) {
	w := newClaimsWorld(t)
	bad := filepath.Join(w.dir, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	data := readFile(t, filepath.Join(w.claimsDir, "tiny.claim.json"))
	if err := os.WriteFile(filepath.Join(bad, "tiny.claim.json"), []byte(strings.Replace(string(data), `"payload": "`, `"payload": "A`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := claimedkind.Init(eng, claimedkind.Options{From: w.boot, ClaimsDir: bad, Dir: w.ws("none"), Now: testNow})
	if !errors.Is(err, claimedkind.ErrNoClaimsAccepted) || res == nil || res.Review.Count(claims.Refused) != 1 {
		t.Fatalf("claims init with one tampered request: %v; want ErrNoClaimsAccepted and one refusal", err)
	}
	if _, err := os.Stat(w.ws("none")); !os.IsNotExist(err) {
		t.Errorf("a refused claims init wrote %s", w.ws("none"))
	}
	// A bootstrap that is not finished is no trusted state.
	f2 := newClaimsWorld(t)
	p := standardPlan()
	p.profile, p.claimed, p.claimedThreshold = "pep480", []string{"alice", "bob", "carol"}, 2
	f2.init(f2.plan("plan2.yaml", p), "unfinished", "")
	if _, err := claimedkind.Init(eng, claimedkind.Options{From: f2.ws("unfinished"), ClaimsDir: f2.claimsDir, Dir: f2.ws("x"), Now: testNow}); err == nil || !strings.Contains(err.Error(), "not finished") {
		t.Errorf("claims init from an unfinished bootstrap: %v", err)
	}
}

// TestProjectCeremony: from the claims bundle, demo-pkg's maintainers
// sign their role, 2 of 3, one through a payload signed elsewhere; the
// bundle verifies and replays; a path outside the delegation and a
// project not claimed are refused.
func TestProjectCeremony(t *testing.T) {
	w := newClaimsWorld(t)
	w.claimsInit("claims")
	cws := w.ws("claims")
	w.sign(cws, "alice", "bob")
	claimsBundle := filepath.Join(w.dir, "claims.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: cws, Out: claimsBundle})

	file := filepath.Join(w.dir, "demo_pkg-1.0.tar.gz")
	if err := os.WriteFile(file, []byte("demo-pkg 1.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const target = "packages/ab/cd/0123abcd/demo_pkg-1.0.tar.gz"
	pws := w.ws("project")

	// Refusals first: nothing is written.
	_, err := project.Init(eng, project.Options{Project: "demo-pkg", From: claimsBundle, Dir: pws, Now: testNow,
		Targets: []project.Target{{Path: "packages/ab/cd/0123abcd/other-1.0.tar.gz", File: file}}})
	if err == nil || !strings.Contains(err.Error(), "outside demo-pkg's delegation") || !strings.Contains(err.Error(), claims.ProjectPaths("demo-pkg")[0]) {
		t.Errorf("a target outside the delegation: %v; want a refusal naming the pattern", err)
	}
	_, err = project.Init(eng, project.Options{Project: "unknown-pkg", From: claimsBundle, Dir: pws, Now: testNow,
		Targets: []project.Target{{Path: target, File: file}}})
	if !errors.Is(err, project.ErrNotClaimed) || !strings.Contains(err.Error(), "unclaimed") {
		t.Errorf("a project claimed does not delegate: %v; want ErrNotClaimed with its status", err)
	}
	if _, err := os.Stat(pws); !os.IsNotExist(err) {
		t.Fatalf("a refused project init wrote %s", pws)
	}

	if _, err := project.Init(eng, project.Options{Project: "Demo_Pkg", From: claimsBundle, Dir: pws, Now: testNow,
		Targets: []project.Target{{Path: target, File: file}}}); err != nil {
		t.Fatalf("project init: %v", err)
	}
	role := targetsOf(t, metaPath(pws, "demo-pkg"))
	tf := role.Targets[target]
	if role.Version != 1 || tf == nil || tf.Length != int64(len("demo-pkg 1.0\n")) || len(tf.Hashes["sha256"]) != 32 || len(tf.Hashes) != 1 {
		t.Fatalf("demo-pkg v%d lists %+v; want v1 with the file's length and sha256 alone (the default every client verifies)", role.Version, tf)
	}
	if sha256Hex([]byte("demo-pkg 1.0\n")) != tf.Hashes["sha256"].String() {
		t.Error("the sha256 listed is not the file's")
	}

	// m1 signs here; m3 signs a payload elsewhere; solo (another
	// project's key) may not.
	w.signAs(pws, w.maintainers["m1"])
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws, Signer: w.maintainers["solo"], Now: testNow}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("another project's key signs demo-pkg: %v", err)
	}
	payload := exportPayload(t, pws, "demo-pkg")
	sig, err := payloadfile.SignAt(payload, w.maintainers["m3"], testNow)
	if err != nil {
		t.Fatalf("m3 signs the payload: %v", err)
	}
	if res := importAll(t, pws, [][]byte{sig}); len(res.Imported) != 1 {
		t.Fatalf("import: %+v", res)
	}
	st := getStatus(t, pws)
	if !st.AllMet() || roleStatus(t, st, "demo-pkg").Thresholds[0].Delegator != "claimed v2" {
		t.Fatalf("project status: %+v", st.Roles)
	}
	out := filepath.Join(w.dir, "demo-pkg.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: pws, Out: out})
	b := readBundle(t, out)
	if string(bundleEntry(t, b, "targets/"+target)) != "demo-pkg 1.0\n" {
		t.Error("the bundle does not carry the target file")
	}
	bundleEntry(t, b, "metadata/1.demo-pkg.json")
	if rep := verifyBundle(t, out, metaPath(w.boot, "root")); !rep.OK() {
		t.Fatalf("verify project bundle: %v", rep.Errors())
	}
	if rep, err := audit.ReplayBundle(eng, out); err != nil || !rep.OK() {
		t.Fatalf("replay project bundle: %v %+v", err, rep)
	}
	// A target file changed in the bundle is refused.
	changed := rewriteBundle(t, b, filepath.Join(w.dir, "changed.tar"), func(name string, data []byte) []byte {
		if name == "targets/"+target {
			return []byte("evil\n")
		}
		return data
	})
	requireFinding(t, verifyBundle(t, changed, metaPath(w.boot, "root")), verify.Error, "targets", "length or hashes")

	// Published as the online server does: claims, then demo-pkg; then
	// tiny's maintainer starts from the repository itself.
	repo := w.publish(t)
	if err := publish.ApplyBundle(repo, claimsBundle, w.online, testNow); err != nil {
		t.Fatalf("publish the claims bundle: %v", err)
	}
	if err := publish.ApplyBundle(repo, out, w.online, testNow); err != nil {
		t.Fatalf("publish the project bundle: %v", err)
	}
	tinyFile := filepath.Join(w.dir, "tiny-0.1-py3-none-any.whl")
	if err := os.WriteFile(tinyFile, []byte("tiny wheel\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tws := w.ws("tiny")
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: repo, Dir: tws, Now: testNow, Hashes: []string{"sha256"},
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-0.1-py3-none-any.whl", File: tinyFile}}}); err != nil {
		t.Fatalf("project init of tiny from the repository: %v", err)
	}
	w.signAs(tws, w.maintainers["solo"])
	tinyBundle := filepath.Join(w.dir, "tiny.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: tws, Out: tinyBundle})
	if rep := verifyBundle(t, tinyBundle, filepath.Join(repo, "metadata", "1.root.json")); !rep.OK() {
		t.Fatalf("verify tiny's bundle: %v", rep.Errors())
	}
	if err := publish.ApplyBundle(repo, tinyBundle, w.online, testNow); err != nil {
		t.Fatalf("publish tiny's bundle: %v", err)
	}
	vrep, err := verify.Repository(repo, verify.Options{At: testNow})
	if err != nil || !vrep.OK() {
		t.Fatalf("verify the published repository: %v %v", err, vrep.Errors())
	}
	versions := map[string]int64{}
	for _, r := range vrep.Roles {
		versions[r.Role] = r.Version
	}
	if versions[plan.RoleClaimed] != 2 || versions[plan.RoleRecentlyClaimed] != 2 || versions["demo-pkg"] != 1 || versions["tiny"] != 1 {
		t.Errorf("published versions %v; want claimed v2, recently-claimed v2, demo-pkg v1, tiny v1", versions)
	}

	// The online key writes tiny v2 with a file of its own. tiny's next
	// ceremony follows v2's version but carries nothing of it over.
	cur, err := publish.CurrentRole(repo, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	forged, err := cur.Targets()
	if err != nil {
		t.Fatal(err)
	}
	const evil = "packages/66/66/6666/tiny-6.6.tar.gz"
	if forged.Targets[evil], err = metadata.TargetFile().FromBytes(evil, []byte("evil\n"), "sha256"); err != nil {
		t.Fatal(err)
	}
	forged.Version = 2
	forgedFile, err := metafile.FromSigned(forged)
	if err != nil {
		t.Fatal(err)
	}
	signFile(t, forgedFile, w.online)
	if err := (&publish.Update{Dir: repo, Roles: map[string]*metafile.File{"tiny": forgedFile}, Online: w.online, Now: testNow}).Publish(); err != nil {
		t.Fatal(err)
	}
	tws3 := w.ws("tiny3")
	if _, err := project.Init(eng, project.Options{Project: "tiny", From: repo, Dir: tws3, Now: testNow, Hashes: []string{"sha256"},
		Targets: []project.Target{{Path: "packages/01/23/4567/tiny-0.2-py3-none-any.whl", File: tinyFile}}}); err != nil {
		t.Fatalf("project init of tiny after the forged v2: %v", err)
	}
	next := targetsOf(t, metaPath(tws3, "tiny"))
	st3, err := workspace.Open(tws3)
	if err != nil {
		t.Fatal(err)
	}
	if next.Version != 3 || next.Targets[evil] != nil || next.Targets["packages/01/23/4567/tiny-0.1-py3-none-any.whl"] != nil || len(st3.State.Warnings) != 1 {
		t.Errorf("tiny v%d lists %v, warnings %q; want v3 with the new file only and a warning", next.Version, sortedTargets(next), st3.State.Warnings)
	}
}

func sortedTargets(t *metadata.TargetsType) []string {
	var out []string
	for p := range t.Targets {
		out = append(out, p)
	}
	return out
}

// publish writes the bootstrap as a repository, signed online.
func (w *claimsWorld) publish(t *testing.T) string {
	t.Helper()
	p, err := plan.Load(filepath.Join(w.dir, "plan.yaml"), keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(w.dir, "repository")
	r := &publish.Repository{Dir: repo, Plan: p, Online: w.online, Now: testNow, Offline: map[string]*metafile.File{}}
	r.Roots = []*metafile.File{parseFile(t, metaPath(w.boot, "root"))}
	for _, role := range []string{"targets", plan.RoleClaimed} {
		r.Offline[role] = parseFile(t, metaPath(w.boot, role))
	}
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	return repo
}

// lowerThreshold rewrites a claim request's statement to threshold 1,
// keeping its signatures: what someone who wants one stolen key to be
// enough would do.
func lowerThreshold(t *testing.T, data []byte) []byte {
	t.Helper()
	var req map[string]any
	if err := json.Unmarshal(data, &req); err != nil {
		t.Fatal(err)
	}
	env := req["envelope"].(map[string]any)
	body, err := base64.StdEncoding.DecodeString(env["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(body), `"threshold":2`, `"threshold":1`, 1)
	if changed == string(body) {
		t.Fatalf("no threshold 2 in the statement %s", body)
	}
	env["payload"] = base64.StdEncoding.EncodeToString([]byte(changed))
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// rewriteBundle writes b again as out, each entry's data passed through
// change (the manifest is made anew: only what a ceremony checks stands
// between the change and the reader).
func rewriteBundle(t *testing.T, b *bundle.Bundle, out string, change func(name string, data []byte) []byte) string {
	t.Helper()
	var entries []bundle.Entry
	for _, e := range b.Entries {
		entries = append(entries, bundle.Entry{Name: e.Name, Data: change(e.Name, e.Data)})
	}
	if _, err := bundle.Write(out, entries); err != nil {
		t.Fatal(err)
	}
	return out
}

// signFile adds s's signature over f's canonical bytes.
func signFile(t *testing.T, f *metafile.File, s keys.Signer) {
	t.Helper()
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(s, msg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	f.AddSignature(id, hex.EncodeToString(sig))
}

// TestClaimsInitReviewOnly: the review-only mode (the app's review screen)
// says what the ceremony would add and writes nothing, not even the
// workspace directory it is given.
func TestClaimsInitReviewOnly(t *testing.T) {
	w := newClaimsWorld(t)
	dir := w.ws("review-only")
	res, err := claimedkind.Init(eng, claimedkind.Options{From: w.boot, ClaimsDir: w.claimsDir, Dir: dir, ReviewOnly: true, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	var added []string
	for _, c := range res.Accepted {
		added = append(added, c.Project)
	}
	sort.Strings(added)
	if res.ClaimedVersion != 2 || strings.Join(added, ",") != "demo-pkg,tiny" || res.Workspace != nil {
		t.Fatalf("review only: claimed v%d, accepted %v, workspace %v; want v2, demo-pkg and tiny, no workspace", res.ClaimedVersion, added, res.Workspace)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("review only wrote %s (%v)", dir, err)
	}
	// The same request with the workspace makes it, with what was reviewed.
	if made := w.claimsInit("review-only"); made.ClaimedVersion != res.ClaimedVersion || len(made.Accepted) != len(res.Accepted) {
		t.Errorf("the workspace holds claimed v%d with %d projects; the review said v%d with %d", made.ClaimedVersion, len(made.Accepted), res.ClaimedVersion, len(res.Accepted))
	}
}
