package ceremonytest

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// ClaimsWorld is a finished pep480 bootstrap (claimed: alice, bob, carol,
// 2 of 3) and maintainers' keys for two projects' claims.
type ClaimsWorld struct {
	*Fixture
	Boot        string // the bootstrap workspace
	Maintainers map[string]keys.Signer
	ClaimsDir   string
}

// NewClaimsWorld makes a ClaimsWorld whose claims directory holds the requests
// of demo-pkg (m1, m2 and m3, 2 of 3) and tiny (solo).
func NewClaimsWorld(t *testing.T) *ClaimsWorld {
	t.Helper()
	f := NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	p := StandardPlan()
	p.Profile, p.Claimed, p.ClaimedThreshold = "pep480", []string{"alice", "bob", "carol"}, 2
	f.Init(f.Plan("plan.yaml", p), "boot", "")
	boot := f.WS("boot")
	f.Sign(boot, "alice", "bob", "carol")
	if !GetStatus(t, boot).AllMet() {
		t.Fatal("bootstrap thresholds not met")
	}
	w := &ClaimsWorld{Fixture: f, Boot: boot, Maintainers: map[string]keys.Signer{}, ClaimsDir: filepath.Join(f.Dir, "requests")}
	for _, name := range []string{"m1", "m2", "m3", "solo"} {
		w.Maintainers[name] = f.NewKey(name, keys.TypeEd25519)
	}
	if err := os.MkdirAll(w.ClaimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.Request("demo-pkg", 2, "m1", "m2", "m3")
	w.Request("tiny", 1, "solo")
	return w
}

// Request writes PROJECT.claim.json into the claims directory.
func (w *ClaimsWorld) Request(project string, threshold int, names ...string) []byte {
	w.t.Helper()
	var signers []keys.Signer
	for _, n := range names {
		signers = append(signers, w.Maintainers[n])
	}
	data, err := claims.MakeRequest(project, signers, threshold, Now, nil)
	if err != nil {
		w.t.Fatalf("claim request for %s: %v", project, err)
	}
	if err := os.WriteFile(filepath.Join(w.ClaimsDir, project+".claim.json"), data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	return data
}

// ClaimsInit runs claims init from the bootstrap workspace with the claims
// directory, making workspace ws in the fixture's directory.
func (w *ClaimsWorld) ClaimsInit(ws string) *claimed.Result {
	w.t.Helper()
	res, err := claimed.Init(Engine, claimed.Options{From: w.Boot, ClaimsDir: w.ClaimsDir, Dir: w.WS(ws), Now: Now})
	if err != nil {
		w.t.Fatalf("claims init: %v", err)
	}
	return res
}

// SignAs signs workspace ws with s (a maintainer's key).
func (w *ClaimsWorld) SignAs(ws string, s keys.Signer) {
	w.t.Helper()
	if _, err := Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: s, Now: Now}); err != nil {
		w.t.Fatalf("sign %s: %v", ws, err)
	}
}

// Publish writes the bootstrap as a repository, signed online.
func (w *ClaimsWorld) Publish(t *testing.T) string {
	t.Helper()
	return PublishWorkspace(t, w.Fixture, w.Boot, "repository", nil)
}

// RekeyWorld is a claims world after its first claims ceremony (claimed
// v2: tiny by solo's key, demo-pkg by m1, m2, m3), bundled, and a new
// directory of requests: tiny's with solo2's key, solo's having been
// stolen.
type RekeyWorld struct {
	*ClaimsWorld
	First string // the first claims ceremony's bundle
}

// RekeyReason is the reason the administrators give for rekeying tiny.
const RekeyReason = "solo's key stolen (incident 7)"

// NewRekeyWorld makes a RekeyWorld.
func NewRekeyWorld(t *testing.T) *RekeyWorld {
	t.Helper()
	w := NewClaimsWorld(t)
	w.ClaimsInit("claims")
	w.Sign(w.WS("claims"), "alice", "bob")
	first := filepath.Join(w.Dir, "claims.tar")
	MakeBundle(t, ceremony.BundleOptions{Dir: w.WS("claims"), Out: first})
	w.Maintainers["solo2"] = w.NewKey("solo2", keys.TypeEd25519)
	w.ClaimsDir = filepath.Join(w.Dir, "rekey-requests")
	if err := os.MkdirAll(w.ClaimsDir, 0o755); err != nil {
		t.Fatal(err)
	}
	w.Request("tiny", 1, "solo2")
	return &RekeyWorld{ClaimsWorld: w, First: first}
}

// ID is the key ID of name's key, a maintainer's or a keyholder's, as package
// keys computes it.
func (w *RekeyWorld) ID(name string) string {
	w.t.Helper()
	s := w.Maintainers[name]
	if s == nil {
		s = w.Signers[name]
	}
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

// TargetsOf parses the targets metadata (targets, claimed or a project's
// role) at path.
func TargetsOf(t *testing.T, path string) *metadata.TargetsType {
	t.Helper()
	tt, err := ParseFile(t, path).Targets()
	if err != nil {
		t.Fatal(err)
	}
	return tt
}

// SignFile adds s's signature over f's canonical bytes.
func SignFile(t *testing.T, f *metafile.File, s keys.Signer) {
	t.Helper()
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(s, msg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := keys.ID(s.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	f.AddSignature(id, hex.EncodeToString(sig))
}
