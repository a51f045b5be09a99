package ceremony_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func metadataNames(t *testing.T, ws string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(ws, workspace.MetadataDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestInitRefusesNonEmptyDir(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.plan("plan.yaml", standardPlan())
	dir := f.ws("ws")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(dir, "notes.txt"), []byte("mine\n")); err != nil {
		t.Fatal(err)
	}
	before := snapshotFiles(t, dir)
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: dir, Now: testNow}); err == nil {
		t.Fatal("init into a non-empty directory succeeded")
	}
	requireUnchanged(t, before, snapshotFiles(t, dir))

	// An existing empty directory is fine.
	empty := f.ws("empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: empty, Now: testNow}); err != nil {
		t.Fatalf("init into an empty directory: %v", err)
	}
}

func TestInitInvalidPlanWritesNothing(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, tc := range []struct {
		name  string
		spec  func(*planSpec)
		field string
	}{
		{"root threshold 1", func(p *planSpec) { p.rootThreshold = 1 }, "roles.root.threshold"},
		{"threshold above the keyholders", func(p *planSpec) { p.targetsThreshold = 4 }, "roles.targets.threshold"},
		{"unknown keyholder", func(p *planSpec) { p.root = append(p.root, "zoe") }, "roles.root.keyholders[5]"},
		{"bins not a power of two", func(p *planSpec) { p.bins = 24 }, "roles.bins.count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := standardPlan()
			tc.spec(&spec)
			planPath := f.plan("bad.yaml", spec)
			dir := f.ws("ws-bad")
			_, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: dir, Now: testNow})
			if err == nil {
				t.Fatal("init with an invalid plan succeeded")
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %s", err, tc.field)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("init with an invalid plan left %s behind (stat: %v)", dir, err)
			}
		})
	}
}

func TestInitProfiles(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, tc := range []struct {
		profile string
		roles   []string
	}{
		{"pep458", []string{"root", "targets"}},
		{"pep480", []string{"root", "targets", "claimed"}},
		{"rstuf", []string{"root"}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			spec := standardPlan()
			spec.profile = tc.profile
			spec.claimed, spec.claimedThreshold = []string{"alice", "bob", "carol"}, 2
			planPath := f.plan(tc.profile+".yaml", spec)
			w := f.init(planPath, "ws-"+tc.profile, "")
			ws := f.ws("ws-" + tc.profile)

			if strings.Join(w.State.Roles, ",") != strings.Join(tc.roles, ",") {
				t.Errorf("roles %v, want %v", w.State.Roles, tc.roles)
			}
			if w.State.Kind != workspace.Bootstrap || w.State.Profile != tc.profile || w.State.TrustedRootVersion != 0 {
				t.Errorf("state kind %q profile %q trusted v%d, want bootstrap %s v0", w.State.Kind, w.State.Profile, w.State.TrustedRootVersion, tc.profile)
			}
			var want []string
			for _, r := range tc.roles {
				want = append(want, r+".json")
			}
			sort.Strings(want)
			if got := metadataNames(t, ws); strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("metadata files %v, want %v", got, want)
			}
			for _, role := range tc.roles {
				mf := parseFile(t, metaPath(ws, role))
				h, err := mf.Header()
				if err != nil {
					t.Fatal(err)
				}
				if h.Version != 1 || h.Type != map[string]string{"root": "root", "targets": "targets", "claimed": "targets"}[role] {
					t.Errorf("%s: type %q version %d, want v1", role, h.Type, h.Version)
				}
				for _, s := range mf.Signatures {
					if s.Sig != "" {
						t.Errorf("%s: init wrote a signature by %s", role, s.KeyID)
					}
				}
			}
			if _, err := os.Stat(filepath.Join(ws, workspace.TrustedRoot)); !os.IsNotExist(err) {
				t.Errorf("a bootstrap workspace has %s (stat: %v)", workspace.TrustedRoot, err)
			}
			if got, want := readFile(t, filepath.Join(ws, workspace.PlanFile)), readFile(t, planPath); string(got) != string(want) {
				t.Error("the workspace's plan.yaml is not the plan byte for byte")
			}
			// What Init returned is what is on disk.
			opened, err := workspace.Open(ws)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(opened.State.Roles, ",") != strings.Join(w.State.Roles, ",") || opened.State.Profile != tc.profile {
				t.Errorf("reopened state %+v differs from init's %+v", opened.State, w.State)
			}
		})
	}
}

func TestInitNextRoot(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.plan("plan.yaml", standardPlan())
	f.init(planPath, "ws1", "")
	f.sign(f.ws("ws1"), "alice", "bob", "carol")

	trusted := metaPath(f.ws("ws1"), "root")
	w := f.init(planPath, "ws2", trusted)
	ws2 := f.ws("ws2")
	if w.State.Kind != workspace.NextRoot || w.State.TrustedRootVersion != 1 {
		t.Errorf("kind %q trusted root v%d, want next-root from v1", w.State.Kind, w.State.TrustedRootVersion)
	}
	// A next-root ceremony signs root only, even for pep458.
	if strings.Join(w.State.Roles, ",") != "root" {
		t.Errorf("roles %v, want [root]", w.State.Roles)
	}
	if got := metadataNames(t, ws2); strings.Join(got, ",") != "root.json" {
		t.Errorf("metadata files %v, want root.json only", got)
	}
	if string(readFile(t, filepath.Join(ws2, workspace.TrustedRoot))) != string(readFile(t, trusted)) {
		t.Error("trusted/root.json is not byte-identical to the trusted root given")
	}
	root, err := parseFile(t, metaPath(ws2, "root")).Root()
	if err != nil {
		t.Fatal(err)
	}
	if root.Version != 2 {
		t.Errorf("next root is v%d, want v2", root.Version)
	}

	// And on from v2 to v3.
	f.sign(ws2, "alice", "bob", "carol")
	if !getStatus(t, ws2).AllMet() {
		t.Fatal("root v2 not complete after three signatures under both rules")
	}
	w3 := f.init(planPath, "ws3", metaPath(ws2, "root"))
	root3, err := parseFile(t, metaPath(f.ws("ws3"), "root")).Root()
	if err != nil {
		t.Fatal(err)
	}
	if root3.Version != 3 || w3.State.TrustedRootVersion != 2 {
		t.Errorf("from root v2: new root v%d, trusted v%d; want v3 from v2", root3.Version, w3.State.TrustedRootVersion)
	}
}

func TestInitRefusesTrustedRootNotSignedByItsThreshold(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.plan("plan.yaml", standardPlan())
	f.init(planPath, "ws1", "")
	ws1 := f.ws("ws1")
	f.sign(ws1, "alice", "bob") // 2 of 3

	try := func(t *testing.T, trusted string) {
		t.Helper()
		dir := f.ws("ws-next")
		if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: dir, TrustedRoot: trusted, Now: testNow}); err == nil {
			t.Fatalf("init from %s succeeded", filepath.Base(trusted))
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("a refused init left %s behind", dir)
		}
	}
	t.Run("two of three", func(t *testing.T) { try(t, metaPath(ws1, "root")) })

	t.Run("three, one of them corrupt", func(t *testing.T) {
		// carol's signature is added, then alice's is broken: still two valid.
		f.sign(ws1, "carol")
		mf := parseFile(t, metaPath(ws1, "root"))
		i := mf.SignatureBy(f.id("alice"))
		mf.Signatures[i].Sig = flipHex(mf.Signatures[i].Sig)
		b, err := mf.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(f.dir, "corrupt.root.json")
		if err := writeFile(p, b); err != nil {
			t.Fatal(err)
		}
		try(t, p)
	})

	t.Run("not a root", func(t *testing.T) { try(t, metaPath(ws1, "targets")) })
}

func TestInitStateKeysNameEveryKey(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	w := f.init(f.plan("plan.yaml", standardPlan()), "ws", "")

	byID := map[string]workspace.KeyEntry{}
	for _, k := range w.State.Keys {
		byID[k.KeyID] = k
	}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		k, ok := byID[f.id(name)]
		if !ok {
			t.Errorf("state keys do not list %s's key %s", name, f.id(name)[:12])
			continue
		}
		if k.Holder != name || k.Contact != name+"@test.example" || k.Online {
			t.Errorf("%s's entry %+v", name, k)
		}
	}
	o, ok := byID[f.id("online")]
	if !ok || o.Holder != "online" || !o.Online || o.URI != "test:online-key" {
		t.Errorf("online key entry %+v (found %v), want holder online, online, uri test:online-key", o, ok)
	}
	if len(w.State.Keys) != 6 {
		t.Errorf("%d key entries, want 6 (five keyholders, one online key)", len(w.State.Keys))
	}
}

func TestInitNamesKeysOfLeavingKeyholders(t *testing.T) {
	for _, profile := range []string{"pep458", "rstuf"} {
		t.Run(profile, func(t *testing.T) {
			f := newFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
			spec := standardPlan()
			spec.profile = profile
			f.init(f.plan("plan1.yaml", spec), "ws1", "")
			f.sign(f.ws("ws1"), "alice", "bob", "carol")

			// erin is not in the new plan at all.
			next := standardPlan()
			next.profile = profile
			next.keyholders = []string{"alice", "bob", "carol", "dave", "frank"}
			next.root = next.keyholders
			w := f.init(f.plan("plan2.yaml", next), "ws2", metaPath(f.ws("ws1"), "root"))

			want := "previous key " + f.id("erin")[:12]
			if profile == "rstuf" {
				want = "erin" // from x-rstuf-key-name in the trusted root
			}
			if got := w.Holder(f.id("erin")); got != want {
				t.Errorf("erin's key is named %q, want %q", got, want)
			}
			if got := w.Holder(f.id("frank")); got != "frank" {
				t.Errorf("frank's key is named %q", got)
			}

			// erin can still sign for the previous root, and status says so.
			f.sign(f.ws("ws2"), "erin")
			prev := roleStatus(t, getStatus(t, f.ws("ws2")), "root").Thresholds[0]
			if !sameSet(partyNames(prev.Signed), []string{want}) {
				t.Errorf("previous root signed by %v, want [%s]", partyNames(prev.Signed), want)
			}
		})
	}
}

// flipHex changes the first hex digit of s, keeping it hex.
func flipHex(s string) string {
	c := byte('0')
	if s[0] == '0' {
		c = '1'
	}
	return string(c) + s[1:]
}

func TestStatusCounts(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	ws := f.ws("ws")

	st := getStatus(t, ws)
	if st.AllMet() {
		t.Fatal("an unsigned workspace is reported complete")
	}
	if st.Kind != workspace.Bootstrap || st.Profile != "pep458" || st.Repository != "test.example" {
		t.Errorf("status header %q %q %q", st.Kind, st.Profile, st.Repository)
	}

	f.sign(ws, "alice", "bob")
	st = getStatus(t, ws)
	if len(st.Roles) != 2 || st.Roles[0].Role != "root" || st.Roles[1].Role != "targets" {
		t.Fatalf("status roles %+v, want root then targets", st.Roles)
	}
	root, targets := st.Roles[0], st.Roles[1]
	if root.Version != 1 || !root.Expires.Equal(testNow.Add(365*24*time.Hour)) {
		t.Errorf("root v%d expires %s, want v1 expiring %s", root.Version, root.Expires, testNow.Add(365*24*time.Hour))
	}
	if len(root.Thresholds) != 1 {
		t.Fatalf("bootstrap root has %d rules, want 1", len(root.Thresholds))
	}
	rc := root.Thresholds[0]
	if rc.Threshold != 3 || rc.Met || root.Met {
		t.Errorf("root: threshold %d met %v/%v, want 3 and not met with 2 signatures", rc.Threshold, rc.Met, root.Met)
	}
	if !sameSet(partyNames(rc.Signed), []string{"alice", "bob"}) || !sameSet(partyNames(rc.Missing), []string{"carol", "dave", "erin"}) {
		t.Errorf("root signed %v missing %v", partyNames(rc.Signed), partyNames(rc.Missing))
	}
	if !sameSet(partyIDs(rc.Signed), []string{f.id("alice"), f.id("bob")}) {
		t.Errorf("root signed key IDs %v", partyIDs(rc.Signed))
	}
	if len(rc.Invalid) != 0 {
		t.Errorf("invalid %v, want none", partyNames(rc.Invalid))
	}
	tc := targets.Thresholds[0]
	if tc.Threshold != 2 || !tc.Met || !targets.Met || !sameSet(partyNames(tc.Missing), []string{"carol"}) {
		t.Errorf("targets: threshold %d met %v missing %v, want 2 met, carol missing", tc.Threshold, tc.Met, partyNames(tc.Missing))
	}
	if st.AllMet() {
		t.Error("AllMet with root at 2 of 3")
	}

	f.sign(ws, "dave")
	if st := getStatus(t, ws); !st.AllMet() {
		t.Errorf("AllMet false with root at 3 of 3 and targets at 2 of 2: %+v", st.Roles)
	}
}

func TestStatusInvalidSignature(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	ws := f.ws("ws")
	f.sign(ws, "alice", "bob", "dave")
	if !getStatus(t, ws).AllMet() {
		t.Fatal("set-up: not complete")
	}

	for _, tc := range []struct {
		name    string
		corrupt func(string) string
	}{
		{"wrong bytes", flipHex},
		{"not hex", func(string) string { return "zz" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := metaPath(ws, "root")
			good := readFile(t, path)
			defer writeFile(path, good)
			mf := parseFile(t, path)
			i := mf.SignatureBy(f.id("bob"))
			mf.Signatures[i].Sig = tc.corrupt(mf.Signatures[i].Sig)
			b, err := mf.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if err := writeFile(path, b); err != nil {
				t.Fatal(err)
			}
			st := getStatus(t, ws)
			c := roleStatus(t, st, "root").Thresholds[0]
			if !sameSet(partyNames(c.Invalid), []string{"bob"}) {
				t.Errorf("invalid %v, want [bob]", partyNames(c.Invalid))
			}
			if !sameSet(partyNames(c.Signed), []string{"alice", "dave"}) || c.Met || st.AllMet() {
				t.Errorf("signed %v met %v, want alice and dave, not met", partyNames(c.Signed), c.Met)
			}
			if !contains(partyNames(c.Missing), "bob") {
				t.Errorf("missing %v does not hold bob, whose signature does not count", partyNames(c.Missing))
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func findings(rep *verify.Report, sev verify.Severity, check string) []verify.Finding {
	var out []verify.Finding
	for _, fd := range rep.Findings {
		if fd.Severity == sev && fd.Check == check {
			out = append(out, fd)
		}
	}
	return out
}

func TestVerifyWorkspace(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	ws := f.ws("ws")
	f.sign(ws, "alice", "bob")

	t.Run("short of root's threshold", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(eng, ws, "", testNow)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() {
			t.Fatal("a root at 2 of 3 verifies")
		}
		th := findings(rep, verify.Error, "threshold")
		if len(th) != 1 || th[0].File != filepath.Join("metadata", "root.json") || th[0].Role != "root" {
			t.Fatalf("threshold errors %v, want one for metadata/root.json", th)
		}
		for _, name := range []string{"carol", "dave", "erin"} {
			if !strings.Contains(th[0].Message, name) {
				t.Errorf("threshold error %q does not name %s as not signed", th[0].Message, name)
			}
		}
	})

	f.sign(ws, "carol")
	t.Run("complete", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(eng, ws, "", testNow)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || len(rep.Findings) != 0 {
			t.Fatalf("complete workspace: findings %v", rep.Findings)
		}
		if rep.RootVersion != 1 {
			t.Errorf("root version %d, want 1", rep.RootVersion)
		}
		if len(rep.Roles) != 2 || !rep.Roles[0].Met() || !rep.Roles[1].Met() {
			t.Errorf("roles %+v, want root and targets met", rep.Roles)
		}
	})

	t.Run("expiry", func(t *testing.T) {
		expiry := testNow.Add(365 * 24 * time.Hour)
		rep, err := audit.VerifyWorkspace(eng, ws, "", expiry.Add(-10*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		w := findings(rep, verify.Warning, "expiry")
		if len(w) != 2 || !rep.OK() {
			t.Errorf("10 days before expiry: expiry warnings %v (want root and targets), OK %v (want true)", w, rep.OK())
		}
		rep, err = audit.VerifyWorkspace(eng, ws, "", expiry.Add(-31*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Findings) != 0 {
			t.Errorf("31 days before expiry: findings %v, want none", rep.Findings)
		}
		rep, err = audit.VerifyWorkspace(eng, ws, "", expiry)
		if err != nil {
			t.Fatal(err)
		}
		if e := findings(rep, verify.Error, "expiry"); len(e) != 2 || rep.OK() {
			t.Errorf("at expiry: expiry errors %v, want root and targets", e)
		}
	})

	t.Run("trusted root on a bootstrap workspace", func(t *testing.T) {
		rep, err := audit.VerifyWorkspace(eng, ws, metaPath(ws, "root"), testNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(findings(rep, verify.Error, "trusted-root")) != 1 {
			t.Errorf("--trusted-root on a bootstrap workspace: findings %v", rep.Findings)
		}
	})
}

func TestVerifyWorkspaceNextRoot(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.plan("plan.yaml", standardPlan())
	f.init(planPath, "ws1", "")
	f.sign(f.ws("ws1"), "alice", "bob", "carol")
	trusted := metaPath(f.ws("ws1"), "root")
	// Another repository's root, from the same plan.
	f.init(planPath, "other", "")
	f.sign(f.ws("other"), "alice", "bob", "dave")

	f.init(planPath, "ws2", trusted)
	ws2 := f.ws("ws2")
	f.sign(ws2, "alice", "bob", "carol")

	rep, err := audit.VerifyWorkspace(eng, ws2, trusted, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || len(rep.Findings) != 0 || rep.RootVersion != 2 {
		t.Fatalf("complete next root, with its trusted root: findings %v, root v%d", rep.Findings, rep.RootVersion)
	}
	rep, err = audit.VerifyWorkspace(eng, ws2, metaPath(f.ws("other"), "root"), testNow)
	if err != nil {
		t.Fatal(err)
	}
	if tr := findings(rep, verify.Error, "trusted-root"); len(tr) != 1 || rep.OK() {
		t.Errorf("with another root as --trusted-root: trusted-root errors %v", tr)
	}

	// A version that does not follow.
	setSigned(t, ws2, "root", "version", 4)
	rep, err = audit.VerifyWorkspace(eng, ws2, "", testNow)
	if err != nil {
		t.Fatal(err)
	}
	if v := findings(rep, verify.Error, "version"); len(v) != 1 || !strings.Contains(v[0].Message, "want 2") {
		t.Errorf("root v4 after trusted v1: version errors %v", v)
	}
}

func TestVerifyWorkspaceKeyIDWarning(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	// erin's key is listed under a made-up key ID by the trusted root.
	trusted, _ := f.handRoot(handRoot{
		holders: []string{"alice", "bob", "carol", "dave", "erin"}, threshold: 3,
		ids: map[string]string{"erin": strings.Repeat("ab", 32)},
	})
	p := filepath.Join(f.dir, "1.root.json")
	if err := writeFile(p, trusted); err != nil {
		t.Fatal(err)
	}
	f.init(f.plan("plan.yaml", standardPlan()), "ws", p)
	ws := f.ws("ws")
	f.sign(ws, "alice", "bob", "carol")
	rep, err := audit.VerifyWorkspace(eng, ws, p, testNow)
	if err != nil {
		t.Fatal(err)
	}
	w := findings(rep, verify.Warning, "keyid")
	if len(w) != 1 || w[0].File != workspace.TrustedRoot || !strings.Contains(w[0].Message, strings.Repeat("ab", 32)) {
		t.Errorf("keyid warnings %v, want one for the trusted root's made-up key ID", w)
	}
	if !rep.OK() {
		t.Errorf("a non-standard key ID is a warning, not an error: %v", rep.Errors())
	}
}
