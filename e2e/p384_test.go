package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
)

// TestP384OnlyRootAndTufJS backs the plan warning about P-384 keys: a root
// whose threshold is met only by P-384 signatures is correct TUF (go-tuf
// and our verifier accept it) but tuf-js 5.x, which checks every ECDSA
// signature with SHA-256, refuses it. If tuf-js learns the scheme, this
// test fails and the warning in plan/interop.go can go.
func TestP384OnlyRootAndTufJS(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	var signers []keys.Signer
	var holders strings.Builder
	for i, typ := range []keys.KeyType{keys.TypeECDSAP384, keys.TypeECDSAP384, keys.TypeEd25519, keys.TypeEd25519} {
		name := fmt.Sprintf("k%d", i)
		s, err := keys.GenerateSoftware("memory:"+name, typ)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
		writeKey(t, dir, name, s)
		fmt.Fprintf(&holders, "  - {name: %s, public_key: %s.pub}\n", name, name)
	}
	online, err := keys.GenerateSoftware("memory:online", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	writeKey(t, dir, "online", online)
	planYAML := "profile: rstuf\nkeyholders:\n" + holders.String() +
		"roles:\n  root: {keyholders: [k0, k1, k2, k3], threshold: 2}\n  bins: {count: 2}\n" +
		"online:\n  - {name: online, public_key: online.pub, uri: \"fn:online\"}\n"
	planPath := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(planPath, []byte(planYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(dir, "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: ws, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, s := range signers[:2] { // the two P-384 keys only
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: s, Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(filepath.Join(ws, "metadata", "root.json"))
	if err != nil {
		t.Fatal(err)
	}
	root, err := metafile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(planPath, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(dir, "repository")
	target := "packages/p384-1.0.tar.gz"
	if err := publish.Write(&publish.Repository{Dir: repo, Roots: []*metafile.File{root}, Plan: p, Online: online,
		Targets: []publish.Target{{Path: target, Data: []byte("p384\n")}}, Now: now}); err != nil {
		t.Fatal(err)
	}
	root1 := filepath.Join(repo, "metadata", "1.root.json")
	if _, err := gotufclient.Refresh(t, repo, root1, target); err != nil {
		t.Fatalf("go-tuf refused a root met by P-384 signatures: %v", err)
	}
	rep, err := verify.Repository(repo, verify.Options{})
	if err != nil || !rep.OK() {
		t.Fatalf("ceremony verify refused it: %v %v", err, rep.Errors())
	}
	_, err = tufjs.TryRefresh(t, repo, target)
	if err == nil {
		t.Fatal("tuf-js now counts P-384 signatures: drop the warning in plan/interop.go and this test")
	}
	if !strings.Contains(err.Error(), metadata.ROOT) {
		t.Errorf("tuf-js refused for another reason than the root's signatures: %v", err)
	}
}

func writeKey(t *testing.T, dir, name string, s keys.Signer) {
	t.Helper()
	b, err := keys.MarshalKeyJSON(s.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".pub"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
