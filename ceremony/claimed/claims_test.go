package claimed_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	claimedkind "github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func delegationNames(t *metadata.TargetsType) []string {
	var out []string
	if t.Delegations != nil {
		for _, r := range t.Delegations.Roles {
			out = append(out, r.Name)
		}
	}
	return out
}

// TestClaimsCeremony: two requests taken into claimed v2 by the claimed
// role's keyholders, 2 of 3; partial until the threshold; bundled,
// verified against the trusted root, replayed.
func TestClaimsCeremony(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	res := w.ClaimsInit("claims")
	ws := w.WS("claims")
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
	claimed := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(ws, plan.RoleClaimed))
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
		kept := ceremonytest.ReadFile(t, filepath.Join(ws, "claims", name))
		if string(kept) != string(ceremonytest.ReadFile(t, filepath.Join(w.ClaimsDir, name))) {
			t.Errorf("claims/%s is not the request as given", name)
		}
	}
	rep, err := ceremonytest.Engine.Replay(ws)
	if err != nil || !rep.OK() {
		t.Fatalf("replay of the new workspace: %v %+v", err, rep.FirstBad)
	}
	// claimed v2 is written once: its init state is a second name of the
	// metadata file (and stays v2's bytes when signing replaces that file:
	// the replays below read it).
	meta, err := os.Stat(ceremonytest.MetaPath(ws, plan.RoleClaimed))
	if err != nil {
		t.Fatal(err)
	}
	initState, err := os.Stat(filepath.Join(ws, workspace.TranscriptDir, transcripts.StatesDir, transcripts.Sum(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, plan.RoleClaimed)))+".json"))
	if err != nil || !os.SameFile(meta, initState) {
		t.Errorf("claimed's init state is not the metadata file by a second name (%v)", err)
	}

	// Only claimed's keyholders may sign; dave may not.
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: w.Signers["dave"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Errorf("dave signs claimed: %v; want not authorized", err)
	}
	w.Sign(ws, "alice")
	if ceremonytest.GetStatus(t, ws).AllMet() {
		t.Fatal("claimed met with one signature of a 2-of-3 rule")
	}
	partial := filepath.Join(w.Dir, "partial.tar")
	if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: ws, Out: partial, Now: ceremonytest.Now}); err == nil {
		t.Error("bundle of an under-threshold claims workspace was not refused")
	}
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: partial, Partial: true})
	prep := ceremonytest.VerifyBundle(t, partial, ceremonytest.MetaPath(w.Boot, "root"))
	ceremonytest.RequireFinding(t, prep, verify.Warning, "partial", "NOT FOR UPLOAD")
	ceremonytest.RequireFinding(t, prep, verify.Warning, "threshold", "claimed")

	w.Sign(ws, "bob")
	if st := ceremonytest.GetStatus(t, ws); !st.AllMet() || ceremonytest.RoleStatus(t, st, plan.RoleClaimed).Thresholds[0].Delegator != "targets v1" {
		t.Fatalf("status after alice and bob: %+v", st.Roles)
	}
	if vr, err := audit.VerifyWorkspace(ceremonytest.Engine, ws, ceremonytest.MetaPath(w.Boot, "root"), ceremonytest.Now); err != nil || !vr.OK() {
		t.Fatalf("verify workspace: %v %v", err, vr.Errors())
	}
	ceremonytest.Seal(t, w.Fixture, ws, "alice", "carol")
	out := filepath.Join(w.Dir, "claims.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	b := ceremonytest.ReadBundle(t, out)
	for _, name := range []string{"metadata/2.claimed.json", "trusted/root.json", "trusted/targets.json", "trusted/claimed.json",
		"claims/demo-pkg.claim.json", "claims/tiny.claim.json", "claims-review.json", "accepted-projects.json", "transcript/seal.dsse.json"} {
		ceremonytest.BundleEntry(t, b, name)
	}
	readme := string(ceremonytest.BundleEntry(t, b, "README.txt"))
	iClaimed, iRecent, iSnap := strings.Index(readme, "2.claimed.json ->"), strings.Index(readme, "from recently-claimed"), strings.Index(readme, "snapshot and timestamp")
	if iClaimed < 0 || iRecent < iClaimed || iSnap < iRecent {
		t.Errorf("README.txt does not say: claimed, then recently-claimed, then snapshot and timestamp:\n%s", readme)
	}
	if !strings.Contains(readme, "Snapshot\n      must give claimed.json's length") {
		t.Errorf("README.txt does not say that snapshot must give claimed's length (go-tuf's 5 MB default):\n%s", readme)
	}
	vrep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(w.Boot, "root"))
	if !vrep.OK() || vrep.RootVersion != 1 {
		t.Fatalf("verify claims bundle: root v%d, errors %v", vrep.RootVersion, vrep.Errors())
	}
	rrep, err := audit.ReplayBundle(ceremonytest.Engine, out)
	if err != nil || !rrep.OK() || !rrep.Sealed {
		t.Fatalf("replay claims bundle: %v %+v", err, rrep)
	}
	// A bundle made from another root is refused.
	other := ceremonytest.NewClaimsWorld(t)
	ceremonytest.RequireFinding(t, ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(other.Boot, "root")), verify.Error, "trusted-root", "another root")

	// The next claims ceremony starts from this one's bundle: claimed v3
	// keeps v2's delegations as they are and adds the new project; a
	// request for a project claimed already (by other keys) is refused.
	next := filepath.Join(w.Dir, "requests2")
	if err := os.MkdirAll(next, 0o755); err != nil {
		t.Fatal(err)
	}
	w.ClaimsDir = next
	w.Request("third", 1, "m1")
	w.Request("tiny", 1, "m2")
	res3, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: out, ClaimsDir: next, Dir: w.WS("claims3"), Now: ceremonytest.Now})
	if err != nil {
		t.Fatalf("claims init from the claims bundle: %v", err)
	}
	if res3.ClaimedVersion != 3 || len(res3.Accepted) != 1 || res3.Review.Count(claims.Refused) != 1 {
		t.Fatalf("second claims init: claimed v%d, %d accepted, %d refused; want v3, third accepted, tiny refused", res3.ClaimedVersion, len(res3.Accepted), res3.Review.Count(claims.Refused))
	}
	v3 := ceremonytest.TargetsOf(t, ceremonytest.MetaPath(w.WS("claims3"), plan.RoleClaimed))
	if got := delegationNames(v3); strings.Join(got, ",") != "tiny,demo-pkg,third" {
		t.Errorf("claimed v3 delegates %v; want v2's tiny, demo-pkg, then third", got)
	}
	if rep, err := ceremonytest.Engine.Replay(w.WS("claims3")); err != nil || !rep.OK() {
		t.Fatalf("replay of the second claims workspace: %v %+v", err, rep)
	}
}

// TestClaimsBundleTamperedClaim: a claim request changed in the bundle,
// and a delegation no request backs, are refused by verify.
func TestClaimsBundleTampered(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	w.ClaimsInit("claims")
	ws := w.WS("claims")
	w.Sign(ws, "alice", "bob")
	out := filepath.Join(w.Dir, "claims.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out})
	b := ceremonytest.ReadBundle(t, out)

	// The threshold changed in the request's statement: its proof of
	// possession no longer holds.
	tampered := ceremonytest.RewriteBundle(t, b, filepath.Join(w.Dir, "tampered.tar"), func(name string, data []byte) []byte {
		if name != "claims/demo-pkg.claim.json" {
			return data
		}
		return lowerThreshold(t, data)
	})
	rep := ceremonytest.VerifyBundle(t, tampered, ceremonytest.MetaPath(w.Boot, "root"))
	if rep.OK() {
		t.Fatal("a bundle with a changed claim request verifies")
	}
	ceremonytest.RequireFinding(t, rep, verify.Error, "claim", "claims/demo-pkg.claim.json")
	ceremonytest.RequireFinding(t, rep, verify.Error, "replay", "claims/demo-pkg.claim.json hashes to")

	// claimed v2 with one more delegation, signed by the keyholders: a
	// delegation no claim request asks for.
	f := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, plan.RoleClaimed))
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
		ceremonytest.SignFile(t, forged, w.Signers[name])
	}
	forgedBytes, err := forged.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	unbacked := ceremonytest.RewriteBundle(t, b, filepath.Join(w.Dir, "unbacked.tar"), func(name string, data []byte) []byte {
		if name == "metadata/2.claimed.json" {
			return forgedBytes
		}
		return data
	})
	rep = ceremonytest.VerifyBundle(t, unbacked, ceremonytest.MetaPath(w.Boot, "root"))
	ceremonytest.RequireFinding(t, rep, verify.Error, "delegations", `"hijacked", which no accepted claim request asks for`)

	// A change is checked once per process and its result kept by the
	// hash of its inputs: the untouched bundle, checked after the forged
	// one, verifies, and the forged one, checked after it, still does not.
	if rep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(w.Boot, "root")); !rep.OK() {
		t.Fatalf("the untouched bundle does not verify after the forged one: %+v", rep)
	}
	rep = ceremonytest.VerifyBundle(t, unbacked, ceremonytest.MetaPath(w.Boot, "root"))
	ceremonytest.RequireFinding(t, rep, verify.Error, "delegations", `"hijacked", which no accepted claim request asks for`)
}

// TestClaimsInitRefusals: nothing accepted, and a source that is not
// finished, write nothing.
func TestClaimsInitRefusals(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	bad := filepath.Join(w.Dir, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	data := ceremonytest.ReadFile(t, filepath.Join(w.ClaimsDir, "tiny.claim.json"))
	if err := os.WriteFile(filepath.Join(bad, "tiny.claim.json"), []byte(strings.Replace(string(data), `"payload": "`, `"payload": "A`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: bad, Dir: w.WS("none"), Now: ceremonytest.Now})
	if !errors.Is(err, claimedkind.ErrNoClaimsAccepted) || res == nil || res.Review.Count(claims.Refused) != 1 {
		t.Fatalf("claims init with one tampered request: %v; want ErrNoClaimsAccepted and one refusal", err)
	}
	if _, err := os.Stat(w.WS("none")); !os.IsNotExist(err) {
		t.Errorf("a refused claims init wrote %s", w.WS("none"))
	}
	// A bootstrap that is not finished is no trusted state.
	f2 := ceremonytest.NewClaimsWorld(t)
	p := ceremonytest.StandardPlan()
	p.Profile, p.Claimed, p.ClaimedThreshold = "pep480", []string{"alice", "bob", "carol"}, 2
	f2.Init(f2.Plan("plan2.yaml", p), "unfinished", "")
	if _, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: f2.WS("unfinished"), ClaimsDir: f2.ClaimsDir, Dir: f2.WS("x"), Now: ceremonytest.Now}); err == nil || !strings.Contains(err.Error(), "not finished") {
		t.Errorf("claims init from an unfinished bootstrap: %v", err)
	}
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

// TestClaimsInitReviewOnly: the review-only mode (the app's review screen)
// says what the ceremony would add and writes nothing, not even the
// workspace directory it is given.
func TestClaimsInitReviewOnly(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	dir := w.WS("review-only")
	res, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: dir, ReviewOnly: true, Now: ceremonytest.Now})
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
	if made := w.ClaimsInit("review-only"); made.ClaimedVersion != res.ClaimedVersion || len(made.Accepted) != len(res.Accepted) {
		t.Errorf("the workspace holds claimed v%d with %d projects; the review said v%d with %d", made.ClaimedVersion, len(made.Accepted), res.ClaimedVersion, len(res.Accepted))
	}
}

// claims init reviews as 'claims review' does: a request older than the
// age limit, or without an attestation when one is required, is refused;
// the rules applied are in claims-review.json.
func TestClaimsInitReviewRules(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	later := ceremonytest.Now.Add(100 * 24 * time.Hour)
	res, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: w.WS("old"), Now: later, MaxAge: claims.DefaultMaxAge})
	if !errors.Is(err, claimedkind.ErrNoClaimsAccepted) || res == nil || res.Review.Count(claims.Refused) != 2 {
		t.Fatalf("claims init of 100-day-old requests with a 90-day limit: %v; want both refused", err)
	}
	for _, v := range res.Review.Verdicts {
		if !strings.Contains(v.Reason, "more than 90 days old") {
			t.Errorf("%s: %q, want the age named", v.Project, v.Reason)
		}
	}
	if _, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: w.WS("att"), Now: ceremonytest.Now, RequireAttestation: true}); !errors.Is(err, claimedkind.ErrNoClaimsAccepted) {
		t.Fatalf("claims init requiring attestations of file keys: %v; want nothing accepted", err)
	}
	ws := w.WS("ok")
	if _, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: ws, Now: later}); err != nil {
		t.Fatalf("claims init with no age limit: %v", err)
	}
	var review claimedkind.ReviewFile
	if err := json.Unmarshal(ceremonytest.ReadFile(t, filepath.Join(ws, workspace.ClaimsReviewFile)), &review); err != nil {
		t.Fatal(err)
	}
	if review.MaxAgeDays != 0 || review.RequireAttestation {
		t.Errorf("review file rules %d %v, want none", review.MaxAgeDays, review.RequireAttestation)
	}
	ws2 := w.WS("ok2")
	if _, err := claimedkind.Init(ceremonytest.Engine, claimedkind.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: ws2, Now: ceremonytest.Now, MaxAge: claims.DefaultMaxAge}); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(ceremonytest.ReadFile(t, filepath.Join(ws2, workspace.ClaimsReviewFile)), &review); err != nil || review.MaxAgeDays != 90 {
		t.Errorf("review file max_age_days %d (%v), want 90", review.MaxAgeDays, err)
	}
}
