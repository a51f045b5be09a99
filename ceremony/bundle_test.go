package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/verify"
)

const onlineKeyRule = "ONLINE KEY CHANGES"

func makeBundle(t *testing.T, opts ceremony.BundleOptions) *ceremony.BundleResult {
	t.Helper()
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	res, err := eng.Bundle(opts)
	if err != nil {
		t.Fatalf("bundle %s: %v", opts.Dir, err)
	}
	return res
}

func readBundle(t *testing.T, path string) *bundle.Bundle {
	t.Helper()
	b, err := bundle.Read(path, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func bundleEntry(t *testing.T, b *bundle.Bundle, name string) []byte {
	t.Helper()
	data, ok := b.Get(name)
	if !ok {
		var names []string
		for _, e := range b.Entries {
			names = append(names, e.Name)
		}
		t.Fatalf("bundle lacks %s; it holds %v", name, names)
	}
	return data
}

func verifyBundle(t *testing.T, path, trusted string) *verify.Report {
	t.Helper()
	rep, err := audit.VerifyBundle(eng, path, trusted, testNow)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestBundleDemo(t *testing.T) {
	for _, profile := range []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480} {
		t.Run(string(profile), func(t *testing.T) {
			out := t.TempDir()
			if err := demo.Run(demo.Options{Profile: profile, Out: out, Now: testNow}); err != nil {
				t.Fatal(err)
			}
			ws1 := filepath.Join(out, demo.BootstrapWorkspace)
			ws2 := filepath.Join(out, demo.RootV2Workspace)
			tmp := t.TempDir()

			// Bootstrap.
			p1 := filepath.Join(tmp, "bootstrap.tar")
			res := makeBundle(t, ceremony.BundleOptions{Dir: ws1, Out: p1, PlanDir: out})
			data := readFile(t, p1)
			if sum := sha256.Sum256(data); res.SHA256 != hex.EncodeToString(sum[:]) || res.PGPWords != bundle.PGPWords(sum[:]) {
				t.Errorf("result %s / %q is not the file's SHA-256", res.SHA256, res.PGPWords)
			}
			if res.Partial || res.OnlineKeyChanged {
				t.Errorf("result %+v: want complete, same online key", res)
			}
			b := readBundle(t, p1)
			if !bytes.Equal(bundleEntry(t, b, "metadata/1.root.json"), readFile(t, metaPath(ws1, "root"))) {
				t.Error("metadata/1.root.json is not the workspace's root byte for byte")
			}
			for _, name := range []string{"transcript/transcript.jsonl", "ceremony.json", "plan.yaml", "README.txt", "bundle-info.json"} {
				bundleEntry(t, b, name)
			}
			switch profile {
			case plan.ProfileRSTUF:
				payload := bundleEntry(t, b, ceremony.BundleBootstrap)
				if err := rstuf.CheckBootstrap(payload); err != nil {
					t.Errorf("bundled bootstrap payload: %v", err)
				}
				if !strings.Contains(string(bundleEntry(t, b, "README.txt")), "/api/v1/bootstrap/") {
					t.Error("README.txt does not say how to bootstrap RSTUF")
				}
			case plan.ProfilePEP458:
				bundleEntry(t, b, "metadata/1.targets.json")
			case plan.ProfilePEP480:
				bundleEntry(t, b, "metadata/1.targets.json")
				bundleEntry(t, b, "metadata/1.claimed.json")
			}
			if rep := verifyBundle(t, p1, ""); !rep.OK() || rep.RootVersion != 1 {
				t.Errorf("bootstrap bundle: root v%d, errors %v", rep.RootVersion, rep.Errors())
			}

			// The same workspace gives the same bytes.
			p1b := filepath.Join(tmp, "bootstrap-again.tar")
			if again := makeBundle(t, ceremony.BundleOptions{Dir: ws1, Out: p1b, PlanDir: out}); again.SHA256 != res.SHA256 || !bytes.Equal(readFile(t, p1b), data) {
				t.Error("two bundles of the same workspace differ")
			}

			// Root v2.
			p2 := filepath.Join(tmp, "root-v2.tar")
			res2 := makeBundle(t, ceremony.BundleOptions{Dir: ws2, Out: p2})
			b2 := readBundle(t, p2)
			if !bytes.Equal(bundleEntry(t, b2, "metadata/1.root.json"), readFile(t, metaPath(ws1, "root"))) ||
				!bytes.Equal(bundleEntry(t, b2, "metadata/2.root.json"), readFile(t, metaPath(ws2, "root"))) {
				t.Error("root v2 bundle does not hold roots v1 and v2 byte for byte")
			}
			if profile == plan.ProfileRSTUF {
				if err := rstuf.CheckUpdate(bundleEntry(t, b2, ceremony.BundleUpdate), parseFile(t, metaPath(ws1, "root"))); err != nil {
					t.Errorf("bundled update payload: %v", err)
				}
			}
			if res2.OnlineKeyChanged || strings.Contains(string(bundleEntry(t, b2, "README.txt")), onlineKeyRule) {
				t.Error("the demo keeps its online key, but the bundle says it changes")
			}
			for _, trusted := range []string{"", metaPath(ws1, "root")} {
				if rep := verifyBundle(t, p2, trusted); !rep.OK() || rep.RootVersion != 2 {
					t.Errorf("root v2 bundle (trusted %q): root v%d, errors %v", trusted, rep.RootVersion, rep.Errors())
				}
			}
			// A trusted root that is not the bundle's previous root.
			if rep := verifyBundle(t, p2, metaPath(ws2, "root")); rep.OK() {
				t.Error("root v2 bundle verifies from root v2 itself as the trusted root")
			}
		})
	}
}

func TestBundleRefusesUnmetThresholds(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	ws := f.ws("ws")
	f.sign(ws, "alice")
	out := filepath.Join(t.TempDir(), "b.tar")
	_, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: testNow})
	if err == nil || !strings.Contains(err.Error(), "bob") {
		t.Fatalf("bundle of a workspace signed by alice only: %v; want a refusal naming who has not signed", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused bundle was written: %v", err)
	}

	res := makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out, Partial: true})
	if !res.Partial || len(res.Missing) == 0 {
		t.Errorf("partial bundle result %+v", res)
	}
	b := readBundle(t, out)
	readme := string(bundleEntry(t, b, "README.txt"))
	if !strings.Contains(readme, "PARTIAL BUNDLE: NOT FOR UPLOAD") || !strings.Contains(readme, "bob") || !strings.Contains(readme, "root v1") {
		t.Errorf("README.txt of a partial bundle does not say what is missing:\n%s", readme)
	}
	if !strings.Contains(string(bundleEntry(t, b, "bundle-info.json")), `"partial": true`) {
		t.Error("bundle-info.json does not mark the bundle partial")
	}
	rep := verifyBundle(t, out, "")
	if len(findings(rep, verify.Warning, "partial")) != 1 || len(findings(rep, verify.Warning, "threshold")) == 0 {
		t.Errorf("partial bundle: want a partial warning and threshold warnings, have %v", rep.Findings)
	}
	if !rep.OK() {
		t.Errorf("partial bundle: errors besides its thresholds: %v", rep.Errors())
	}
}

func TestBundleTamperedEntry(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	ws := f.ws("ws")
	f.sign(ws, "alice", "bob", "carol")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	makeBundle(t, ceremony.BundleOptions{Dir: ws, Out: good})
	if rep := verifyBundle(t, good, ""); !rep.OK() {
		t.Fatalf("untampered bundle: %v", rep.Errors())
	}
	for _, name := range []string{"metadata/1.root.json", "metadata/1.targets.json"} {
		t.Run(name, func(t *testing.T) {
			b := readBundle(t, good)
			var entries []bundle.Entry
			for _, e := range b.Entries {
				if e.Name == name {
					// Change one digit of the expiry: the signed bytes change.
					i := bytes.Index(e.Data, []byte(`"expires":"20`))
					if i < 0 {
						i = bytes.Index(e.Data, []byte(`"expires": "20`)) - 1
					}
					if i < 0 {
						t.Fatalf("%s has no expires field", name)
					}
					e.Data = bytes.Clone(e.Data)
					e.Data[i+len(`"expires":"20`)+1] ^= 1
				}
				entries = append(entries, e)
			}
			bad := filepath.Join(t.TempDir(), "bad.tar")
			if _, err := bundle.Write(bad, entries); err != nil {
				t.Fatal(err)
			}
			rep := verifyBundle(t, bad, "")
			if rep.OK() {
				t.Fatal("tampered bundle verifies")
			}
			var named bool
			for _, e := range rep.Errors() {
				named = named || e.File == name
			}
			if !named {
				t.Errorf("no error names %s: %v", name, rep.Errors())
			}
		})
	}
}

func TestBundleOnlineKeyChange(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws1", "")
	f.sign(f.ws("ws1"), "alice", "bob", "carol")
	// The server gets a new online key with root v2.
	f.online = f.newKey("online", keys.TypeEd25519)
	f.init(f.plan("plan-v2.yaml", standardPlan()), "ws2", metaPath(f.ws("ws1"), "root"))
	f.sign(f.ws("ws2"), "alice", "bob", "carol")

	out := filepath.Join(t.TempDir(), "b.tar")
	res := makeBundle(t, ceremony.BundleOptions{Dir: f.ws("ws2"), Out: out})
	if !res.OnlineKeyChanged {
		t.Error("result does not say the online key changes")
	}
	readme := string(bundleEntry(t, readBundle(t, out), "README.txt"))
	if !strings.Contains(readme, onlineKeyRule) || !strings.Contains(readme, "BEFORE the new") {
		t.Errorf("README.txt does not put the new online key before the new root:\n%s", readme)
	}
	if i, j := strings.Index(readme, onlineKeyRule), strings.Index(readme, "UPLOAD"); i < 0 || j < i {
		t.Error("README.txt gives the online key rule after the upload step")
	}
	if rep := verifyBundle(t, out, metaPath(f.ws("ws1"), "root")); !rep.OK() || rep.RootVersion != 2 {
		t.Errorf("root v2 bundle: root v%d, errors %v", rep.RootVersion, rep.Errors())
	}
}

func TestBundleRefusesExistingOut(t *testing.T) {
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.init(f.plan("plan.yaml", standardPlan()), "ws", "")
	f.sign(f.ws("ws"), "alice", "bob", "carol")
	out := filepath.Join(t.TempDir(), "b.tar")
	if err := writeFile(out, []byte("keep")); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: f.ws("ws"), Out: out, Now: testNow}); err == nil {
		t.Error("bundle replaced an existing file")
	}
	if string(readFile(t, out)) != "keep" {
		t.Error("existing file changed")
	}
}
