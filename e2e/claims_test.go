package e2e

// PEP 480 claims, end to end: a maintainer with a virtual YubiKey (behind
// a real pcscd) claims a project; the administrators' claims ceremony
// takes the claim in; the online server publishes claimed v2; the
// maintainer's project ceremony signs the project's role on the YubiKey;
// the online server publishes it. go-tuf's updater and tuf-js then trust
// the project's file, and reject the attacker's file when PyPI's online
// key signs the project's role, or lists the file in recently-claimed or
// in unclaimed's hash bins: claimed's delegations are terminating, so the
// search ends at the project's role, which only the maintainer's key signs.

import (
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/project"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
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

const claimsProject = "yubi-demo"

// claimsPath is a path of claimsProject's files (claims.ProjectPaths:
// packages/*/*/*/yubi[_.]demo-[0-9]*) that go-tuf v2.4.2 can find: pep480's
// top-level targets delegates claimed by path_hash_prefixes "0" to "f",
// which go-tuf matches against the base64url SHA-256 of the path instead
// of its hex (go-tuf#783), so it walks targets -> claimed only for paths
// whose base64url SHA-256 begins with 0-9 or a-f (goTUFSeesPEP480).
// Without this choice go-tuf would not look in claimed at all, and its
// rejections below would prove nothing.
func claimsPath(t *testing.T, file string) string {
	t.Helper()
	for i := 0; i < 1000; i++ {
		p := fmt.Sprintf("packages/%02x/%02x/%04x/%s", i%256, i/256, i, file)
		if goTUFSeesPEP480(p) {
			return p
		}
	}
	t.Fatalf("no path for %s that go-tuf walks into claimed", file)
	return ""
}

// goTUFLookup refreshes a new go-tuf client (trusting 1.root.json)
// against repo and looks path up, without downloading it.
func goTUFLookup(t *testing.T, repo, path string) (*metadata.TargetFiles, error) {
	t.Helper()
	c := newTUFClient(t, filepath.Join(repo, "metadata", "1.root.json"))
	return c.lookup(repo, path)
}

func TestClaimsEndToEnd(t *testing.T) {
	env := pcsctest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	roots := write(t, filepath.Join(dir, "roots.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}))

	// The administrators' keys (software here) and the online key; a
	// pep480 bootstrap, published.
	signers := map[string]keys.Signer{}
	var holders strings.Builder
	for _, name := range []string{"alice", "bob", "carol", "online"} {
		s, err := keys.GenerateSoftware("memory:"+name, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		signers[name] = s
		b, _ := keys.MarshalKeyJSON(s.TUFKey())
		write(t, filepath.Join(dir, name+".pub"), b)
		if name != "online" {
			fmt.Fprintf(&holders, "  - {name: %s, public_key: %s.pub}\n", name, name)
		}
	}
	planText := "profile: pep480\nrepository: claims.example\nkeyholders:\n" + holders.String() +
		"roles:\n  root: {keyholders: [alice, bob, carol], threshold: 2}\n  targets: {keyholders: [alice, bob], threshold: 2}\n" +
		"  claimed: {keyholders: [alice, bob, carol], threshold: 2}\n  bins: {count: 16}\n" +
		"online:\n  - {name: online, public_key: online.pub}\n"
	planPath := write(t, filepath.Join(dir, "plan.yaml"), []byte(planText))
	boot := filepath.Join(dir, "boot")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: boot, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: boot, Signer: signers[name], Now: now}); err != nil {
			t.Fatal(err)
		}
	}
	requireMet(t, boot)
	p, err := plan.Load(planPath, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	bootWS, err := workspace.Open(boot)
	if err != nil {
		t.Fatal(err)
	}
	meta := func(role string) *metafile.File {
		f, err := bootWS.Metadata(role)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	repo := filepath.Join(dir, "repository")
	if err := publish.Write(&publish.Repository{Dir: repo, Plan: p, Online: signers["online"], Now: now,
		Roots:   []*metafile.File{meta(metadata.ROOT)},
		Offline: map[string]*metafile.File{metadata.TARGETS: meta(metadata.TARGETS), plan.RoleClaimed: meta(plan.RoleClaimed)}}); err != nil {
		t.Fatal(err)
	}
	root1 := filepath.Join(repo, "metadata", "1.root.json")

	// The maintainer: a key made on a virtual YubiKey, attested; the
	// claim request signed on it.
	maint, card := yubiHolder(t, dir, "maintainer", env, 0, ca, keys.TypeECDSAP256)
	id, att, err := claims.ReadAttestation(backends, maint.planURI)
	if err != nil || att == nil {
		t.Fatalf("attestation of the maintainer's YubiKey: %v", err)
	}
	maintSigner, err := backends.Open(maint.signURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	request, err := claims.MakeRequest(claimsProject, []keys.Signer{maintSigner}, 1, now, map[string]claims.Attestation{id: *att})
	if c, ok := maintSigner.(keys.Closer); ok {
		c.Close()
	}
	if err != nil {
		t.Fatalf("claim request on the YubiKey: %v", err)
	}
	requests := filepath.Join(dir, "requests")
	if err := os.MkdirAll(requests, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(requests, claimsProject+".claim.json"), request)

	// The administrators' claims ceremony, from the published repository.
	cws := filepath.Join(dir, "claims-ws")
	res, err := claimed.Init(eng, claimed.Options{From: repo, ClaimsDir: requests, Plan: planPath, AttestationRoots: roots, Dir: cws, Now: now})
	if err != nil {
		t.Fatalf("claims init: %v", err)
	}
	if len(res.Accepted) != 1 || res.Accepted[0].Attested[id] == nil || res.Accepted[0].Attested[id].Serial != card.Serial() {
		t.Fatalf("claims init accepted %+v; want the maintainer's claim, its key attested on YubiKey %d", res.Accepted, card.Serial())
	}
	for _, name := range []string{"alice", "carol"} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: cws, Signer: signers[name], Now: now}); err != nil {
			t.Fatalf("%s signs claimed: %v", name, err)
		}
	}
	claimsBundle := filepath.Join(dir, "claims.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: cws, Out: claimsBundle, Now: now}); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyBundle(eng, claimsBundle, root1, now); err != nil || !rep.OK() {
		t.Fatalf("verify the claims bundle: %v %v", err, rep.Errors())
	}
	if err := publish.ApplyBundle(repo, claimsBundle, signers["online"], now); err != nil {
		t.Fatalf("publish the claims bundle: %v", err)
	}

	// The maintainer's project ceremony, from the repository, signed on
	// the YubiKey. The file clients download lists sha256 alone, the
	// default (go-tuf and tuf-js verify nothing else); the wheel below lists
	// sha256 and blake2b-256, as PyPI lists its files, for clients to find.
	good, wheel := claimsPath(t, "yubi_demo-1.0.tar.gz"), claimsPath(t, "yubi_demo-1.0-py3-none-any.whl")
	goodData, wheelData := []byte("yubi-demo 1.0, signed on its maintainer's YubiKey\n"), []byte("yubi-demo 1.0 wheel\n")
	pws := filepath.Join(dir, "project-ws")
	if _, err := project.Init(eng, project.Options{Project: claimsProject, From: repo, Dir: pws, Now: now,
		Targets: []project.Target{{Path: good, File: write(t, filepath.Join(dir, "good.tar.gz"), goodData)}}}); err != nil {
		t.Fatalf("project init: %v", err)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws, KeyURI: maint.signURI, Now: now}); err != nil {
		t.Fatalf("the maintainer signs on the YubiKey: %v", err)
	}
	projectBundle := filepath.Join(dir, "project.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: pws, Out: projectBundle, Now: now}); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyBundle(eng, projectBundle, root1, now); err != nil || !rep.OK() {
		t.Fatalf("verify the project bundle: %v %v", err, rep.Errors())
	}
	if err := publish.ApplyBundle(repo, projectBundle, signers["online"], now); err != nil {
		t.Fatalf("publish the project bundle: %v", err)
	}
	// The next release, v2 from the repository: the wheel, hashed as PyPI
	// hashes (--hash sha256 --hash blake2b-256).
	pws2 := filepath.Join(dir, "project-ws2")
	if _, err := project.Init(eng, project.Options{Project: claimsProject, From: repo, Dir: pws2, Now: now, Hashes: []string{"sha256", "blake2b-256"},
		Targets: []project.Target{{Path: wheel, File: write(t, filepath.Join(dir, "wheel.whl"), wheelData)}}}); err != nil {
		t.Fatalf("project init of the second release: %v", err)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: pws2, KeyURI: maint.signURI, Now: now}); err != nil {
		t.Fatal(err)
	}
	projectBundle2 := filepath.Join(dir, "project2.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: pws2, Out: projectBundle2, Now: now}); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.VerifyBundle(eng, projectBundle2, root1, now); err != nil || !rep.OK() {
		t.Fatalf("verify the second project bundle: %v %v", err, rep.Errors())
	}
	if err := publish.ApplyBundle(repo, projectBundle2, signers["online"], now); err != nil {
		t.Fatal(err)
	}
	if rep, err := verify.Repository(repo, verify.Options{}); err != nil || !rep.OK() {
		t.Fatalf("ceremony verify of the repository: %v %v", err, rep.Errors())
	}

	// Both clients trust the maintainer's file, by way of targets ->
	// claimed -> yubi-demo v2 (which lists both releases).
	gres, err := gotufclient.Refresh(t, repo, root1, good)
	if err != nil {
		t.Fatalf("go-tuf refuses the maintainer's file: %v", err)
	}
	if string(gres.Target) != string(goodData) {
		t.Fatalf("go-tuf downloaded %q", gres.Target)
	}
	if tufjs.Refresh(t, repo, good) != 1 {
		t.Error("tuf-js did not stay on root v1")
	}
	tf, err := goTUFLookup(t, repo, wheel)
	if err != nil || tf.Length != int64(len(wheelData)) || len(tf.Hashes["blake2b-256"]) != 32 || len(tf.Hashes["sha256"]) != 32 {
		t.Fatalf("go-tuf finds the wheel as %+v, %v; want its length, sha256 and blake2b-256", tf, err)
	}

	// The attacker holds PyPI's online key.
	evil := claimsPath(t, "yubi_demo-6.6.tar.gz")
	evilData := []byte("the attacker's yubi-demo\n")
	controlData := []byte("a project nobody has claimed\n")
	online := signers["online"]
	onlineID, err := keys.ID(online.TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	signOnline := func(v any) *metafile.File {
		f, err := metafile.FromSigned(v)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := f.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		sig, err := keys.SignMessage(online, msg)
		if err != nil {
			t.Fatal(err)
		}
		f.AddSignature(onlineID, hex.EncodeToString(sig))
		return f
	}
	evilEntry, err := metadata.TargetFile().FromBytes(evil, evilData, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	current := func(repo, role string) *metadata.TargetsType {
		f, err := publish.CurrentRole(repo, role)
		if err != nil {
			t.Fatal(err)
		}
		tt, err := f.Targets()
		if err != nil {
			t.Fatal(err)
		}
		return tt
	}
	// attack lists the attacker's file in a role the online key signs,
	// beside a control: a file of a project nobody has claimed, which the
	// same role may serve. Both clients must find the control (the attack
	// is real) and refuse the attacker's file (claimed stops it).
	attack := func(name string, role func(repo string) (string, *metadata.TargetsType), control string) {
		t.Run(name, func(t *testing.T) {
			bad := copyDir(t, repo)
			badRoot := filepath.Join(bad, "metadata", "1.root.json")
			r, tt := role(bad)
			tt.Version++
			tt.Expires = tufprofiles.Expiry(now, 1)
			tt.Targets[evil] = evilEntry
			files := map[string][]byte{evil: evilData}
			if control != "" {
				if tt.Targets[control], err = metadata.TargetFile().FromBytes(control, controlData, "sha256"); err != nil {
					t.Fatal(err)
				}
				files[control] = controlData
			}
			if err := (&publish.Update{Dir: bad, Roles: map[string]*metafile.File{r: signOnline(tt)},
				Files: files, Online: online, Now: now}).Publish(); err != nil {
				t.Fatal(err)
			}
			if _, err := gotufclient.Refresh(t, bad, badRoot, evil); err == nil {
				t.Errorf("go-tuf accepted the attacker's file listed in %s by the online key", r)
			} else {
				t.Logf("go-tuf refuses: %v", err)
			}
			if res, err := tufjs.TryRefresh(t, bad, evil); err == nil {
				t.Errorf("tuf-js accepted the attacker's file listed in %s by the online key: %+v", r, res)
			} else {
				t.Logf("tuf-js refuses: %v", err)
			}
			if control != "" {
				if res, err := gotufclient.Refresh(t, bad, badRoot, control); err != nil || string(res.Target) != string(controlData) {
					t.Errorf("go-tuf does not find the unclaimed project's file in %s: %v", r, err)
				}
				tufjs.Refresh(t, bad, control)
				// And the maintainer's own file is still theirs.
				if res, err := gotufclient.Refresh(t, bad, badRoot, good); err != nil || string(res.Target) != string(goodData) {
					t.Errorf("go-tuf lost the maintainer's file after the attack on %s: %v", r, err)
				}
			}
		})
	}
	// The project's role itself, signed by the online key: no signature
	// of the maintainer's key, so nothing in it counts.
	attack("online key signs the project's role", func(bad string) (string, *metadata.TargetsType) {
		return claimsProject, current(bad, claimsProject)
	}, "")
	// recently-claimed and unclaimed's bins are the online key's to sign,
	// but claimed is searched first and its delegation to the project
	// terminates the search.
	attack("online key lists it in recently-claimed", func(bad string) (string, *metadata.TargetsType) {
		return plan.RoleRecentlyClaimed, current(bad, plan.RoleRecentlyClaimed)
	}, claimsPath(t, "unclaimed_pkg-1.0.tar.gz"))
	u := current(repo, plan.RoleUnclaimed)
	bin := u.Delegations.SuccinctRoles.GetRolesForTarget(evil)[0].Name
	binControl := ""
	for i := 0; binControl == "" && i < 1000; i++ {
		c := claimsPath(t, fmt.Sprintf("unclaimed_pkg-1.%d.tar.gz", i))
		if u.Delegations.SuccinctRoles.GetRolesForTarget(c)[0].Name == bin {
			binControl = c
		}
	}
	attack("online key lists it in unclaimed's bin", func(bad string) (string, *metadata.TargetsType) {
		return bin, current(bad, bin)
	}, binControl)
}

// lookup refreshes the client against repo and looks path up; the error
// is go-tuf's.
func (c *tufClient) lookup(repo, path string) (*metadata.TargetFiles, error) {
	c.t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(repo)))
	defer srv.Close()
	cfg, err := config.New(srv.URL+"/metadata", c.root)
	if err != nil {
		c.t.Fatal(err)
	}
	cfg.RemoteTargetsURL = srv.URL + "/targets"
	cfg.LocalMetadataDir = filepath.Join(c.dir, "metadata")
	cfg.LocalTargetsDir = filepath.Join(c.t.TempDir(), "targets")
	up, err := updater.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := up.Refresh(); err != nil {
		return nil, err
	}
	return up.GetTargetInfo(path)
}
