package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/verify"
)

const onlineKeyRule = "ONLINE KEY CHANGES"

func TestBundleDemo(t *testing.T) {
	for _, profile := range []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480} {
		t.Run(string(profile), func(t *testing.T) {
			out := t.TempDir()
			if err := demo.Run(demo.Options{Profile: profile, Out: out, Now: ceremonytest.Now}); err != nil {
				t.Fatal(err)
			}
			ws1 := filepath.Join(out, demo.BootstrapWorkspace)
			ws2 := filepath.Join(out, demo.RootV2Workspace)
			tmp := t.TempDir()

			// Bootstrap.
			p1 := filepath.Join(tmp, "bootstrap.tar")
			res := ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws1, Out: p1, PlanDir: out})
			data := ceremonytest.ReadFile(t, p1)
			if sum := sha256.Sum256(data); res.SHA256 != hex.EncodeToString(sum[:]) || res.PGPWords != bundle.PGPWords(sum[:]) {
				t.Errorf("result %s / %q is not the file's SHA-256", res.SHA256, res.PGPWords)
			}
			if res.Partial || res.OnlineKeyChanged {
				t.Errorf("result %+v: want complete, same online key", res)
			}
			b := ceremonytest.ReadBundle(t, p1)
			if !bytes.Equal(ceremonytest.BundleEntry(t, b, "metadata/1.root.json"), ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root"))) {
				t.Error("metadata/1.root.json is not the workspace's root byte for byte")
			}
			for _, name := range []string{"transcript/transcript.jsonl", "ceremony.json", "plan.yaml", "README.txt", "bundle-info.json"} {
				ceremonytest.BundleEntry(t, b, name)
			}
			switch profile {
			case plan.ProfileRSTUF:
				payload := ceremonytest.BundleEntry(t, b, ceremony.BundleBootstrap)
				if err := rstuf.CheckBootstrap(payload); err != nil {
					t.Errorf("bundled bootstrap payload: %v", err)
				}
				if !strings.Contains(string(ceremonytest.BundleEntry(t, b, "README.txt")), "/api/v1/bootstrap/") {
					t.Error("README.txt does not say how to bootstrap RSTUF")
				}
			case plan.ProfilePEP458:
				ceremonytest.BundleEntry(t, b, "metadata/1.targets.json")
			case plan.ProfilePEP480:
				ceremonytest.BundleEntry(t, b, "metadata/1.targets.json")
				ceremonytest.BundleEntry(t, b, "metadata/1.claimed.json")
			}
			// The README says what the online side signs, lists only
			// what the bundle holds, and checks a new repository from
			// its first root.
			readme := string(ceremonytest.BundleEntry(t, b, "README.txt"))
			_, hasRSTUF := b.Get(ceremony.BundleBootstrap)
			if strings.Contains(readme, "rstuf/") != hasRSTUF {
				t.Errorf("README.txt names rstuf/ %v, the bundle holds it %v:\n%s", strings.Contains(readme, "rstuf/"), hasRSTUF, readme)
			}
			bins := strings.Contains(readme, "to 16 hash-bin roles, bins-0 to bins-f")
			if bins != (profile != plan.ProfileRSTUF) {
				t.Errorf("README.txt of a %s bootstrap: says the bins %v:\n%s", profile, bins, readme)
			}
			if profile == plan.ProfilePEP480 && !strings.Contains(readme, "targets delegates to recently-claimed and unclaimed, signed online;\n   unclaimed delegates") {
				t.Errorf("README.txt of a pep480 bootstrap does not name the online roles:\n%s", readme)
			}
			if strings.Contains(readme, "trusts the current root") || (profile != plan.ProfileRSTUF && !strings.Contains(readme, "give a TUF client metadata/1.root.json from this bundle")) {
				t.Errorf("README.txt of a bootstrap: the client check is not from root v1:\n%s", readme)
			}
			if rep := ceremonytest.VerifyBundle(t, p1, ""); !rep.OK() || rep.RootVersion != 1 {
				t.Errorf("bootstrap bundle: root v%d, errors %v", rep.RootVersion, rep.Errors())
			}

			// The same workspace gives the same bytes.
			p1b := filepath.Join(tmp, "bootstrap-again.tar")
			if again := ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws1, Out: p1b, PlanDir: out}); again.SHA256 != res.SHA256 || !bytes.Equal(ceremonytest.ReadFile(t, p1b), data) {
				t.Error("two bundles of the same workspace differ")
			}

			// Root v2.
			p2 := filepath.Join(tmp, "root-v2.tar")
			res2 := ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws2, Out: p2})
			b2 := ceremonytest.ReadBundle(t, p2)
			if !bytes.Equal(ceremonytest.BundleEntry(t, b2, "metadata/1.root.json"), ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root"))) ||
				!bytes.Equal(ceremonytest.BundleEntry(t, b2, "metadata/2.root.json"), ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws2, "root"))) {
				t.Error("root v2 bundle does not hold roots v1 and v2 byte for byte")
			}
			if profile == plan.ProfileRSTUF {
				if err := rstuf.CheckUpdate(ceremonytest.BundleEntry(t, b2, ceremony.BundleUpdate), ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws1, "root"))); err != nil {
					t.Errorf("bundled update payload: %v", err)
				}
			}
			if res2.OnlineKeyChanged || strings.Contains(string(ceremonytest.BundleEntry(t, b2, "README.txt")), onlineKeyRule) {
				t.Error("the demo keeps its online key, but the bundle says it changes")
			}
			for _, trusted := range []string{"", ceremonytest.MetaPath(ws1, "root")} {
				if rep := ceremonytest.VerifyBundle(t, p2, trusted); !rep.OK() || rep.RootVersion != 2 {
					t.Errorf("root v2 bundle (trusted %q): root v%d, errors %v", trusted, rep.RootVersion, rep.Errors())
				}
			}
			// A trusted root that is not the bundle's previous root.
			if rep := ceremonytest.VerifyBundle(t, p2, ceremonytest.MetaPath(ws2, "root")); rep.OK() {
				t.Error("root v2 bundle verifies from root v2 itself as the trusted root")
			}
		})
	}
}

func TestBundleRefusesUnmetThresholds(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice")
	out := filepath.Join(t.TempDir(), "b.tar")
	_, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: ceremonytest.Now})
	if err == nil || !strings.Contains(err.Error(), "bob") {
		t.Fatalf("bundle of a workspace signed by alice only: %v; want a refusal naming who has not signed", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("refused bundle was written: %v", err)
	}

	res := ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: out, Partial: true})
	if !res.Partial || len(res.Missing) == 0 {
		t.Errorf("partial bundle result %+v", res)
	}
	b := ceremonytest.ReadBundle(t, out)
	readme := string(ceremonytest.BundleEntry(t, b, "README.txt"))
	if !strings.Contains(readme, "PARTIAL BUNDLE: NOT FOR UPLOAD") || !strings.Contains(readme, "bob") || !strings.Contains(readme, "root v1") {
		t.Errorf("README.txt of a partial bundle does not say what is missing:\n%s", readme)
	}
	if !strings.Contains(string(ceremonytest.BundleEntry(t, b, "bundle-info.json")), `"partial": true`) {
		t.Error("bundle-info.json does not mark the bundle partial")
	}
	rep := ceremonytest.VerifyBundle(t, out, "")
	if len(ceremonytest.Findings(rep, verify.Warning, "partial")) != 1 || len(ceremonytest.Findings(rep, verify.Warning, "threshold")) == 0 {
		t.Errorf("partial bundle: want a partial warning and threshold warnings, have %v", rep.Findings)
	}
	if !rep.OK() {
		t.Errorf("partial bundle: errors besides its thresholds: %v", rep.Errors())
	}
}

func TestBundleOnlineKeyChange(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws1", "")
	f.Sign(f.WS("ws1"), "alice", "bob", "carol")
	// The server gets a new online key with root v2.
	f.Online = f.NewKey("online", keys.TypeEd25519)
	f.Init(f.Plan("plan-v2.yaml", ceremonytest.StandardPlan()), "ws2", ceremonytest.MetaPath(f.WS("ws1"), "root"))
	f.Sign(f.WS("ws2"), "alice", "bob", "carol")

	out := filepath.Join(t.TempDir(), "b.tar")
	res := ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: f.WS("ws2"), Out: out})
	if !res.OnlineKeyChanged {
		t.Error("result does not say the online key changes")
	}
	readme := string(ceremonytest.BundleEntry(t, ceremonytest.ReadBundle(t, out), "README.txt"))
	if !strings.Contains(readme, onlineKeyRule) || !strings.Contains(readme, "BEFORE the new") {
		t.Errorf("README.txt does not put the new online key before the new root:\n%s", readme)
	}
	if i, j := strings.Index(readme, onlineKeyRule), strings.Index(readme, "UPLOAD"); i < 0 || j < i {
		t.Error("README.txt gives the online key rule after the upload step")
	}
	if rep := ceremonytest.VerifyBundle(t, out, ceremonytest.MetaPath(f.WS("ws1"), "root")); !rep.OK() || rep.RootVersion != 2 {
		t.Errorf("root v2 bundle: root v%d, errors %v", rep.RootVersion, rep.Errors())
	}
}

func TestBundleRefusesExistingOut(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	f.Sign(f.WS("ws"), "alice", "bob", "carol")
	out := filepath.Join(t.TempDir(), "b.tar")
	if err := ceremonytest.WriteFile(out, []byte("keep")); err != nil {
		t.Fatal(err)
	}
	if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: f.WS("ws"), Out: out, Now: ceremonytest.Now}); err == nil {
		t.Error("bundle replaced an existing file")
	}
	if string(ceremonytest.ReadFile(t, out)) != "keep" {
		t.Error("existing file changed")
	}
}
