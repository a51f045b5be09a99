package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// bootstrapBundle bundles the finished bootstrap workspace, sealed by
// alice, as the online server received it.
func bootstrapBundle(t *testing.T, f *fixture, ws string) string {
	t.Helper()
	if _, err := eng.Seal(ws, []keys.Signer{f.signers["alice"]}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(f.dir, "bootstrap.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRotateFromBundle: the bootstrap's bundle as PATH gives the plan the
// workspace gives (but for where it was read), and a rotation workspace
// that is signed, counted and replayed as any other, its request naming
// the bundle by SHA-256.
func TestRotateFromBundle(t *testing.T) {
	f, ws := bootstrapped(t)
	tarPath := bootstrapBundle(t, f, ws)
	carol := []rotate.Replacement{{Old: "carol", New: filepath.Join(f.dir, "keys", "frank.pub")}}

	fromWS, err := f.rotate(rotate.Options{From: ws, Compromised: []string{"carol"}, Replace: carol})
	if err != nil {
		t.Fatal(err)
	}
	dir := f.ws("ws-from-bundle")
	fromTar, err := f.rotate(rotate.Options{From: tarPath, Compromised: []string{"carol"}, Replace: carol, Dir: dir})
	if err != nil {
		t.Fatalf("rotate from the bundle: %v", err)
	}
	if fromTar.Plan.Source != tarPath {
		t.Errorf("plan source %q, want the bundle %q", fromTar.Plan.Source, tarPath)
	}
	want := strings.ReplaceAll(fromWS.Plan.Markdown(2), ws, "PATH")
	if got := strings.ReplaceAll(fromTar.Plan.Markdown(2), tarPath, "PATH"); got != want {
		t.Errorf("the plan from the bundle differs from the plan from the workspace:\n--- bundle\n%s\n--- workspace\n%s", got, want)
	}
	if a := fromTar.Plan.Affected; len(a) != 1 || a[0].Holder != "carol" || a[0].ID != f.id("carol") {
		t.Fatalf("affected: %+v (keys must be named from the bundled ceremony.json)", a)
	}

	// The workspace: the bundle's root as the trusted root, the bundle
	// named by its SHA-256 in the request the transcript records.
	w := fromTar.Workspace
	if w.State.Kind != workspace.Rotation || strings.Join(w.State.Roles, " ") != "root targets" || w.State.TrustedRootVersion != 1 {
		t.Fatalf("state: %+v", w.State)
	}
	b, err := bundle.Read(tarPath, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	root1, _ := b.Get("metadata/1.root.json")
	if !bytes.Equal(readFile(t, filepath.Join(dir, workspace.TrustedRoot)), root1) {
		t.Error("the workspace's trusted root is not the bundle's metadata/1.root.json")
	}
	digest := sha256.Sum256(readFile(t, tarPath))
	if req := readFile(t, filepath.Join(dir, workspace.PlanFile)); !bytes.Contains(req, []byte(`from_bundle_sha256: "`+hex.EncodeToString(digest[:])+`"`)) {
		t.Errorf("the request does not name the bundle by its SHA-256:\n%s", req)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: dir, Signer: f.signers["carol"], Now: testNow}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("the stolen key signing in a rotation from a bundle: %v", err)
	}
	f.sign(dir, "alice", "bob", "dave", "frank")
	if st, err := ceremony.GetStatus(dir); err != nil || !st.AllMet() {
		t.Fatalf("status: %v %+v", err, st)
	}
	if rp, err := eng.Replay(dir); err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}

	// Its bundle in turn is a PATH: the next rotation starts from root v2.
	next := filepath.Join(f.dir, "recovery.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: dir, Out: next, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	res, err := f.rotate(rotate.Options{From: next, Lost: []string{"erin"}})
	if err != nil {
		t.Fatalf("rotate from the rotation's bundle: %v", err)
	}
	if res.Plan.TrustedRootVersion != 2 || res.Plan.RootVersion != 3 {
		t.Errorf("from the rotation's bundle: root v%d from v%d, want v3 from v2", res.Plan.RootVersion, res.Plan.TrustedRootVersion)
	}
	for _, s := range res.Plan.Signing[:1] {
		if !hasLabel(s.From, "carol ("+f.id("frank")[:12]+")") || hasLabel(s.From, f.id("carol")[:12]) {
			t.Errorf("previous root v2's signers %v: want carol's new key, never her stolen one", s.From)
		}
	}
}

func hasLabel(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// TestRotateFromBadBundle: a bundle that does not verify, a partial one,
// one past its expiry, a file that is no bundle: each is refused with one
// line naming the file and what to do, and nothing is written.
func TestRotateFromBadBundle(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f, ws := bootstrapped(t)
	good := bootstrapBundle(t, f, ws)
	b, err := bundle.Read(good, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// A re-written bundle (its manifest consistent) whose targets lost
	// bob's signature's bytes: its threshold is no longer met.
	var entries []bundle.Entry
	for _, e := range b.Entries {
		data := e.Data
		if e.Name == "metadata/1.targets.json" {
			data = bytes.Replace(data, []byte(`"sig": "`), []byte(`"sig": "00`), 1)
		}
		entries = append(entries, bundle.Entry{Name: e.Name, Data: data})
	}
	forged := filepath.Join(f.dir, "forged.tar")
	if _, err := bundle.Write(forged, entries); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(f.dir, "truncated.tar")
	data := readFile(t, good)
	if err := os.WriteFile(truncated, data[:len(data)-1024], 0o644); err != nil {
		t.Fatal(err)
	}
	unfinished := f.init(f.plan("plan2.yaml", standardPlan()), "ws2", "").Dir
	f.sign(unfinished, "alice")
	partial := filepath.Join(f.dir, "partial.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: unfinished, Out: partial, Partial: true, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(f.dir, "plan.yaml")

	dir := f.ws("ws-never")
	for _, tc := range []struct {
		name, from string
		late       bool
		want       []string
	}{
		{"forged", forged, false, []string{"bundle " + forged + " does not verify: metadata/1.targets.json", "'ceremony verify " + forged + "'"}},
		{"truncated", truncated, false, []string{"bundle " + truncated + " is broken (truncated: ", "'ceremony verify " + truncated + "'"}},
		{"partial", partial, false, []string{"bundle " + partial + " is a partial bundle"}},
		{"expired", good, true, []string{"bundle " + good + " does not verify", "expired"}},
		{"not a bundle", plan, false, []string{plan + " is a file, but not a ceremony bundle", "give the repository directory"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := rotate.Options{From: tc.from, Lost: []string{"erin"}, Dir: dir, Now: testNow}
			if tc.late {
				opts.Now = testNow.AddDate(2, 0, 0)
			}
			_, err := rotate.Run(eng, opts)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := shown(err)
			if strings.Contains(msg, "\n") || strings.Contains(msg, "ceremony-rotate-bundle-") {
				t.Errorf("not one line naming the bundle given: %q", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%q lacks %q", msg, w)
				}
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("a refused rotation wrote %s: %v", dir, err)
			}
		})
	}
	// No private copy is left behind.
	if left, _ := filepath.Glob(filepath.Join(tmp, "ceremony-rotate-bundle-*")); len(left) > 0 {
		t.Errorf("private copies were left: %v", left)
	}
}

// TestRotateLastGoodAndKeyholdersFromBundle: a bare repository (no names)
// with the bootstrap's bundle as --keyholders names carol; as --last-good
// it gives the content of re-signed roles.
func TestRotateLastGoodAndKeyholdersFromBundle(t *testing.T) {
	f, ws := bootstrapped(t)
	tarPath := bootstrapBundle(t, f, ws)
	repo := filepath.Join(f.dir, "repo", "metadata")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, role := range map[string]string{"1.root.json": "root", "1.targets.json": "targets"} {
		if err := os.WriteFile(filepath.Join(repo, name), readFile(t, metaPath(ws, role)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	from := filepath.Join(f.dir, "repo")
	if _, err := f.rotate(rotate.Options{From: from, Compromised: []string{"carol"}}); err == nil || !strings.Contains(err.Error(), `no key in`) {
		t.Fatalf("a bare repository knows no carol, got %v", err)
	}
	res, err := f.rotate(rotate.Options{From: from, Keyholders: []string{tarPath}, LastGood: tarPath, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.dir, "keys", "frank.pub")}}})
	if err != nil {
		t.Fatalf("--keyholders and --last-good a bundle: %v", err)
	}
	if a := res.Plan.Affected; len(a) != 1 || a[0].Holder != "carol" {
		t.Errorf("affected %+v", a)
	}
	var targets string
	for _, r := range res.Plan.Resign {
		if r.Role == "targets" {
			targets = r.ContentFrom
		}
	}
	if !strings.Contains(targets, tarPath+" (last good)") {
		t.Errorf("targets' content from %q, want the bundle as last good", targets)
	}
}
