package e2e

// A claimed project's maintainer key stolen, end to end: the attacker
// signs the project's role with it and clients take the attacker's file
// (the key is the one claimed delegates to); 'ceremony rotate' sends the
// administrators to a claims ceremony; the maintainer makes a new claim
// request with a new key on a virtual YubiKey (real pcscd, real piv-go);
// the administrators take it in with --rekey; once claimed v3 is
// published, a go-tuf client that trusted the repository before, and
// tuf-js, reject the project's role signed with the stolen key, and take
// the one the maintainer signs again with the new key.

import (
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	tufprofiles "github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

const rekeyProject = "rekey-demo"

// pep480World is a published pep480 repository: the administrators' keys
// (alice, bob, carol; claimed 2 of 3), the online key, the plan.
type pep480World struct {
	t       *testing.T
	dir     string
	now     time.Time
	signers map[string]keys.Signer
	plan    string
	repo    string
	root1   string
}

func newPEP480World(t *testing.T) *pep480World {
	t.Helper()
	w := &pep480World{t: t, dir: t.TempDir(), now: time.Now(), signers: map[string]keys.Signer{}}
	var holders strings.Builder
	for _, name := range []string{"alice", "bob", "carol", "online"} {
		s, err := keys.GenerateSoftware("memory:"+name, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		w.signers[name] = s
		b, _ := keys.MarshalKeyJSON(s.TUFKey())
		write(t, filepath.Join(w.dir, name+".pub"), b)
		if name != "online" {
			fmt.Fprintf(&holders, "  - {name: %s, public_key: %s.pub}\n", name, name)
		}
	}
	w.plan = write(t, filepath.Join(w.dir, "plan.yaml"), []byte("profile: pep480\nrepository: rekey.example\nkeyholders:\n"+holders.String()+
		"roles:\n  root: {keyholders: [alice, bob, carol], threshold: 2}\n  targets: {keyholders: [alice, bob], threshold: 2}\n"+
		"  claimed: {keyholders: [alice, bob, carol], threshold: 2}\n  bins: {count: 16}\n"+
		"online:\n  - {name: online, public_key: online.pub}\n"))
	boot := filepath.Join(w.dir, "boot")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: w.plan, Dir: boot, Now: w.now}); err != nil {
		t.Fatal(err)
	}
	w.sign(boot, "alice", "bob", "carol")
	p, err := plan.Load(w.plan, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	ws, err := workspace.Open(boot)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(role string) *metafile.File {
		f, err := ws.Metadata(role)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	w.repo = filepath.Join(w.dir, "repository")
	if err := publish.Write(&publish.Repository{Dir: w.repo, Plan: p, Online: w.signers["online"], Now: w.now,
		Roots:   []*metafile.File{meta(metadata.ROOT)},
		Offline: map[string]*metafile.File{metadata.TARGETS: meta(metadata.TARGETS), plan.RoleClaimed: meta(plan.RoleClaimed)}}); err != nil {
		t.Fatal(err)
	}
	w.root1 = filepath.Join(w.repo, "metadata", "1.root.json")
	return w
}

func (w *pep480World) sign(ws string, names ...string) {
	w.t.Helper()
	for _, name := range names {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: w.signers[name], Now: w.now}); err != nil {
			w.t.Fatalf("%s signs %s: %v", name, ws, err)
		}
	}
}

// bundleAndPublish bundles a finished workspace, verifies the bundle
// against root v1 as the online side does, and publishes it.
func (w *pep480World) bundleAndPublish(ws, name string) string {
	w.t.Helper()
	out := filepath.Join(w.dir, name)
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: w.now}); err != nil {
		w.t.Fatal(err)
	}
	if rep, err := audit.VerifyBundle(eng, out, w.root1, w.now); err != nil || !rep.OK() {
		w.t.Fatalf("verify %s: %v %v", name, err, rep.Errors())
	}
	if err := publish.ApplyBundle(w.repo, out, w.signers["online"], w.now); err != nil {
		w.t.Fatalf("publish %s: %v", name, err)
	}
	return out
}

// forgeProject publishes the project's role at its next version, listing
// its current targets and the attacker's file, signed by the stolen key,
// as an attacker who holds the key uploads it.
func (w *pep480World) forgeProject(stolen keys.Signer, path string, data []byte) {
	w.t.Helper()
	cur, err := publish.CurrentRole(w.repo, rekeyProject)
	if err != nil {
		w.t.Fatal(err)
	}
	tt, err := cur.Targets()
	if err != nil {
		w.t.Fatal(err)
	}
	tt.Version++
	tt.Expires = tufprofiles.Expiry(w.now, 30)
	if tt.Targets[path], err = metadata.TargetFile().FromBytes(path, data, "sha256"); err != nil {
		w.t.Fatal(err)
	}
	f, err := metafile.FromSigned(tt)
	if err != nil {
		w.t.Fatal(err)
	}
	msg, err := f.Canonical()
	if err != nil {
		w.t.Fatal(err)
	}
	sig, err := keys.SignMessage(stolen, msg)
	if err != nil {
		w.t.Fatal(err)
	}
	id, err := keys.ID(stolen.TUFKey())
	if err != nil {
		w.t.Fatal(err)
	}
	f.AddSignature(id, hex.EncodeToString(sig))
	if err := (&publish.Update{Dir: w.repo, Roles: map[string]*metafile.File{rekeyProject: f},
		Files: map[string][]byte{path: data}, Online: w.signers["online"], Now: w.now}).Publish(); err != nil {
		w.t.Fatal(err)
	}
}

// Why the clients refuse a target: the project's role does not verify
// (signed by a key claimed no longer delegates it to), or it does and does
// not list the target.
const (
	unsignedRole = "unsigned"
	notListed    = "not listed"
)

// refuses says that both clients refuse path, for the reason why: go-tuf
// (the client that trusted the repository before) and tuf-js from root v1.
func (w *pep480World) refuses(client *tufClient, path, why, when string) {
	w.t.Helper()
	goTUF, tufJS := "not found", "not found in trusted metadata"
	if why == unsignedRole {
		goTUF, tufJS = "Verifying "+rekeyProject+" failed, not enough signatures", rekeyProject+" was signed by 0/1 keys"
	}
	if data, err := client.fetch(w.repo, path); err == nil {
		w.t.Fatalf("%s: go-tuf downloaded %s (%q)", when, path, data)
	} else if !strings.Contains(err.Error(), goTUF) {
		w.t.Fatalf("%s: go-tuf refuses %s, but not as %s: %v", when, path, why, err)
	}
	if res, err := tufjs.TryRefresh(w.t, w.repo, path); err == nil {
		w.t.Fatalf("%s: tuf-js downloaded %s: %+v", when, path, res)
	} else if !strings.Contains(err.Error(), tufJS) {
		w.t.Fatalf("%s: tuf-js refuses %s, but not as %s: %v", when, path, why, err)
	}
}

// takes says that both clients download path and get data.
func (w *pep480World) takes(client *tufClient, path string, data []byte) {
	w.t.Helper()
	client.fetchWant(w.repo, path, data)
	tufjs.Refresh(w.t, w.repo, path)
}

func TestClaimsRekeyEndToEnd(t *testing.T) {
	env := pcsctest.Start(t)
	w := newPEP480World(t)
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	roots := write(t, filepath.Join(w.dir, "roots.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}))

	// The maintainer's first key (a key file on their laptop), the claim,
	// the claims ceremony, and release 1.0 signed with it.
	stolen, err := keys.GenerateSoftware("memory:maintainer", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	stolenID, err := keys.ID(stolen.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	requests := filepath.Join(w.dir, "requests")
	if err := os.MkdirAll(requests, 0o755); err != nil {
		t.Fatal(err)
	}
	request, err := claims.MakeRequest(rekeyProject, []keys.Signer{stolen}, 1, w.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(requests, rekeyProject+".claim.json"), request)
	cws := filepath.Join(w.dir, "claims-ws")
	if _, err := claimed.Init(eng, claimed.Options{From: w.repo, ClaimsDir: requests, Plan: w.plan, Dir: cws, Now: w.now}); err != nil {
		t.Fatal(err)
	}
	w.sign(cws, "alice", "bob")
	w.bundleAndPublish(cws, "claims.tar")

	good, evil, good2 := claimsPath(t, "rekey_demo-1.0.tar.gz"), claimsPath(t, "rekey_demo-6.6.tar.gz"), claimsPath(t, "rekey_demo-1.1.tar.gz")
	goodData, evilData, good2Data := []byte("rekey-demo 1.0\n"), []byte("the attacker's rekey-demo\n"), []byte("rekey-demo 1.1, on the new key\n")
	pws := filepath.Join(w.dir, "project-1")
	if _, err := project.Init(eng, project.Options{Project: rekeyProject, From: w.repo, Dir: pws, Now: w.now,
		Targets: []project.Target{{Path: good, File: write(t, filepath.Join(w.dir, "good"), goodData)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws, Signer: stolen, Now: w.now}); err != nil {
		t.Fatal(err)
	}
	w.bundleAndPublish(pws, "project-1.tar")
	client := newTUFClient(t, w.root1)
	w.takes(client, good, goodData)

	// The key is stolen: the attacker's rekey-demo v2, signed with it,
	// is what claimed's delegation asks for, and both clients take it.
	w.forgeProject(stolen, evil, evilData)
	w.takes(client, evil, evilData)

	// 'ceremony rotate' cannot change a claimed project's keys: it says
	// how, and writes nothing.
	res, err := rotate.Run(eng, rotate.Options{From: w.repo, Compromised: []string{stolenID}, Dir: filepath.Join(w.dir, "rotation"), Now: w.now})
	if !errors.Is(err, rotate.ErrRotationProblems) || res == nil || !strings.Contains(strings.Join(res.Plan.Problems, "\n"), "--rekey "+rekeyProject+"=") {
		t.Fatalf("rotate --compromised MAINTAINERKEY: %v; want the claims ceremony with --rekey", err)
	}

	// The maintainer's new key, on a YubiKey; their new claim request.
	maint, card := yubiHolder(t, w.dir, "maintainer", env, 0, ca, keys.TypeECDSAP256)
	id, att, err := claims.ReadAttestation(backends, maint.planURI)
	if err != nil || att == nil {
		t.Fatalf("attestation of the new key: %v", err)
	}
	signer, err := backends.Open(maint.signURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	request, err = claims.MakeRequest(rekeyProject, []keys.Signer{signer}, 1, w.now, map[string]claims.Attestation{id: *att})
	if c, ok := signer.(keys.Closer); ok {
		c.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	requests2 := filepath.Join(w.dir, "requests-2")
	if err := os.MkdirAll(requests2, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(requests2, rekeyProject+".claim.json"), request)

	// The administrators: refused as a claim, taken in as a rekey.
	opts := claimed.Options{From: w.repo, ClaimsDir: requests2, Plan: w.plan, AttestationRoots: roots, Dir: filepath.Join(w.dir, "rekey-ws"), Now: w.now}
	if _, err := claimed.Init(eng, opts); !errors.Is(err, claimed.ErrNoClaimsAccepted) {
		t.Fatalf("the new key without --rekey: %v; want it refused", err)
	}
	opts.Rekey = []claims.Rekey{{Project: rekeyProject, Reason: "maintainer key " + stolenID[:12] + " stolen"}}
	rres, err := claimed.Init(eng, opts)
	if err != nil {
		t.Fatalf("claims init --rekey: %v", err)
	}
	if len(rres.Rekeyed) != 1 || rres.Rekeyed[0].Attested[id] == nil || rres.Rekeyed[0].Attested[id].Serial != card.Serial() {
		t.Fatalf("rekeyed %+v; want the new key, attested on YubiKey %d", rres.Rekeyed, card.Serial())
	}
	w.sign(opts.Dir, "bob", "carol")
	rekeyBundle := w.bundleAndPublish(opts.Dir, "rekey.tar")

	// claimed v3 is published: the role signed with the stolen key no
	// longer counts, so neither the attacker's file nor the project's own
	// is served until the maintainer signs again.
	w.refuses(client, evil, unsignedRole, "after the rekey")
	w.refuses(client, good, unsignedRole, "after the rekey, before the maintainer signs again")

	// The maintainer signs again with the new key, from the claims
	// bundle: a new release. Nothing the stolen key signed is carried
	// over, release 1.0 included, since it is not listed again (the
	// rehearsal's online side, publish.ApplyBundle, refuses to write a
	// target file that it serves already, even byte for byte).
	pws2 := filepath.Join(w.dir, "project-2")
	if _, err := project.Init(eng, project.Options{Project: rekeyProject, From: rekeyBundle, Dir: pws2, Now: w.now,
		Targets: []project.Target{{Path: good2, File: write(t, filepath.Join(w.dir, "good2"), good2Data)}}}); err != nil {
		t.Fatalf("project init from the rekey bundle: %v", err)
	}
	pst, err := workspace.Open(pws2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(pst.State.Warnings, "|"), "the previous targets are listed again only if the maintainers list them") {
		t.Errorf("project init after the rekey does not warn that nothing is carried over: %q", pst.State.Warnings)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws2, Signer: stolen, Now: w.now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("the stolen key signs after the rekey: %v", err)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws2, KeyURI: maint.signURI, Now: w.now}); err != nil {
		t.Fatalf("the maintainer signs on the YubiKey: %v", err)
	}
	w.bundleAndPublish(pws2, "project-2.tar")
	w.takes(client, good2, good2Data)
	if c, p := client.version(plan.RoleClaimed), client.version(rekeyProject); c != 3 || p != 3 {
		t.Errorf("go-tuf trusts claimed v%d and %s v%d, want claimed v3 and v3 (above the attacker's v2)", c, rekeyProject, p)
	}
	w.refuses(client, evil, notListed, "after the maintainer signs again")
	w.refuses(client, good, notListed, "after the maintainer signs again without listing 1.0")

	// The attacker signs v4 with the stolen key: refused, and the
	// maintainer's release with it.
	evil2 := claimsPath(t, "rekey_demo-6.7.tar.gz")
	w.forgeProject(stolen, evil2, evilData)
	w.refuses(client, evil2, unsignedRole, "the stolen key's v4")
	if rep, err := verify.Repository(w.repo, verify.Options{TrustedRoot: w.root1}); err != nil || rep.OK() {
		t.Errorf("ceremony verify of the repository with the stolen key's v4: %v; want it refused", err)
	}
}
