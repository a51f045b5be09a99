package rotate_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestRotateFromBundle: the bootstrap's bundle as PATH gives the plan the
// workspace gives (but for where it was read), and a rotation workspace
// that is signed, counted and replayed as any other, its request naming
// the bundle by SHA-256.
func TestRotateFromBundle(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	tarPath := ceremonytest.BootstrapBundle(t, f, ws)
	carol := []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}

	fromWS, err := f.Rotate(rotate.Options{From: ws, Compromised: []string{"carol"}, Replace: carol})
	if err != nil {
		t.Fatal(err)
	}
	dir := f.WS("ws-from-bundle")
	fromTar, err := f.Rotate(rotate.Options{From: tarPath, Compromised: []string{"carol"}, Replace: carol, Dir: dir})
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
	if a := fromTar.Plan.Affected; len(a) != 1 || a[0].Holder != "carol" || a[0].ID != f.ID("carol") {
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
	if !bytes.Equal(ceremonytest.ReadFile(t, filepath.Join(dir, workspace.TrustedRoot)), root1) {
		t.Error("the workspace's trusted root is not the bundle's metadata/1.root.json")
	}
	digest := sha256.Sum256(ceremonytest.ReadFile(t, tarPath))
	if req := ceremonytest.ReadFile(t, filepath.Join(dir, workspace.PlanFile)); !bytes.Contains(req, []byte(`from_bundle_sha256: "`+hex.EncodeToString(digest[:])+`"`)) {
		t.Errorf("the request does not name the bundle by its SHA-256:\n%s", req)
	}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: dir, Signer: f.Signers["carol"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("the stolen key signing in a rotation from a bundle: %v", err)
	}
	f.Sign(dir, "alice", "bob", "dave", "frank")
	if st, err := ceremony.GetStatus(dir); err != nil || !st.AllMet() {
		t.Fatalf("status: %v %+v", err, st)
	}
	if rp, err := ceremonytest.Engine.Replay(dir); err != nil || !rp.OK() {
		t.Fatalf("replay: %v %+v", err, rp)
	}

	// Its bundle in turn is a PATH: the next rotation starts from root v2.
	next := filepath.Join(f.Dir, "recovery.tar")
	if _, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: dir, Out: next, Now: ceremonytest.Now}); err != nil {
		t.Fatal(err)
	}
	res, err := f.Rotate(rotate.Options{From: next, Lost: []string{"erin"}})
	if err != nil {
		t.Fatalf("rotate from the rotation's bundle: %v", err)
	}
	if res.Plan.TrustedRootVersion != 2 || res.Plan.RootVersion != 3 {
		t.Errorf("from the rotation's bundle: root v%d from v%d, want v3 from v2", res.Plan.RootVersion, res.Plan.TrustedRootVersion)
	}
	for _, s := range res.Plan.Signing[:1] {
		if !hasLabel(s.From, "carol ("+f.ID("frank")[:12]+")") || hasLabel(s.From, f.ID("carol")[:12]) {
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

// TestRotateLastGoodAndKeyholdersFromBundle: a repository (no names)
// with the bootstrap's bundle as --keyholders names carol; as --last-good
// it gives the content of re-signed roles.
func TestRotateLastGoodAndKeyholdersFromBundle(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	tarPath := ceremonytest.BootstrapBundle(t, f, ws)
	from := ceremonytest.PublishWorkspace(t, f, ws, "repo", nil)
	if _, err := f.Rotate(rotate.Options{From: from, Compromised: []string{"carol"}}); err == nil || !strings.Contains(err.Error(), `no key in`) {
		t.Fatalf("a bare repository knows no carol, got %v", err)
	}
	res, err := f.Rotate(rotate.Options{From: from, Keyholders: []string{tarPath}, LastGood: tarPath, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}})
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
