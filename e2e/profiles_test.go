// Package e2e runs whole ceremonies per profile and has real TUF clients
// (go-tuf's updater, tuf-js) and our own verifier take the result.
package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/demo"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

var profiles = []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458, plan.ProfilePEP480}

// demo runs the non-interactive rehearsal (3-of-5 bootstrap, root rotation
// to v2, online side simulated) and returns its output directory.
func runDemo(t *testing.T, p plan.Profile) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "demo")
	if err := demo.Run(demo.Options{Profile: p, Out: out}); err != nil {
		t.Fatalf("demo %s: %v", p, err)
	}
	return out
}

func TestProfilesEndToEnd(t *testing.T) {
	for _, p := range profiles {
		t.Run(string(p), func(t *testing.T) {
			out := runDemo(t, p)
			repo := filepath.Join(out, demo.Repository)
			root1 := filepath.Join(repo, "metadata", "1.root.json")

			res, err := gotufclient.Refresh(t, repo, root1, demo.Target)
			if err != nil {
				t.Fatalf("go-tuf updater refused the %s repository: %v", p, err)
			}
			if res.RootVersion != 2 {
				t.Errorf("go-tuf trusts root v%d, want v2 after the rotation", res.RootVersion)
			}
			if !bytes.Contains(res.Target, []byte("ceremony demo target")) {
				t.Errorf("go-tuf downloaded %q, not the demo target", res.Target)
			}
			if v := tufjs.Refresh(t, repo, demo.Target); v != 2 {
				t.Errorf("tuf-js trusts root v%d, want v2", v)
			}
			if err := tufjs.VerifyRootChain(t, root1, filepath.Join(repo, "metadata", "2.root.json")); err != nil {
				t.Errorf("tuf-js refused the root chain: %v", err)
			}
			rep, err := verify.Repository(repo, verify.Options{})
			if err != nil || !rep.OK() {
				t.Fatalf("ceremony verify refused the %s repository: %v %v", p, err, rep.Errors())
			}
			for _, ws := range []string{demo.BootstrapWorkspace, demo.RootV2Workspace} {
				rep, err := audit.VerifyWorkspace(eng, filepath.Join(out, ws), "", time.Time{})
				if err != nil || !rep.OK() {
					t.Fatalf("workspace %s does not verify: %v %v", ws, err, rep.Errors())
				}
				rp, err := eng.Replay(filepath.Join(out, ws))
				if err != nil || !rp.OK() || !rp.Sealed {
					t.Fatalf("workspace %s does not replay sealed: %v %+v", ws, err, rp)
				}
			}
			for _, b := range []string{demo.Bundle, demo.RootV2Bundle} {
				rp, err := audit.ReplayBundle(eng, filepath.Join(out, b))
				if err != nil || !rp.OK() || !rp.Sealed {
					t.Fatalf("bundle %s does not replay sealed: %v %+v", b, err, rp)
				}
			}
		})
	}
}

// TestRootV2WithOnlyNewThresholdRejected drops the signature of the
// keyholder who left (erin) from root v2: the new root's threshold still
// holds (alice, bob, frank) but the previous root's (3 of alice..erin) does
// not. Every client must refuse it.
func TestRootV2WithOnlyNewThresholdRejected(t *testing.T) {
	out := runDemo(t, plan.ProfilePEP458)
	repo := filepath.Join(out, demo.Repository)
	ws, err := workspace.Open(filepath.Join(out, demo.RootV2Workspace))
	if err != nil {
		t.Fatal(err)
	}
	erin := ""
	for _, k := range ws.State.Keys {
		if k.Holder == "erin" {
			erin = k.KeyID
		}
	}
	if erin == "" {
		t.Fatal("erin's key is not named in the v2 workspace")
	}
	for _, name := range []string{"2.root.json", "root.json"} {
		path := filepath.Join(repo, "metadata", name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := metafile.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		i := f.SignatureBy(erin)
		if i < 0 {
			t.Fatalf("%s has no signature by erin to drop", name)
		}
		f.Signatures = append(f.Signatures[:i], f.Signatures[i+1:]...)
		b, _ := f.Marshal()
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	root1 := filepath.Join(repo, "metadata", "1.root.json")
	if _, err := gotufclient.Refresh(t, repo, root1, demo.Target); err == nil {
		t.Error("go-tuf accepted a root v2 that lacks the previous root's threshold")
	}
	if _, err := tufjs.TryRefresh(t, repo, demo.Target); err == nil {
		t.Error("tuf-js accepted a root v2 that lacks the previous root's threshold")
	}
	rep, err := verify.Repository(repo, verify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() {
		t.Fatal("ceremony verify accepted a root v2 that lacks the previous root's threshold")
	}
	found := false
	for _, f := range rep.Errors() {
		if strings.Contains(f.File, "2.root.json") && f.Check == "threshold" && strings.Contains(f.Message, "v1") {
			found = true
		}
	}
	if !found {
		t.Errorf("no threshold finding naming 2.root.json and the previous root v1: %v", rep.Errors())
	}
}

// TestFlippedByteRejected flips one byte of the signed content of every
// metadata file of a demo repository, one file at a time; ceremony verify
// must refuse each and name the file.
func TestFlippedByteRejected(t *testing.T) {
	for _, p := range profiles {
		t.Run(string(p), func(t *testing.T) {
			out := runDemo(t, p)
			repo := filepath.Join(out, demo.Repository)
			entries, err := os.ReadDir(filepath.Join(repo, "metadata"))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				path := filepath.Join(repo, "metadata", e.Name())
				orig, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				// The expiry year's last digit: inside "signed", still valid JSON.
				i := bytes.Index(orig, []byte(`"expires": "`))
				if i < 0 {
					t.Fatalf("%s: no expires field", e.Name())
				}
				i += len(`"expires": "`) + 3
				flipped := append([]byte(nil), orig...)
				flipped[i] = '0' + (flipped[i]-'0'+1)%10
				if err := os.WriteFile(path, flipped, 0o644); err != nil {
					t.Fatal(err)
				}
				rep, err := verify.Repository(repo, verify.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() {
					t.Errorf("%s: a flipped byte in %s was accepted", p, e.Name())
				} else if !mentions(rep.Errors(), e.Name()) {
					t.Errorf("%s: flipped byte in %s: no finding names the file: %v", p, e.Name(), rep.Errors())
				}
				if err := os.WriteFile(path, orig, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := verify.Repository(repo, verify.Options{})
			if err != nil || !rep.OK() {
				t.Fatalf("restored repository does not verify: %v %v", err, rep.Errors())
			}
		})
	}
}

func mentions(fs []verify.Finding, name string) bool {
	for _, f := range fs {
		if filepath.Base(f.File) == name {
			return true
		}
	}
	return false
}
