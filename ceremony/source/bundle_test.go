package source_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

// TestRotateFromBadBundle: a bundle that does not verify, a partial one,
// one past its expiry, a file that is no bundle: each is refused with one
// line naming the file and what to do, and nothing is written.
func TestRotateFromBadBundle(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	f, ws := ceremonytest.Bootstrapped(t)
	good := ceremonytest.BootstrapBundle(t, f, ws)
	b, err := bundle.Read(good, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	// A re-written bundle (its manifest consistent) whose targets lost
	// bob's signature's bytes: its threshold is no longer met.
	var entries []bundle.Entry
	for _, e := range ceremonytest.BundleEntries(t, b) {
		data := e.Data
		if e.Name == "metadata/1.targets.json" {
			data = bytes.Replace(data, []byte(`"sig": "`), []byte(`"sig": "00`), 1)
		}
		entries = append(entries, bundle.Entry{Name: e.Name, Data: data})
	}
	forged := filepath.Join(f.Dir, "forged.tar")
	if _, err := bundle.Write(forged, entries); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(f.Dir, "truncated.tar")
	data := ceremonytest.ReadFile(t, good)
	if err := os.WriteFile(truncated, data[:len(data)-1024], 0o644); err != nil {
		t.Fatal(err)
	}
	unfinished := f.Init(f.Plan("plan2.yaml", ceremonytest.StandardPlan()), "ws2", "").Dir
	f.Sign(unfinished, "alice")
	partial := filepath.Join(f.Dir, "partial.tar")
	if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: unfinished, Out: partial, Partial: true, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(f.Dir, "plan.yaml")

	dir := f.WS("ws-never")
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
			opts := rotate.Options{From: tc.from, Lost: []string{"erin"}, Dir: dir, Now: ceremonytest.Now}
			if tc.late {
				opts.Now = ceremonytest.Now.AddDate(2, 0, 0)
			}
			_, err := rotate.Run(ceremonytest.Engine, opts)
			if err == nil {
				t.Fatal("accepted")
			}
			msg := ceremonytest.Shown(err)
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

// TestNoKeyURIFromBundle: a verified bundle says who holds which key, but
// never how to reach it: its key URIs (a PKCS#11 module-path among them)
// are dropped, for rotations and for claims and project ceremonies alike;
// the workspace itself, on this machine, keeps them.
func TestNoKeyURIFromBundle(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	tarPath := ceremonytest.BootstrapBundle(t, f, ws)
	local, _, err := source.NamesFrom(ceremonytest.Engine, ws, ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	withURI := 0
	for _, n := range local {
		if n.URI != "" {
			withURI++
		}
	}
	if withURI == 0 {
		t.Fatalf("the workspace names no key URI: %+v", local)
	}
	bundled, _, err := source.NamesFrom(ceremonytest.Engine, tarPath, ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(bundled) != len(local) {
		t.Errorf("the bundle names %d keys, the workspace %d", len(bundled), len(local))
	}
	for _, n := range bundled {
		if n.URI != "" || n.Holder == "" {
			t.Errorf("from the bundle: %s with URI %q", n.Holder, n.URI)
		}
	}
	w := ceremonytest.NewClaimsWorld(t)
	claimsTar := ceremonytest.BootstrapBundle(t, w.Fixture, w.Boot)
	st, err := source.TrustedFromBundle(ceremonytest.Engine, claimsTar, "", ceremonytest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Names) == 0 {
		t.Fatal("the claims source names no key")
	}
	for _, n := range st.Names {
		if n.URI != "" {
			t.Errorf("claims source from a bundle: %s with URI %q", n.Holder, n.URI)
		}
	}
}
