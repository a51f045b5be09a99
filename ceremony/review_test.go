package ceremony_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func review(t *testing.T, ws, keyURI string, now time.Time) *ceremony.ReviewReport {
	t.Helper()
	rep, err := ceremonytest.Engine.Review(ws, keyURI, now)
	if err != nil {
		t.Fatalf("review %s: %v", ws, err)
	}
	return rep
}

func roleReview(t *testing.T, rep *ceremony.ReviewReport, role string) ceremony.RoleReview {
	t.Helper()
	for _, r := range rep.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("review has no role %q", role)
	return ceremony.RoleReview{}
}

func rootRole(t *testing.T, r ceremony.RoleReview, role string) ceremony.RootRoleReview {
	t.Helper()
	if r.Root == nil {
		t.Fatalf("review of %s has no root part", r.Role)
	}
	for _, rr := range r.Root.Roles {
		if rr.Role == role {
			return rr
		}
	}
	t.Fatalf("root review has no role %q: %+v", role, r.Root.Roles)
	return ceremony.RootRoleReview{}
}

func reviewIDs(ks []ceremony.ReviewKey) []string {
	out := []string{}
	for _, k := range ks {
		out = append(out, k.KeyID)
	}
	return out
}

// hasLine reports whether some line holds every one of parts.
func hasLine(lines []string, parts ...string) bool {
	for _, l := range lines {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(l, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// rotation makes a bootstrap workspace "ws" signed by alice, bob and carol
// and a root v2 workspace "ws2" from it in which root is alice, bob and
// frank, 2 of 3, expiring in 30 days.
func rotation(t *testing.T) *ceremonytest.Fixture {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	f.Sign(f.WS("ws"), "alice", "bob", "carol")
	p := ceremonytest.StandardPlan()
	p.Keyholders = append(p.Keyholders, "frank")
	p.Root, p.RootThreshold, p.RootDays = []string{"alice", "bob", "frank"}, 2, 30
	f.Init(f.Plan("plan-v2.yaml", p), "ws2", ceremonytest.MetaPath(f.WS("ws"), metadata.ROOT))
	return f
}

func TestReviewBootstrapListsEveryKeyAsAdded(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	rep := review(t, f.WS("ws"), "", ceremonytest.Now)

	if rep.Kind != workspace.Bootstrap || len(rep.Roles) != 2 {
		t.Fatalf("kind %s, roles %d: want a bootstrap reviewing root and targets", rep.Kind, len(rep.Roles))
	}
	root := roleReview(t, rep, metadata.ROOT)
	if root.Version != 1 || root.TrustedVersion != 0 || root.TrustedExpires != nil {
		t.Errorf("root v%d, trusted v%d: want v1 and nothing trusted", root.Version, root.TrustedVersion)
	}
	if root.ExpiresInDays != 365 || root.Expired {
		t.Errorf("root expires in %d days (expired %t), want 365", root.ExpiresInDays, root.Expired)
	}
	want := map[string][]string{
		metadata.ROOT:      f.IDs("alice", "bob", "carol", "dave", "erin"),
		metadata.TARGETS:   f.IDs("alice", "bob", "carol"),
		metadata.SNAPSHOT:  f.IDs("online"),
		metadata.TIMESTAMP: f.IDs("online"),
	}
	thresholds := map[string]int{metadata.ROOT: 3, metadata.TARGETS: 2, metadata.SNAPSHOT: 1, metadata.TIMESTAMP: 1}
	for role, ids := range want {
		rr := rootRole(t, root, role)
		if !ceremonytest.SameSet(reviewIDs(rr.Added), ids) || len(rr.Removed) != 0 || len(rr.Kept) != 0 {
			t.Errorf("%s: added %v removed %v kept %v; want every key added: %v", role, reviewIDs(rr.Added), reviewIDs(rr.Removed), reviewIDs(rr.Kept), ids)
		}
		if rr.Threshold != thresholds[role] || rr.TrustedThreshold != 0 {
			t.Errorf("%s threshold %d (trusted %d), want %d (none trusted)", role, rr.Threshold, rr.TrustedThreshold, thresholds[role])
		}
	}
	for _, k := range rootRole(t, root, metadata.ROOT).Added {
		if k.Holder == "" || k.Online || f.ID(k.Holder) != k.KeyID {
			t.Errorf("root key %s named %q (online %t): want its keyholder's name", k.KeyID, k.Holder, k.Online)
		}
	}
	if k := rootRole(t, root, metadata.TIMESTAMP).Added[0]; !k.Online || k.Label() != "online key" {
		t.Errorf("timestamp key %+v: want the online key, named as such", k)
	}
	bob := f.ID("bob")
	for _, line := range []string{"root v1 is new; expires 2031-01-02 (365 days)", "+ bob (ecdsa-sha2-nistp256 " + bob[:12] + ")", "root threshold 3",
		"+ online key (ed25519 " + f.ID("online")[:12] + ")", "must sign: root v1 requires 3 of alice, bob, carol, dave, erin; signed: none yet"} {
		if !hasLine(root.Lines, line) {
			t.Errorf("root lines lack %q:\n%s", line, strings.Join(root.Lines, "\n"))
		}
	}
	if hasLine(root.Lines, "->") || hasLine(root.Lines, "- ") {
		t.Errorf("a bootstrap review shows a change from a trusted value:\n%s", strings.Join(root.Lines, "\n"))
	}

	targets := roleReview(t, rep, metadata.TARGETS)
	if targets.TrustedVersion != 0 || targets.Targets == nil || len(targets.Targets.Delegations) != 1 || targets.Targets.Delegations[0].Change != ceremony.ChangeAdded {
		t.Errorf("targets review %+v: want the bins delegation, added", targets.Targets)
	}
	if len(targets.Signers) != 1 || targets.Signers[0].Delegator != "root v1" || targets.Signers[0].Threshold != 2 {
		t.Errorf("targets signers %+v: want root v1's rule, 2 of 3", targets.Signers)
	}
}

func TestReviewDemoRootV2(t *testing.T) {
	out := t.TempDir()
	if err := demo.Run(demo.Options{Out: out, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	id := map[string]string{}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "online"} {
		k, err := keys.ParseKeyJSON(ceremonytest.ReadFile(t, filepath.Join(out, "keys", name+".pub")))
		if err != nil {
			t.Fatal(err)
		}
		id[name] = ceremonytest.CanonicalKeyID(k)
	}
	ids := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, id[n])
		}
		return out
	}
	rep := review(t, filepath.Join(out, demo.RootV2Workspace), "", ceremonytest.Now.Add(time.Hour))

	ws2 := filepath.Join(out, demo.RootV2Workspace)
	canonical, err := metafile.Canonicalize(ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws2, metadata.ROOT)).Signed)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != workspace.NextRoot || len(rep.Roles) != 1 {
		t.Fatalf("kind %s, %d roles: want a next-root review of root alone", rep.Kind, len(rep.Roles))
	}
	root := roleReview(t, rep, metadata.ROOT)
	if root.CanonicalSHA256 != ceremonytest.SHA256Hex(canonical) || !hasLine(root.Lines, "canonical bytes to sign: sha256 "+ceremonytest.SHA256Hex(canonical)) {
		t.Errorf("canonical sha256 %s, want %s, said in a line", root.CanonicalSHA256, ceremonytest.SHA256Hex(canonical))
	}
	if root.Version != 2 || root.TrustedVersion != 1 {
		t.Errorf("root v%d against trusted v%d, want v2 against v1", root.Version, root.TrustedVersion)
	}
	if root.ExpiresInDays != 365 || root.TrustedExpires == nil || root.TrustedExpiresInDays != 365 {
		t.Errorf("expires in %d days, trusted in %d (%v): want 365 and 365", root.ExpiresInDays, root.TrustedExpiresInDays, root.TrustedExpires)
	}
	rr := rootRole(t, root, metadata.ROOT)
	if !ceremonytest.SameSet(reviewIDs(rr.Added), ids("frank")) || !ceremonytest.SameSet(reviewIDs(rr.Removed), ids("erin")) || !ceremonytest.SameSet(reviewIDs(rr.Kept), ids("alice", "bob", "carol", "dave")) {
		t.Errorf("root keys added %v, removed %v, kept %v: want frank added and erin removed", reviewIDs(rr.Added), reviewIDs(rr.Removed), reviewIDs(rr.Kept))
	}
	if rr.Added[0].Holder != "frank" || rr.Removed[0].Holder != "erin" || rr.Removed[0].Scheme != "ecdsa-sha2-nistp256" {
		t.Errorf("added %+v, removed %+v: want them named frank and erin", rr.Added, rr.Removed)
	}
	if rr.Threshold != 3 || rr.TrustedThreshold != 3 || rr.Changed() != true {
		t.Errorf("root threshold %d -> %d, changed %t", rr.TrustedThreshold, rr.Threshold, rr.Changed())
	}
	for _, role := range []string{metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if r := rootRole(t, root, role); r.Changed() || len(r.Kept) == 0 {
			t.Errorf("%s: %+v, want unchanged", role, r)
		}
	}
	if len(root.Signers) != 2 || root.Signers[0].Delegator != "previous root v1" || root.Signers[1].Delegator != "root v2" ||
		!ceremonytest.Contains(ceremonytest.PartyNames(root.Signers[0].Signed), "erin") || !ceremonytest.Contains(ceremonytest.PartyNames(root.Signers[1].Signed), "frank") {
		t.Errorf("signers %+v: want previous root v1 (erin signed) and root v2 (frank signed) apart", root.Signers)
	}
	for _, line := range []string{
		"root v2 replaces v1; expires 2031-01-02 (365 days)",
		"+ frank (ed25519 " + id["frank"][:12] + ")",
		"- erin (ecdsa-sha2-nistp256 " + id["erin"][:12] + ")",
		"root threshold 3 -> 3",
		"targets keys: unchanged (alice, bob, carol); targets threshold 2 -> 2",
		"spec_version 1.0.31 -> 1.0.31 (unchanged)",
		"must sign: previous root v1 requires 3 of alice, bob, carol, dave, erin",
		"must sign: root v2 requires 3 of alice, bob, carol, dave, frank",
	} {
		if !hasLine(root.Lines, line) {
			t.Errorf("lines lack %q:\n%s", line, strings.Join(root.Lines, "\n"))
		}
	}
	if hasLine(root.Lines, "+ alice") || hasLine(root.Lines, "- alice") {
		t.Errorf("alice stays, yet is listed as added or removed:\n%s", strings.Join(root.Lines, "\n"))
	}
}

func TestReviewThresholdChangeAndExpiryDays(t *testing.T) {
	f := rotation(t)
	ws2 := f.WS("ws2")
	rep := review(t, ws2, "", ceremonytest.Now)
	root := roleReview(t, rep, metadata.ROOT)
	rr := rootRole(t, root, metadata.ROOT)
	if rr.TrustedThreshold != 3 || rr.Threshold != 2 {
		t.Errorf("root threshold %d -> %d, want 3 -> 2", rr.TrustedThreshold, rr.Threshold)
	}
	if !ceremonytest.SameSet(reviewIDs(rr.Added), f.IDs("frank")) || !ceremonytest.SameSet(reviewIDs(rr.Removed), f.IDs("carol", "dave", "erin")) {
		t.Errorf("added %v removed %v", reviewIDs(rr.Added), reviewIDs(rr.Removed))
	}
	if !hasLine(root.Lines, "root threshold 3 -> 2") {
		t.Errorf("no threshold change line:\n%s", strings.Join(root.Lines, "\n"))
	}
	if root.ExpiresInDays != 30 || root.TrustedExpiresInDays != 365 {
		t.Errorf("expires in %d days (trusted %d), want 30 (365)", root.ExpiresInDays, root.TrustedExpiresInDays)
	}
	if !hasLine(root.Lines, "expires 2030-02-01 (30 days); v1 expires 2031-01-02 (365 days)") {
		t.Errorf("no expiry line:\n%s", strings.Join(root.Lines, "\n"))
	}

	// Ten days and a few hours later; then after expiry, which signing
	// refuses.
	later := review(t, ws2, "", ceremonytest.Now.Add(10*24*time.Hour+3*time.Hour))
	if d := roleReview(t, later, metadata.ROOT).ExpiresInDays; d != 20 {
		t.Errorf("ten days later: expires in %d days, want 20", d)
	}
	expired := roleReview(t, review(t, ws2, "", ceremonytest.Now.Add(32*24*time.Hour)), metadata.ROOT)
	if !expired.Expired || expired.ExpiresInDays != -2 || len(expired.Problems) == 0 || !hasLine(expired.Lines, "EXPIRED 2 days ago") {
		t.Errorf("after expiry: expired %t, %d days, problems %v, lines:\n%s", expired.Expired, expired.ExpiresInDays, expired.Problems, strings.Join(expired.Lines, "\n"))
	}
}

func TestReviewPEP458SummarizesBins(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	p := ceremonytest.StandardPlan()
	p.Bins = 16384
	f.Init(f.Plan("plan.yaml", p), "ws", "")
	rep := review(t, f.WS("ws"), "", ceremonytest.Now)
	targets := roleReview(t, rep, metadata.TARGETS)
	if targets.Targets == nil || len(targets.Targets.Delegations) != 1 {
		t.Fatalf("targets delegations %+v: want one entry for the bins", targets.Targets)
	}
	d := targets.Targets.Delegations[0]
	b := d.New.HashBins
	if b == nil || b.Count != 16384 || b.First != "bins-0000" || b.Last != "bins-3fff" || d.Name != "bins-0000..bins-3fff" {
		t.Fatalf("bins %+v named %q: want 16384 bins-0000..bins-3fff", b, d.Name)
	}
	if !ceremonytest.SameSet(reviewIDs(d.New.Keys), f.IDs("online")) || !d.New.Keys[0].Online || d.New.Threshold != 1 {
		t.Errorf("bins keys %+v threshold %d: want the online key, 1", d.New.Keys, d.New.Threshold)
	}
	if !hasLine(targets.Lines, "+ 16384 hash-bin roles bins-0000..bins-3fff, each 1 online key, threshold 1") {
		t.Errorf("no bins summary:\n%s", strings.Join(targets.Lines, "\n"))
	}
	if len(targets.Lines) > 10 || hasLine(targets.Lines, "bins-0001") {
		t.Errorf("%d lines for targets; the bins must be summarized, not listed", len(targets.Lines))
	}
	b2, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b2), "bins-0001") {
		t.Error("the JSON review lists single bins")
	}
}

func TestReviewPEP480DelegatesClaimed(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	p := ceremonytest.StandardPlan()
	p.Profile, p.Claimed, p.ClaimedThreshold = "pep480", []string{"alice", "bob"}, 2
	f.Init(f.Plan("plan.yaml", p), "ws", "")
	rep := review(t, f.WS("ws"), "", ceremonytest.Now)
	if len(rep.Roles) != 3 || rep.Roles[2].Role != "claimed" {
		t.Fatalf("roles %d: want root, targets, claimed", len(rep.Roles))
	}
	var claimed *ceremony.DelegationReview
	for i, d := range roleReview(t, rep, metadata.TARGETS).Targets.Delegations {
		if d.Name == "claimed" {
			claimed = &roleReview(t, rep, metadata.TARGETS).Targets.Delegations[i]
		}
	}
	if claimed == nil || claimed.Change != ceremony.ChangeAdded || !ceremonytest.SameSet(reviewIDs(claimed.New.Keys), f.IDs("alice", "bob")) ||
		claimed.New.Threshold != 2 || claimed.New.PathHashPrefixes != 16 || claimed.New.Terminating {
		t.Fatalf("claimed delegation %+v: want alice and bob, 2, 16 prefixes, not terminating", claimed)
	}
	c := roleReview(t, rep, "claimed")
	if len(c.Signers) != 1 || c.Signers[0].Delegator != "targets v1" || c.Signers[0].Threshold != 2 {
		t.Errorf("claimed signers %+v: want targets v1's delegation", c.Signers)
	}
}

func TestReviewKeyAuthorization(t *testing.T) {
	f := rotation(t)
	ws2 := f.WS("ws2")
	for _, tc := range []struct {
		name            string
		counted, notBut []string
	}{
		{"erin", []string{"previous root v1"}, []string{"root v2"}},
		{"frank", []string{"root v2"}, []string{"previous root v1"}},
		{"alice", []string{"previous root v1", "root v2"}, nil},
	} {
		rep := review(t, ws2, f.KeyFileURI(tc.name), ceremonytest.Now)
		a := roleReview(t, rep, metadata.ROOT).Key
		if rep.Key == nil || rep.Key.Holder != tc.name || rep.Key.KeyID != f.ID(tc.name) {
			t.Errorf("%s: the key about to sign is %+v", tc.name, rep.Key)
		}
		if a == nil || !a.Authorized || !ceremonytest.SameSet(a.CountedBy, tc.counted) || !ceremonytest.SameSet(a.NotCountedBy, tc.notBut) || a.AlreadySigned {
			t.Errorf("%s: %+v, want counted by %v only", tc.name, a, tc.counted)
		}
		if len(rep.KeyMaySign) != 1 || rep.KeyMaySign[0] != metadata.ROOT {
			t.Errorf("%s may sign %v, want root", tc.name, rep.KeyMaySign)
		}
	}

	// dave is in the plan and in the previous root's root role, but not
	// in root v2's; mallory is nowhere.
	f.Sign(ws2, "alice")
	rep := review(t, ws2, f.KeyFileURI("mallory"), ceremonytest.Now)
	if a := roleReview(t, rep, metadata.ROOT).Key; a == nil || a.Authorized || len(rep.KeyMaySign) != 0 {
		t.Errorf("mallory: %+v, may sign %v: want nothing", a, rep.KeyMaySign)
	}
	if !hasLine(roleReview(t, rep, metadata.ROOT).Lines, "may NOT sign root") || !hasLine(rep.Lines, "may sign nothing") {
		t.Errorf("mallory's refusal is not said:\n%s\n%s", strings.Join(rep.Lines, "\n"), strings.Join(roleReview(t, rep, metadata.ROOT).Lines, "\n"))
	}
	if a := roleReview(t, review(t, ws2, f.KeyFileURI("alice"), ceremonytest.Now), metadata.ROOT).Key; !a.AlreadySigned {
		t.Errorf("alice after signing: %+v, want already signed", a)
	}

	// In a bootstrap, dave may sign root but not targets.
	rep = review(t, f.WS("ws"), f.KeyFileURI("dave"), ceremonytest.Now)
	if len(rep.KeyMaySign) != 1 || rep.KeyMaySign[0] != metadata.ROOT || roleReview(t, rep, metadata.TARGETS).Key.Authorized {
		t.Errorf("dave may sign %v in the bootstrap, want root only", rep.KeyMaySign)
	}

	// Reviewing signs nothing and writes nothing.
	before := ceremonytest.SnapshotFiles(t, ws2)
	review(t, ws2, f.KeyFileURI("bob"), ceremonytest.Now)
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws2))
}

func TestReviewErrors(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	empty := filepath.Join(f.Dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir, key string
		want           []string
	}{
		{"no ceremony.json", empty, "", []string{filepath.Join(empty, "ceremony.json"), "not a ceremony workspace", "name the directory of a ceremony's workspace"}},
		{"no directory", filepath.Join(f.Dir, "nowhere"), "", []string{"nowhere: no such directory"}},
		{"key not found", f.WS("ws"), "file:" + filepath.Join(f.Dir, "nokey.key"), []string{"nokey.key", "give the URI of the key about to sign"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ceremonytest.Engine.Review(tc.dir, tc.key, ceremonytest.Now)
			if err == nil {
				t.Fatal("review succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(ceremonytest.Shown(err), w) {
					t.Errorf("error %q lacks %q", ceremonytest.Shown(err), w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

func TestCompareTargets(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol")
	key := func(name string) *metadata.Key { return f.Signers[name].TUFKey() }
	hashes := func(h string) metadata.Hashes {
		b, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		return metadata.Hashes{"sha256": b}
	}
	old := &metadata.TargetsType{
		Targets: map[string]*metadata.TargetFiles{
			"a.tgz":    {Length: 10, Hashes: hashes("aaaa")},
			"gone.tgz": {Length: 20, Hashes: hashes("bbbb")},
			"same.tgz": {Length: 30, Hashes: hashes("cccc")},
		},
		Delegations: &metadata.Delegations{
			Keys: map[string]*metadata.Key{f.ID("alice"): key("alice"), f.ID("bob"): key("bob")},
			Roles: []metadata.DelegatedRole{
				{Name: "proj-a", KeyIDs: []string{f.ID("alice"), f.ID("bob")}, Threshold: 1, Paths: []string{"a/*"}},
				{Name: "proj-gone", KeyIDs: []string{f.ID("bob")}, Threshold: 1, Paths: []string{"g/*"}},
				{Name: "proj-same", KeyIDs: []string{f.ID("alice")}, Threshold: 1, Paths: []string{"s/*"}},
			},
		},
	}
	next := &metadata.TargetsType{
		Targets: map[string]*metadata.TargetFiles{
			"a.tgz":    {Length: 11, Hashes: hashes("abab")},
			"new.tgz":  {Length: 40, Hashes: hashes("dddd")},
			"same.tgz": {Length: 30, Hashes: hashes("cccc")},
		},
		Delegations: &metadata.Delegations{
			// alice's key is listed under another key ID too (as other
			// tools may): it is the same key, so proj-same is unchanged.
			Keys: map[string]*metadata.Key{f.ID("alice"): key("alice"), f.ID("carol"): key("carol"), "alice-other-id": key("alice")},
			Roles: []metadata.DelegatedRole{
				{Name: "proj-a", KeyIDs: []string{f.ID("alice"), f.ID("carol")}, Threshold: 2, Paths: []string{"a/*"}, Terminating: true},
				{Name: "proj-new", KeyIDs: []string{f.ID("carol")}, Threshold: 1, PathHashPrefixes: []string{"0", "1"}},
				{Name: "proj-same", KeyIDs: []string{"alice-other-id"}, Threshold: 1, Paths: []string{"s/*"}},
			},
		},
	}
	tr := ceremony.CompareTargets(nil, next, old)
	got := map[string]ceremony.DelegationReview{}
	for _, d := range tr.Delegations {
		got[d.Name] = d
	}
	if len(tr.Delegations) != 3 || tr.DelegationsUnchanged != 1 {
		t.Fatalf("delegations %+v (%d unchanged): want proj-a changed, proj-new added, proj-gone removed, proj-same unchanged", tr.Delegations, tr.DelegationsUnchanged)
	}
	a := got["proj-a"]
	if a.Change != ceremony.ChangeChanged || !ceremonytest.SameSet(reviewIDs(a.KeysAdded), f.IDs("carol")) || !ceremonytest.SameSet(reviewIDs(a.KeysRemoved), f.IDs("bob")) ||
		a.Old.Threshold != 1 || a.New.Threshold != 2 || a.Old.Terminating || !a.New.Terminating {
		t.Errorf("proj-a: %+v", a)
	}
	if n := got["proj-new"]; n.Change != ceremony.ChangeAdded || n.New.PathHashPrefixes != 2 || n.Old != nil {
		t.Errorf("proj-new: %+v", n)
	}
	if g := got["proj-gone"]; g.Change != ceremony.ChangeRemoved || g.New != nil || g.Old.Paths != 1 {
		t.Errorf("proj-gone: %+v", g)
	}
	targets := map[string]ceremony.TargetReview{}
	for _, x := range tr.Targets {
		targets[x.Path] = x
	}
	if len(tr.Targets) != 3 || tr.TargetsUnchanged != 1 {
		t.Fatalf("targets %+v (%d unchanged)", tr.Targets, tr.TargetsUnchanged)
	}
	if x := targets["a.tgz"]; x.Change != ceremony.ChangeChanged || x.Old.Length != 10 || x.New.Length != 11 || x.New.Hashes["sha256"] != "abab" {
		t.Errorf("a.tgz: %+v", x)
	}
	if x := targets["new.tgz"]; x.Change != ceremony.ChangeAdded || x.New.Hashes["sha256"] != "dddd" {
		t.Errorf("new.tgz: %+v", x)
	}
	if x := targets["gone.tgz"]; x.Change != ceremony.ChangeRemoved || x.Old.Length != 20 {
		t.Errorf("gone.tgz: %+v", x)
	}

	// Against nothing trusted, everything is added.
	fresh := ceremony.CompareTargets(nil, next, nil)
	if len(fresh.Delegations) != 3 || len(fresh.Targets) != 3 || fresh.DelegationsUnchanged != 0 || fresh.TargetsUnchanged != 0 {
		t.Errorf("against nothing: %+v", fresh)
	}
	for _, d := range fresh.Delegations {
		if d.Change != ceremony.ChangeAdded {
			t.Errorf("%s: %s, want added", d.Name, d.Change)
		}
	}
}
