package bootstrap_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
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
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	dir := f.WS("ws")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := ceremonytest.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine\n")); err != nil {
		t.Fatal(err)
	}
	before := ceremonytest.SnapshotFiles(t, dir)
	if _, err := bootstrap.Init(ceremonytest.Engine, bootstrap.Options{Plan: planPath, Dir: dir, Now: ceremonytest.Now}); err == nil {
		t.Fatal("init into a non-empty directory succeeded")
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, dir))

	// An existing empty directory is fine.
	empty := f.WS("empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := bootstrap.Init(ceremonytest.Engine, bootstrap.Options{Plan: planPath, Dir: empty, Now: ceremonytest.Now}); err != nil {
		t.Fatalf("init into an empty directory: %v", err)
	}
}

func TestInitInvalidPlanWritesNothing(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, tc := range []struct {
		name  string
		spec  func(*ceremonytest.PlanSpec)
		field string
	}{
		{"root threshold 1", func(p *ceremonytest.PlanSpec) { p.RootThreshold = 1 }, "roles.root.threshold"},
		{"threshold above the keyholders", func(p *ceremonytest.PlanSpec) { p.TargetsThreshold = 4 }, "roles.targets.threshold"},
		{"unknown keyholder", func(p *ceremonytest.PlanSpec) { p.Root = append(p.Root, "zoe") }, "roles.root.keyholders[5]"},
		{"bins not a power of two", func(p *ceremonytest.PlanSpec) { p.Bins = 24 }, "roles.bins.count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := ceremonytest.StandardPlan()
			tc.spec(&spec)
			planPath := f.Plan("bad.yaml", spec)
			dir := f.WS("ws-bad")
			_, err := bootstrap.Init(ceremonytest.Engine, bootstrap.Options{Plan: planPath, Dir: dir, Now: ceremonytest.Now})
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
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	for _, tc := range []struct {
		profile string
		roles   []string
	}{
		{"pep458", []string{"root", "targets"}},
		{"pep480", []string{"root", "targets", "claimed"}},
		{"rstuf", []string{"root"}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			spec := ceremonytest.StandardPlan()
			spec.Profile = tc.profile
			spec.Claimed, spec.ClaimedThreshold = []string{"alice", "bob", "carol"}, 2
			planPath := f.Plan(tc.profile+".yaml", spec)
			w := f.Init(planPath, "ws-"+tc.profile, "")
			ws := f.WS("ws-" + tc.profile)

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
				mf := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, role))
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
			if got, want := ceremonytest.ReadFile(t, filepath.Join(ws, workspace.PlanFile)), ceremonytest.ReadFile(t, planPath); string(got) != string(want) {
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
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	f.Init(planPath, "ws1", "")
	f.Sign(f.WS("ws1"), "alice", "bob", "carol")

	trusted := ceremonytest.MetaPath(f.WS("ws1"), "root")
	w := f.Init(planPath, "ws2", trusted)
	ws2 := f.WS("ws2")
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
	if string(ceremonytest.ReadFile(t, filepath.Join(ws2, workspace.TrustedRoot))) != string(ceremonytest.ReadFile(t, trusted)) {
		t.Error("trusted/root.json is not byte-identical to the trusted root given")
	}
	root, err := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws2, "root")).Root()
	if err != nil {
		t.Fatal(err)
	}
	if root.Version != 2 {
		t.Errorf("next root is v%d, want v2", root.Version)
	}

	// And on from v2 to v3.
	f.Sign(ws2, "alice", "bob", "carol")
	if !ceremonytest.GetStatus(t, ws2).AllMet() {
		t.Fatal("root v2 not complete after three signatures under both rules")
	}
	w3 := f.Init(planPath, "ws3", ceremonytest.MetaPath(ws2, "root"))
	root3, err := ceremonytest.ParseFile(t, ceremonytest.MetaPath(f.WS("ws3"), "root")).Root()
	if err != nil {
		t.Fatal(err)
	}
	if root3.Version != 3 || w3.State.TrustedRootVersion != 2 {
		t.Errorf("from root v2: new root v%d, trusted v%d; want v3 from v2", root3.Version, w3.State.TrustedRootVersion)
	}
}

func TestInitRefusesTrustedRootNotSignedByItsThreshold(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	f.Init(planPath, "ws1", "")
	ws1 := f.WS("ws1")
	f.Sign(ws1, "alice", "bob") // 2 of 3

	try := func(t *testing.T, trusted string) {
		t.Helper()
		dir := f.WS("ws-next")
		if _, err := bootstrap.Init(ceremonytest.Engine, bootstrap.Options{Plan: planPath, Dir: dir, TrustedRoot: trusted, Now: ceremonytest.Now}); err == nil {
			t.Fatalf("init from %s succeeded", filepath.Base(trusted))
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("a refused init left %s behind", dir)
		}
	}
	t.Run("two of three", func(t *testing.T) { try(t, ceremonytest.MetaPath(ws1, "root")) })

	t.Run("three, one of them corrupt", func(t *testing.T) {
		// carol's signature is added, then alice's is broken: still two valid.
		f.Sign(ws1, "carol")
		mf := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws1, "root"))
		i := mf.SignatureBy(f.ID("alice"))
		mf.Signatures[i].Sig = ceremonytest.FlipHex(mf.Signatures[i].Sig)
		b, err := mf.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(f.Dir, "corrupt.root.json")
		if err := ceremonytest.WriteFile(p, b); err != nil {
			t.Fatal(err)
		}
		try(t, p)
	})

	t.Run("not a root", func(t *testing.T) { try(t, ceremonytest.MetaPath(ws1, "targets")) })
}

func TestInitStateKeysNameEveryKey(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	w := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")

	byID := map[string]workspace.KeyEntry{}
	for _, k := range w.State.Keys {
		byID[k.KeyID] = k
	}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		k, ok := byID[f.ID(name)]
		if !ok {
			t.Errorf("state keys do not list %s's key %s", name, f.ID(name)[:12])
			continue
		}
		if k.Holder != name || k.Contact != name+"@test.example" || k.Online {
			t.Errorf("%s's entry %+v", name, k)
		}
	}
	o, ok := byID[f.ID("online")]
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
			f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
			spec := ceremonytest.StandardPlan()
			spec.Profile = profile
			f.Init(f.Plan("plan1.yaml", spec), "ws1", "")
			f.Sign(f.WS("ws1"), "alice", "bob", "carol")

			// erin is not in the new plan at all.
			next := ceremonytest.StandardPlan()
			next.Profile = profile
			next.Keyholders = []string{"alice", "bob", "carol", "dave", "frank"}
			next.Root = next.Keyholders
			w := f.Init(f.Plan("plan2.yaml", next), "ws2", ceremonytest.MetaPath(f.WS("ws1"), "root"))

			want := "previous key " + f.ID("erin")[:12]
			if profile == "rstuf" {
				want = "erin" // from x-rstuf-key-name in the trusted root
			}
			if got := w.Holder(f.ID("erin")); got != want {
				t.Errorf("erin's key is named %q, want %q", got, want)
			}
			if got := w.Holder(f.ID("frank")); got != "frank" {
				t.Errorf("frank's key is named %q", got)
			}

			// erin can still sign for the previous root, and status says so.
			f.Sign(f.WS("ws2"), "erin")
			prev := ceremonytest.RoleStatus(t, ceremonytest.GetStatus(t, f.WS("ws2")), "root").Thresholds[0]
			if !ceremonytest.SameSet(ceremonytest.PartyNames(prev.Signed), []string{want}) {
				t.Errorf("previous root signed by %v, want [%s]", ceremonytest.PartyNames(prev.Signed), want)
			}
		})
	}
}
