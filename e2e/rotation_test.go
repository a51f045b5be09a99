package e2e

// Key rotation, end to end: a pep458 repository (pep480 for the claimed
// role, rstuf for the online key) is bootstrapped, published and trusted
// by a go-tuf client (its own persistent metadata directory);
// then a key is lost, stolen or replaced, an attacker may publish with what
// they hold, and the rotation is run as a ceremony (rotate.Run or
// bootstrap.Init --from the repository, every keyholder signing, seal,
// bundle, bundle verification, replay), published as the online side
// would ((*publish.Next).Publish), and the same client refreshes: it must reach
// the new state, and metadata signed with a revoked key must be rejected.

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

const (
	rotTarget = "packages/good-1.0.tar.gz"
	rotEvil   = "packages/evil-1.0.tar.gz"
)

var rotKeyTypes = map[string]keys.KeyType{
	"alice": keys.TypeEd25519, "bob": keys.TypeECDSAP256, "carol": keys.TypeEd25519, "dave": keys.TypeEd25519,
	"erin": keys.TypeECDSAP256, "frank": keys.TypeEd25519, "bob2": keys.TypeEd25519, "carol2": keys.TypeECDSAP256,
	"online": keys.TypeEd25519, "online2": keys.TypeEd25519, "maint": keys.TypeEd25519,
	"maint2": keys.TypeEd25519,
}

// rotWorld is a published pep458 repository and everyone's keys.
type rotWorld struct {
	t       *testing.T
	dir     string
	signers map[string]keys.Signer
	ws      string // the bootstrap workspace
	repo    string
	root1   string // repo/metadata/1.root.json
	plan    *plan.Plan
	now     time.Time
	// target is the target tuf-js downloads after each rotation.
	target string
}

// rotPlan writes a pep458 plan (rstuf without targets holders): root and
// targets holders and thresholds; extra keyholders are named in no role (a
// holder who leaves, so that her signature for the previous root is shown
// by name).
func rotPlan(root []string, rootThreshold int, targets []string, targetsThreshold int, online string, extra ...string) string {
	var b strings.Builder
	profile := plan.ProfilePEP458
	if len(targets) == 0 {
		profile = plan.ProfileRSTUF
	}
	fmt.Fprintf(&b, "profile: %s\nrepository: rotation.example\nkeyholders:\n", profile)
	seen := map[string]bool{}
	for _, n := range append(append(append([]string{}, root...), targets...), extra...) {
		if !seen[n] {
			seen[n] = true
			fmt.Fprintf(&b, "  - {name: %s, contact: %s@example.org, public_key: keys/%s.pub}\n", n, n, n)
		}
	}
	fmt.Fprintf(&b, "roles:\n  root: {keyholders: [%s], threshold: %d}\n", strings.Join(root, ", "), rootThreshold)
	if profile == plan.ProfileRSTUF {
		b.WriteString("  targets: {expires_days: 365}\n  bins: {count: 16}\n")
	} else {
		fmt.Fprintf(&b, "  targets: {keyholders: [%s], threshold: %d}\n  bins: {count: 16}\n", strings.Join(targets, ", "), targetsThreshold)
	}
	fmt.Fprintf(&b, "online:\n  - {name: online, public_key: keys/%s.pub, uri: \"test:%s\"}\n", online, online)
	return b.String()
}

// newRotWorld bootstraps root v1 (3 of alice..erin) and targets (the given
// holders and threshold), signs it, and publishes it with the online key
// and one target.
func newRotWorld(t *testing.T, targets []string, targetsThreshold int) *rotWorld {
	t.Helper()
	return newRotWorldWith(t, rotPlan([]string{"alice", "bob", "carol", "dave", "erin"}, 3, targets, targetsThreshold, "online"),
		[]publish.Target{{Path: rotTarget, Data: []byte("the good package\n")}})
}

// newRotWorldWith bootstraps the plan planText (its keyholders among
// rotKeyTypes), every keyholder signing every role they may, and publishes
// it with the online key and the given targets; the first is the target
// tuf-js downloads after each rotation.
func newRotWorldWith(t *testing.T, planText string, targets []publish.Target) *rotWorld {
	t.Helper()
	w := &rotWorld{t: t, dir: t.TempDir(), signers: map[string]keys.Signer{}, now: time.Now(), target: targets[0].Path}
	if err := os.MkdirAll(filepath.Join(w.dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, typ := range rotKeyTypes {
		s, err := keys.GenerateSoftware("memory:"+name, typ)
		if err != nil {
			t.Fatal(err)
		}
		w.signers[name] = s
		b, err := keys.MarshalKeyJSON(s.TUFKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(w.pub(name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	planPath := w.writePlan("plan-bootstrap.yaml", planText)
	w.ws = filepath.Join(w.dir, "ws-bootstrap")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: w.ws, Now: w.now}); err != nil {
		t.Fatalf("bootstrap init: %v", err)
	}
	w.sign(w.ws, "alice", "bob", "carol", "dave", "erin")
	p, err := plan.Load(planPath, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	w.plan = p
	ws, err := workspace.Open(w.ws)
	if err != nil {
		t.Fatal(err)
	}
	root, err := ws.Metadata(metadata.ROOT)
	if err != nil {
		t.Fatal(err)
	}
	offline := map[string]*metafile.File{}
	for _, role := range ws.State.Roles {
		if role == metadata.ROOT {
			continue
		}
		if offline[role], err = ws.Metadata(role); err != nil {
			t.Fatal(err)
		}
	}
	w.repo = filepath.Join(w.dir, "repository")
	w.root1 = filepath.Join(w.repo, "metadata", "1.root.json")
	if err := publish.Write(&publish.Repository{Dir: w.repo, Roots: []*metafile.File{root}, Offline: offline,
		Plan: p, Online: w.signers["online"], Now: w.now, Targets: targets}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	return w
}

func (w *rotWorld) pub(name string) string { return filepath.Join(w.dir, "keys", name+".pub") }

func (w *rotWorld) writePlan(name, text string) string {
	p := filepath.Join(w.dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		w.t.Fatal(err)
	}
	return p
}

// sign has each named keyholder sign every role of ws they may sign.
func (w *rotWorld) sign(ws string, names ...string) {
	w.t.Helper()
	for _, n := range names {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: w.signers[n], Now: w.now}); err != nil {
			w.t.Fatalf("%s signs %s: %v", n, filepath.Base(ws), err)
		}
	}
}

// finish checks every threshold, seals, bundles, verifies the bundle
// against the root clients trust, and replays the workspace and bundle.
func (w *rotWorld) finish(ws string, trusted string) {
	w.t.Helper()
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		w.t.Fatal(err)
	}
	if !st.AllMet() {
		w.t.Fatalf("%s: thresholds not met: %+v", ws, st.Roles)
	}
	if rep, err := audit.VerifyWorkspace(eng, ws, "", w.now); err != nil || !rep.OK() {
		w.t.Fatalf("verify %s: %v %v", ws, err, rep.Errors())
	}
	if _, err := eng.Seal(ws, []keys.Signer{w.signers["alice"]}); err != nil {
		w.t.Fatalf("seal %s: %v", ws, err)
	}
	out := ws + ".tar"
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: w.now}); err != nil {
		w.t.Fatalf("bundle %s: %v", ws, err)
	}
	rep, err := audit.VerifyBundle(eng, out, trusted, w.now)
	if err != nil || !rep.OK() {
		w.t.Fatalf("verify bundle %s: %v %v", out, err, rep.Errors())
	}
	for _, f := range rep.Findings {
		if f.Check == "bundle" {
			w.t.Errorf("bundle %s: %s: %s", out, f.File, f.Message)
		}
	}
	for path, replay := range map[string]func(string) (*ceremony.ReplayReport, error){ws: eng.Replay, out: func(p string) (*ceremony.ReplayReport, error) { return audit.ReplayBundle(eng, p) }} {
		rp, err := replay(path)
		if err != nil || !rp.OK() || !rp.Sealed {
			w.t.Fatalf("replay %s: %v %+v", path, err, rp)
		}
	}
	// Bundling twice gives the same bytes (the incident report included).
	again := ws + "-again.tar"
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: again, Now: w.now}); err != nil {
		w.t.Fatal(err)
	}
	a, _ := os.ReadFile(out)
	b, _ := os.ReadFile(again)
	if !bytes.Equal(a, b) {
		w.t.Errorf("bundling %s twice gives different bytes", ws)
	}
}

// publishRotation publishes a finished rotation workspace as the online
// side does, with the online key in service, versions from the plan.
func (w *rotWorld) publishRotation(ws string, p *rotation.Plan, online string, next publish.Next) {
	w.t.Helper()
	wsp, err := workspace.Open(ws)
	if err != nil {
		w.t.Fatal(err)
	}
	next.Dir, next.Online, next.Now = w.repo, w.signers[online], w.now
	next.Offline = map[string]*metafile.File{}
	for _, role := range wsp.State.Roles {
		f, err := wsp.Metadata(role)
		if err != nil {
			w.t.Fatal(err)
		}
		if role == metadata.ROOT {
			next.Roots = append(next.Roots, f)
		} else {
			next.Offline[role] = f
		}
	}
	if p != nil {
		next.MinVersions = map[string]int64{}
		for _, o := range p.Online {
			next.MinVersions[o.Role] = o.MinVersion
		}
	}
	if err := next.Publish(); err != nil {
		w.t.Fatalf("publish %s: %v", ws, err)
	}
	// A second, independent client: tuf-js from root v1, fresh.
	root, err := next.Roots[0].Header()
	if err != nil {
		w.t.Fatal(err)
	}
	if v := tufjs.Refresh(w.t, w.repo, w.target); int64(v) != root.Version {
		w.t.Fatalf("tuf-js trusts root v%d, want v%d", v, root.Version)
	}
}

// rotate runs rotate.Run into a new workspace and checks the plan
// can be carried out.
func (w *rotWorld) rotate(name string, opts rotate.Options) (*rotation.Plan, string) {
	w.t.Helper()
	ws := filepath.Join(w.dir, name)
	opts.Dir, opts.Now = ws, w.now
	if opts.From == "" {
		opts.From = w.repo
	}
	if opts.Keyholders == nil {
		opts.Keyholders = []string{w.ws}
	}
	res, err := rotate.Run(eng, opts)
	if err != nil {
		if res != nil {
			w.t.Logf("plan:\n%s", res.Plan.Markdown(2))
		}
		w.t.Fatalf("rotate: %v", err)
	}
	if res.Workspace == nil {
		w.t.Fatal("rotate made no workspace")
	}
	return res.Plan, ws
}

// tufClient is go-tuf's updater with one persistent metadata directory:
// the same client, refresh after refresh.
type tufClient struct {
	t    *testing.T
	dir  string
	root []byte
}

func newTUFClient(t *testing.T, trustedRoot string) *tufClient {
	root, err := os.ReadFile(trustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	return &tufClient{t: t, dir: filepath.Join(t.TempDir(), "client"), root: root}
}

// fetch refreshes against repo and downloads target; the error is go-tuf's.
func (c *tufClient) fetch(repo, target string) ([]byte, error) {
	c.t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(repo)))
	defer srv.Close()
	root := c.root
	if b, err := os.ReadFile(filepath.Join(c.dir, "metadata", "root.json")); err == nil {
		root = b
	}
	cfg, err := config.New(srv.URL+"/metadata", root)
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
	info, err := up.GetTargetInfo(target)
	if err != nil {
		return nil, err
	}
	_, data, err := up.DownloadTarget(info, "", "")
	return data, err
}

// version is the version of the client's trusted copy of role.
func (c *tufClient) version(role string) int64 {
	c.t.Helper()
	data, err := os.ReadFile(filepath.Join(c.dir, "metadata", role+".json"))
	if err != nil {
		c.t.Fatal(err)
	}
	f, err := metafile.Parse(data)
	if err != nil {
		c.t.Fatal(err)
	}
	h, err := f.Header()
	if err != nil {
		c.t.Fatal(err)
	}
	return h.Version
}

// mustFetch refreshes and downloads the good target.
func (c *tufClient) mustFetch(repo string) {
	c.t.Helper()
	data, err := c.fetch(repo, rotTarget)
	if err != nil {
		c.t.Fatalf("go-tuf refused the repository: %v", err)
	}
	if string(data) != "the good package\n" {
		c.t.Fatalf("go-tuf downloaded %q", data)
	}
}

// signedBy builds metadata from v and signs it with the named keys.
func (w *rotWorld) signedBy(v any, names ...string) *metafile.File {
	w.t.Helper()
	f, err := metafile.FromSigned(v)
	if err != nil {
		w.t.Fatal(err)
	}
	msg, err := f.Canonical()
	if err != nil {
		w.t.Fatal(err)
	}
	for _, n := range names {
		sig, err := keys.SignMessage(w.signers[n], msg)
		if err != nil {
			w.t.Fatal(err)
		}
		id, _ := keys.ID(w.signers[n].TUFKey())
		f.AddSignature(id, hex.EncodeToString(sig))
	}
	return f
}

func (w *rotWorld) writeMetadata(name string, f *metafile.File) {
	w.t.Helper()
	b, err := f.Marshal()
	if err != nil {
		w.t.Fatal(err)
	}
	if err := atomicfile.WriteNew(filepath.Join(w.repo, "metadata", name), b, 0o644); err != nil {
		w.t.Fatal(err)
	}
}

func (w *rotWorld) workspaceFile(ws, role string) *metafile.File {
	w.t.Helper()
	wsp, err := workspace.Open(ws)
	if err != nil {
		w.t.Fatal(err)
	}
	f, err := wsp.Metadata(role)
	if err != nil {
		w.t.Fatal(err)
	}
	return f
}

// rootV3SignedBy is root v2's content as v3, signed by names: what a holder
// of a revoked key could make.
func (w *rotWorld) rootV3SignedBy(ws string, names ...string) {
	w.t.Helper()
	r, err := w.workspaceFile(ws, metadata.ROOT).Root()
	if err != nil {
		w.t.Fatal(err)
	}
	r.Version = 3
	w.writeMetadata("3.root.json", w.signedBy(r, names...))
}

// targetsSignedBy publishes targets at version v (the given targets'
// content) signed by names, listed by a new snapshot and timestamp that
// the online key signs.
func (w *rotWorld) targetsSignedBy(t *metadata.TargetsType, v int64, online string, names ...string) {
	w.t.Helper()
	c := *t
	c.Version = v
	f := w.signedBy(&c, names...)
	if err := (&publish.Next{Dir: w.repo, Offline: map[string]*metafile.File{metadata.TARGETS: f},
		Online: w.signers[online], Now: w.now}).Publish(); err != nil {
		w.t.Fatal(err)
	}
}

func wantRefused(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		t.Fatalf("go-tuf accepted %s", what)
	}
	if !errors.Is(err, &metadata.ErrUnsignedMetadata{}) && !errors.Is(err, &metadata.ErrBadVersionNumber{}) {
		t.Fatalf("go-tuf refused %s, but not for its signatures: %v", what, err)
	}
}

func hasText(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

// TestRotationRootKeyLost: carol's device is destroyed. The recovery
// revokes her key without a replacement; root keeps 3 of the 4 others and
// targets 2 of alice and bob. A client that trusted v1 refreshes to the new
// state, and targets signed with carol's key (meeting the old threshold
// with alice) is rejected.
func TestRotationRootKeyLost(t *testing.T) {
	w := newRotWorld(t, []string{"alice", "bob", "carol"}, 2)
	client := newTUFClient(t, w.root1)
	client.mustFetch(w.repo)

	p, ws := w.rotate("ws-lost", rotate.Options{Lost: []string{"carol"}})
	if !p.Emergency || len(p.Affected) != 1 || p.Affected[0].Cause != rotation.Lost || p.Affected[0].Holder != "carol" {
		t.Fatalf("affected: %+v", p.Affected)
	}
	if len(p.Reach) != 0 {
		t.Errorf("a lost key reaches nothing an attacker holds, got %+v", p.Reach)
	}
	if roles := resignedRoles(p); roles != "root targets" {
		t.Errorf("re-signed %q, want root and targets", roles)
	}
	w.sign(ws, "alice", "bob", "dave")
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online", publish.Next{})

	client.mustFetch(w.repo)
	if v := client.version(metadata.ROOT); v != 2 {
		t.Fatalf("client trusts root v%d, want v2", v)
	}
	if v := client.version(metadata.TARGETS); v != 2 {
		t.Fatalf("client trusts targets v%d, want the re-signed v2", v)
	}
	// carol's key turns up: targets v3 signed by carol and alice would
	// have met root v1's threshold, not root v2's.
	old, err := w.workspaceFile(w.ws, metadata.TARGETS).Targets()
	if err != nil {
		t.Fatal(err)
	}
	w.targetsSignedBy(old, 3, "online", "carol", "alice")
	_, err = client.fetch(w.repo, rotTarget)
	wantRefused(t, err, "targets signed with the revoked key")
	_, err = newTUFClient(t, w.root1).fetch(w.repo, rotTarget)
	wantRefused(t, err, "targets signed with the revoked key (new client)")
}

// TestRotationRootKeyStolen: dave's root key is stolen; frank's key takes
// its place. The client refreshes to root v2, and a root v3 signed by dave
// with alice and bob (enough under v1, not under v2) is rejected.
func TestRotationRootKeyStolen(t *testing.T) {
	w := newRotWorld(t, []string{"alice", "bob", "carol"}, 2)
	client := newTUFClient(t, w.root1)
	client.mustFetch(w.repo)

	p, ws := w.rotate("ws-stolen", rotate.Options{Compromised: []string{"dave"},
		Replace: []rotate.Replacement{{Old: "dave", New: w.pub("frank")}}})
	if r := reachOf(p, metadata.ROOT); r == nil || r.Direct || len(r.Listed) != 1 {
		t.Errorf("reach of root: %+v", r)
	}
	if roles := resignedRoles(p); roles != "root" {
		t.Errorf("re-signed %q, want root only (dave holds no targets key)", roles)
	}
	// dave's stolen key may not be counted: alice, bob, carol sign the
	// previous root, alice, bob, frank the new one.
	if !hasText(p.Signing[0].From, "carol") || hasText(p.Signing[0].From, "dave") {
		t.Errorf("previous root signers: %v", p.Signing[0].From)
	}
	w.sign(ws, "alice", "bob", "carol", "frank")
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online", publish.Next{})
	client.mustFetch(w.repo)
	if v := client.version(metadata.ROOT); v != 2 {
		t.Fatalf("client trusts root v%d, want v2", v)
	}

	w.rootV3SignedBy(ws, "dave", "alice", "bob")
	_, err := client.fetch(w.repo, rotTarget)
	wantRefused(t, err, "root v3 signed with the revoked key")
	if v := client.version(metadata.ROOT); v != 2 {
		t.Fatalf("client trusts root v%d after the attacker's root v3, want v2", v)
	}
}

// TestRotationTargetsKeyStolen: carol holds the only targets key, and it
// is stolen; the attacker publishes targets v2 with a target of their own,
// which the client takes. The recovery needs the last good targets
// (refused without --last-good), revokes carol's key for carol2's, and
// re-signs targets from the last good content at v3, above the attacker's
// v2. The client drops the attacker's target, and targets signed with
// carol's old key is rejected.
func TestRotationTargetsKeyStolen(t *testing.T) {
	w := newRotWorld(t, []string{"carol"}, 1)
	client := newTUFClient(t, w.root1)
	client.mustFetch(w.repo)

	// The attack: targets v2 with the attacker's target, which the online
	// side lists in snapshot as it lists any targets uploaded.
	good, err := w.workspaceFile(w.ws, metadata.TARGETS).Targets()
	if err != nil {
		t.Fatal(err)
	}
	evil, err := metadata.TargetFile().FromBytes(rotEvil, []byte("the attacker's package\n"), "sha256")
	if err != nil {
		t.Fatal(err)
	}
	forged := *good
	forged.Targets = map[string]*metadata.TargetFiles{rotEvil: evil}
	writeTarget(t, w.repo, rotEvil, []byte("the attacker's package\n"))
	w.targetsSignedBy(&forged, 2, "online", "carol")
	if data, err := client.fetch(w.repo, rotEvil); err != nil || !bytes.Contains(data, []byte("attacker")) {
		t.Fatalf("the attack did not reach the client (the test proves nothing): %v", err)
	}

	// Without the last good content, the plan refuses.
	res, err := rotate.Run(eng, rotate.Options{From: w.repo, Keyholders: []string{w.ws}, Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: w.pub("carol2")}}, Dir: filepath.Join(w.dir, "ws-refused"), Now: w.now})
	if !errors.Is(err, rotate.ErrRotationProblems) || !hasText(res.Plan.Problems, "--last-good") {
		t.Fatalf("rotation without the last good targets: %v %v", err, res)
	}
	if _, err := os.Stat(filepath.Join(w.dir, "ws-refused")); !os.IsNotExist(err) {
		t.Fatalf("a refused rotation wrote its workspace: %v", err)
	}

	p, ws := w.rotate("ws-targets", rotate.Options{Compromised: []string{"carol"}, LastGood: w.ws,
		Replace: []rotate.Replacement{{Old: "carol", New: w.pub("carol2")}}})
	if r := reachOf(p, metadata.TARGETS); r == nil || !r.Direct {
		t.Errorf("reach of targets: %+v", r)
	}
	if r := reachOf(p, "bins-*"); r == nil || r.Via != metadata.TARGETS {
		t.Errorf("the bins are reached through targets: %+v", r)
	}
	if !hasText(p.Evidence, "2.targets.json") {
		t.Errorf("evidence does not name the attacker's targets: %v", p.Evidence)
	}
	if rs := resignOf(p, metadata.TARGETS); rs == nil || rs.Version != 3 || !strings.Contains(rs.ContentFrom, "last good") {
		t.Fatalf("targets re-signed as %+v, want v3 from the last good content", rs)
	}
	w.sign(ws, "alice", "bob", "dave", "carol2")
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online", publish.Next{})

	client.mustFetch(w.repo)
	if v := client.version(metadata.TARGETS); v != 3 {
		t.Fatalf("client trusts targets v%d, want v3", v)
	}
	if _, err := client.fetch(w.repo, rotEvil); err == nil {
		t.Fatal("the client still finds the attacker's target after the recovery")
	}
	w.targetsSignedBy(&forged, 4, "online", "carol")
	_, err = client.fetch(w.repo, rotTarget)
	wantRefused(t, err, "targets signed with the revoked key")
}

// TestRotationOnlineKeyStolenFastForward: the online key is stolen; the
// attacker publishes timestamp and snapshot at versions nobody can exceed
// (a fast-forward attack) and a target of their own in a bin, and the
// client takes them. Publishing again with the same key cannot recover the
// client; the recovery replaces the online key in root v2 (and, for
// pep458, in targets v2, which delegates the bins), the online side
// re-signs every bin from the last good snapshot with the new key at low
// versions (for rstuf targets too, its bins delegation moved to the new
// key), and the client recovers: its trusted timestamp and snapshot no
// longer verify and are dropped (TUF 5.3.11). Timestamp signed with the old
// key is then rejected.
func TestRotationOnlineKeyStolenFastForward(t *testing.T) {
	for _, profile := range []plan.Profile{plan.ProfilePEP458, plan.ProfileRSTUF} {
		t.Run(string(profile), func(t *testing.T) { testOnlineKeyStolen(t, profile) })
	}
}

func testOnlineKeyStolen(t *testing.T, profile plan.Profile) {
	targets := []string{"alice", "bob", "carol"}
	if profile == plan.ProfileRSTUF {
		targets = nil
	}
	w := newRotWorld(t, targets, 2)
	client := newTUFClient(t, w.root1)
	client.mustFetch(w.repo)

	if err := (&publish.Next{Dir: w.repo, Online: w.signers["online"], Now: w.now,
		MinVersions: map[string]int64{metadata.TIMESTAMP: math.MaxInt64, metadata.SNAPSHOT: 1 << 60, "bins-*": 1 << 60},
		AddTargets:  []publish.Target{{Path: rotEvil, Data: []byte("the attacker's package\n")}}}).Publish(); err != nil {
		t.Fatal(err)
	}
	if data, err := client.fetch(w.repo, rotEvil); err != nil || !bytes.Contains(data, []byte("attacker")) {
		t.Fatalf("the attack did not reach the client (the test proves nothing): %v", err)
	}
	if v := client.version(metadata.TIMESTAMP); v != math.MaxInt64 {
		t.Fatalf("client's timestamp is v%d, want the attacker's v%d", v, int64(math.MaxInt64))
	}

	// Same key, honest versions: the client stays stuck.
	stuckRepo, stuckClient := copyDir(t, w.repo), client.copy()
	if err := (&publish.Next{Dir: stuckRepo, Online: w.signers["online"], Now: w.now, ContentFrom: 1, Resign: []string{"*"},
		MinVersions: map[string]int64{metadata.TIMESTAMP: 2, metadata.SNAPSHOT: 2, "bins-*": 2}}).Publish(); err != nil {
		t.Fatal(err)
	}
	if _, err := stuckClient.fetch(stuckRepo, rotTarget); !errors.Is(err, &metadata.ErrBadVersionNumber{}) {
		t.Fatalf("without a new online key the client should stay stuck on the attacker's versions, got %v", err)
	}

	p, ws := w.rotate("ws-online", rotate.Options{Online: true, LastGood: w.ws, OnlineKeyURI: "test:online2",
		Replace: []rotate.Replacement{{Old: "online", New: w.pub("online2")}}})
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT, "bins-*"} {
		if r := reachOf(p, role); r == nil || !r.Direct {
			t.Errorf("reach of %s: %+v", role, r)
		}
	}
	wantRoles, wantOnline := "root targets", map[string]int64{"bins-*": 2, metadata.SNAPSHOT: 2, metadata.TIMESTAMP: 1}
	next := publish.Next{Resign: []string{"*"}, ContentFrom: 1}
	if profile == plan.ProfileRSTUF {
		// targets is signed online: the online side signs it again, its
		// bins delegation moved to the new key.
		wantRoles, wantOnline[metadata.TARGETS] = "root", 2
		id, _ := keys.ID(w.signers["online"].TUFKey())
		next.ReplaceOnline = []string{id}
		k := p.Keys
		found := false
		for _, key := range k {
			found = found || key.URI == "test:online2"
		}
		if !found {
			t.Errorf("the new online key's URI is not in the plan: %+v", k)
		}
	}
	if roles := resignedRoles(p); roles != wantRoles {
		t.Errorf("re-signed %q, want %q", roles, wantRoles)
	}
	if !hasText(p.FastForward, "5.3.11") || !hasText(p.Evidence, "timestamp was published at version") {
		t.Errorf("fast-forward handling: %v; evidence: %v", p.FastForward, p.Evidence)
	}
	// Above the last versions below 2^53 seen: snapshot and the bins were
	// at v1; timestamp.json holds only the attacker's version, and any
	// version goes once its key changes.
	for _, o := range p.Online {
		if o.MinVersion != wantOnline[o.Role] {
			t.Errorf("online: %s at v%d, want v%d", o.Role, o.MinVersion, wantOnline[o.Role])
		}
		delete(wantOnline, o.Role)
	}
	if len(wantOnline) > 0 {
		t.Errorf("no online work for %v: %+v", wantOnline, p.Online)
	}
	if !hasText(p.OnlineSteps, "BEFORE root v2 is uploaded") || !hasText(p.OnlineSteps, "last good snapshot") {
		t.Errorf("online steps: %v", p.OnlineSteps)
	}
	w.sign(ws, "alice", "bob", "carol")
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online2", next)

	client.mustFetch(w.repo)
	if v := client.version(metadata.TIMESTAMP); v != 1 {
		t.Errorf("client's timestamp is v%d, want the new v1 (recovered from the attacker's)", v)
	}
	if v := client.version(metadata.SNAPSHOT); v != 2 {
		t.Errorf("client's snapshot is v%d, want the new v2", v)
	}
	if _, err := client.fetch(w.repo, rotEvil); err == nil {
		t.Fatal("the client still finds the attacker's target after the recovery")
	}
	if err := (&publish.Next{Dir: w.repo, Online: w.signers["online"], Now: w.now,
		MinVersions: map[string]int64{metadata.TIMESTAMP: 10, metadata.SNAPSHOT: 10}}).Publish(); err != nil {
		t.Fatal(err)
	}
	_, err := client.fetch(w.repo, rotTarget)
	wantRefused(t, err, "timestamp signed with the revoked online key")
}

// TestRotationHolderSwapsOwnKey: bob replaces his own key (planned, no
// compromise). His old key signs for the previous root, his new key for
// the new root and targets; both thresholds need him.
func TestRotationHolderSwapsOwnKey(t *testing.T) {
	w := newRotWorld(t, []string{"alice", "bob", "carol"}, 2)
	client := newTUFClient(t, w.root1)
	client.mustFetch(w.repo)

	p, ws := w.rotate("ws-swap", rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: w.pub("bob2")}}})
	if p.Emergency || len(p.Affected) != 1 || p.Affected[0].Cause != rotation.Retired {
		t.Fatalf("a swap is a planned rotation: %+v", p.Affected)
	}
	if !hasText(p.Signing[0].From, "(previous key)") || !strings.Contains(p.Signing[0].Note, "bob signs the previous root with the old key") {
		t.Errorf("signing: %+v", p.Signing[0])
	}
	w.sign(ws, "alice", "carol", "bob", "bob2")
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	prev, next := st.Roles[0].Thresholds[0], st.Roles[0].Thresholds[1]
	if !partyNamed(prev.Signed, "bob (previous key)") || !partyNamed(next.Signed, "bob") || partyNamed(next.Signed, "bob (previous key)") {
		t.Errorf("status: previous root signed by %v, new root by %v", prev.Signed, next.Signed)
	}
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online", publish.Next{})
	client.mustFetch(w.repo)
	if v := client.version(metadata.ROOT); v != 2 {
		t.Fatalf("client trusts root v%d, want v2", v)
	}
	w.rootV3SignedBy(ws, "bob", "alice", "carol")
	_, err = client.fetch(w.repo, rotTarget)
	wantRefused(t, err, "root v3 signed with bob's retired key")
}

// TestRotationThresholdCompromisedRefused: alice, bob and carol's keys are
// stolen, which meets root's threshold of 3: the tool refuses, says so
// plainly and gives the out-of-band procedure; nothing is written. Losing
// three keys is refused the same way (too few remain to sign).
func TestRotationThresholdCompromisedRefused(t *testing.T) {
	w := newRotWorld(t, []string{"alice", "bob", "carol"}, 2)
	for _, tc := range []struct {
		name string
		opts rotate.Options
		want string
	}{
		{"stolen", rotate.Options{Compromised: []string{"alice", "bob", "carol"}}, "alone meet root v1's threshold"},
		{"lost", rotate.Options{Lost: []string{"alice", "bob", "carol"}}, "remain usable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(w.dir, "ws-"+tc.name)
			tc.opts.From, tc.opts.Keyholders, tc.opts.Dir, tc.opts.Now = w.repo, []string{w.ws}, dir, w.now
			res, err := rotate.Run(eng, tc.opts)
			if !errors.Is(err, rotate.ErrNoInBandRecovery) {
				t.Fatalf("err = %v, want ErrNoInBandRecovery", err)
			}
			p := res.Plan
			if p.InBand || p.OutOfBand == nil || !strings.Contains(p.OutOfBand.Statement, "In-band recovery is not possible") ||
				!strings.Contains(p.OutOfBand.Statement, tc.want) {
				t.Fatalf("statement: %+v", p.OutOfBand)
			}
			if !hasText(p.OutOfBand.Steps, "out of band") || !hasText(p.OutOfBand.Steps, "new bootstrap ceremony") {
				t.Errorf("out-of-band steps: %v", p.OutOfBand.Steps)
			}
			if md := p.Markdown(2); !strings.Contains(md, "IN-BAND RECOVERY IS NOT POSSIBLE") {
				t.Errorf("the plan does not say it plainly:\n%s", md)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Fatalf("a refused rotation wrote %s: %v", dir, err)
			}
		})
	}
}

// TestPlannedRotations runs each planned kind as a ceremony, publishes it,
// and has a client that trusted root v1 refresh to it.
func TestPlannedRotations(t *testing.T) {
	rootAll := []string{"alice", "bob", "carol", "dave", "erin"}
	for _, tc := range []struct {
		name string
		// plan (init --from the repository) or rotate options.
		plan    string
		rotate  *rotate.Options
		signers []string
		online  string
		next    publish.Next
		roles   string
	}{
		{name: "keyholder leaves", plan: rotPlan([]string{"alice", "bob", "dave", "erin", "frank"}, 3, []string{"alice", "bob", "dave"}, 2, "online", "carol"),
			signers: []string{"carol", "alice", "bob", "dave", "frank"}, online: "online", roles: "root targets"},
		{name: "device replaced", rotate: &rotate.Options{Replace: []rotate.Replacement{{Old: "carol", New: "CAROL2"}}},
			signers: []string{"alice", "bob", "dave", "carol2"}, online: "online", roles: "root targets"},
		{name: "threshold change", plan: rotPlan(rootAll, 4, []string{"alice", "bob", "carol"}, 3, "online"),
			signers: []string{"alice", "bob", "carol", "dave"}, online: "online", roles: "root targets"},
		{name: "yearly re-sign", rotate: &rotate.Options{},
			signers: []string{"alice", "bob", "carol"}, online: "online", roles: "root targets"},
		{name: "online key rotated", rotate: &rotate.Options{Replace: []rotate.Replacement{{Old: "online", New: "ONLINE2"}}},
			signers: []string{"alice", "bob", "carol"}, online: "online2", next: publish.Next{Resign: []string{"*"}}, roles: "root targets"},
		{name: "root only", plan: rotPlan([]string{"alice", "bob", "carol", "dave", "frank"}, 3, []string{"alice", "bob", "carol"}, 2, "online"),
			signers: []string{"alice", "bob", "carol", "frank"}, online: "online", roles: "root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newRotWorld(t, []string{"alice", "bob", "carol"}, 2)
			client := newTUFClient(t, w.root1)
			client.mustFetch(w.repo)
			var ws string
			var p *rotation.Plan
			if tc.rotate != nil {
				opts := *tc.rotate
				for i, r := range opts.Replace {
					opts.Replace[i].New = w.pub(strings.ToLower(r.New))
				}
				p, ws = w.rotate("ws-next", opts)
				if p.Emergency {
					t.Errorf("a planned rotation is planned as an emergency")
				}
				if got := resignedRoles(p); got != tc.roles {
					t.Errorf("re-signed %q, want %q", got, tc.roles)
				}
			} else {
				ws = filepath.Join(w.dir, "ws-next")
				planPath := w.writePlan("plan-next.yaml", tc.plan)
				created, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, TrustedRoot: w.repo, Dir: ws, Now: w.now})
				if err != nil {
					t.Fatalf("init --from the repository: %v", err)
				}
				if got := strings.Join(created.State.Roles, " "); got != tc.roles {
					t.Errorf("workspace signs %q, want %q", got, tc.roles)
				}
			}
			w.sign(ws, tc.signers...)
			w.finish(ws, w.root1)
			w.publishRotation(ws, p, tc.online, tc.next)
			client.mustFetch(w.repo)
			if v := client.version(metadata.ROOT); v != 2 {
				t.Fatalf("client trusts root v%d, want v2", v)
			}
			if strings.Contains(tc.roles, "targets") {
				if v := client.version(metadata.TARGETS); v != 2 {
					t.Fatalf("client trusts targets v%d, want the re-signed v2", v)
				}
			}
			rep, err := verify.Repository(w.repo, verify.Options{TrustedRoot: w.root1})
			if err != nil || !rep.OK() {
				t.Fatalf("ceremony verify refused the repository: %v %v", err, rep.Errors())
			}
		})
	}
}

func resignedRoles(p *rotation.Plan) string {
	var out []string
	for _, r := range p.Resign {
		out = append(out, r.Role)
	}
	return strings.Join(out, " ")
}

func resignOf(p *rotation.Plan, role string) *rotation.Resign {
	for i := range p.Resign {
		if p.Resign[i].Role == role {
			return &p.Resign[i]
		}
	}
	return nil
}

func reachOf(p *rotation.Plan, role string) *rotation.Reach {
	for i := range p.Reach {
		if p.Reach[i].Role == role {
			return &p.Reach[i]
		}
	}
	return nil
}

func partyNamed(ps []ceremony.Party, name string) bool {
	for _, p := range ps {
		if p.Holder == name {
			return true
		}
	}
	return false
}

// writeTarget puts a target file where a consistent-snapshot repository
// serves it.
func writeTarget(t *testing.T, repo, path string, data []byte) {
	t.Helper()
	s := sha256.Sum256(data)
	name := filepath.Join(repo, "targets", filepath.Dir(path), hex.EncodeToString(s[:])+"."+filepath.Base(path))
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copy is a second client with this one's trusted metadata.
func (c *tufClient) copy() *tufClient {
	out := &tufClient{t: c.t, root: c.root, dir: copyDir(c.t, c.dir)}
	return out
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// PEP 480's claimed, recently-claimed and unclaimed delegations each give
// path_hash_prefixes "0" to "f" (every path, by the hex SHA-256 of the
// target path, as the specification has it). go-tuf v2.4.2 matches those
// prefixes against the base64url form of the SHA-256 instead (go-tuf#783,
// not released yet), so it walks into these roles only for paths whose
// base64url SHA-256 begins with a character that is also a hex digit
// (0-9, a-f): about a quarter of all paths. The targets below were chosen
// so (TestRotationPEP480ClaimedKeyStolen checks it), so that go-tuf walks
// targets -> claimed -> sampleproject and targets -> claimed ->
// recently-claimed -> unclaimed -> bins like tuf-js, and meets the claimed
// metadata signed with the revoked key.
const (
	pep480Project         = "sampleproject"
	pep480ProjectTarget   = "packages/sampleproject/sampleproject-3.0.tar.gz"
	pep480UnclaimedTarget = "packages/towncrier-1.0.tar.gz"
	pep480EvilTarget      = "packages/sampleproject/sampleproject-6.6.tar.gz"
)

var (
	pep480ProjectData   = []byte("sampleproject 3.0, signed by its maintainer\n")
	pep480UnclaimedData = []byte("towncrier 1.0, in the hash bins\n")
	pep480EvilData      = []byte("the attacker's sampleproject\n")
)

// goTUFSeesPEP480 reports whether go-tuf v2.4.2 walks into PEP 480's
// delegations for path: the first base64url character of its SHA-256 is
// one of the hex prefixes "0" to "f".
func goTUFSeesPEP480(path string) bool {
	s := sha256.Sum256([]byte(path))
	c := base64.URLEncoding.EncodeToString(s[:])[0]
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}

// fetchWant refreshes the go-tuf client and downloads path, which must
// hold want.
func (c *tufClient) fetchWant(repo, path string, want []byte) {
	c.t.Helper()
	data, err := c.fetch(repo, path)
	if err != nil {
		c.t.Fatalf("go-tuf refused %s: %v", path, err)
	}
	if !bytes.Equal(data, want) {
		c.t.Fatalf("go-tuf downloaded %q for %s, want %q", data, path, want)
	}
}

// claimedSignedBy publishes claimed at version v, with t's content, signed
// by names, listed by a new snapshot and timestamp that the online key
// signs (the online side lists the claimed metadata it is given), with
// the extra offline roles and target files given.
func (w *rotWorld) claimedSignedBy(t *metadata.TargetsType, v int64, extra map[string]*metafile.File, names ...string) {
	w.t.Helper()
	c := *t
	c.Version = v
	offline := map[string]*metafile.File{plan.RoleClaimed: w.signedBy(&c, names...)}
	for role, f := range extra {
		offline[role] = f
	}
	if err := (&publish.Next{Dir: w.repo, Offline: offline, Online: w.signers["online"], Now: w.now}).Publish(); err != nil {
		w.t.Fatal(err)
	}
}

// TestRotationPEP480ClaimedKeyStolen: a pep480 repository whose claimed
// role (offline, the administrators' keys carol and dave, 1 of 2,
// delegated from targets) holds one project, sampleproject, delegated to
// its maintainer's key. carol's key is stolen: the attacker signs claimed
// alone and adds a target of their own, which clients take. The recovery
// (--last-good: a copy of the repository from before) replaces carol's key
// by carol2's in root, in targets' delegation to claimed and as targets'
// own key, and re-signs targets and claimed (from the last good content,
// above the attacker's version) under the new keys. A go-tuf client that
// trusted the repository before the incident, and tuf-js from root v1,
// refresh: they get the project's target through claimed and a target of
// the hash bins through unclaimed, no longer the attacker's, and reject a
// claimed signed with the revoked key.
func TestRotationPEP480ClaimedKeyStolen(t *testing.T) {
	for _, p := range []string{pep480ProjectTarget, pep480UnclaimedTarget, pep480EvilTarget} {
		if !goTUFSeesPEP480(p) {
			t.Fatalf("%s: go-tuf v2.4.2 would not walk PEP 480's delegations for it; choose a path whose base64url SHA-256 begins with 0-9 or a-f", p)
		}
	}
	w := newRotWorldWith(t, `profile: pep480
repository: rotation.example
keyholders:
  - {name: alice, contact: alice@example.org, public_key: keys/alice.pub}
  - {name: bob,   contact: bob@example.org,   public_key: keys/bob.pub}
  - {name: carol, contact: carol@example.org, public_key: keys/carol.pub}
  - {name: dave,  contact: dave@example.org,  public_key: keys/dave.pub}
  - {name: erin,  contact: erin@example.org,  public_key: keys/erin.pub}
roles:
  root:    {keyholders: [alice, bob, carol, dave, erin], threshold: 3}
  targets: {keyholders: [alice, bob, carol], threshold: 2}
  claimed: {keyholders: [carol, dave], threshold: 1}
  bins:    {count: 16}
online:
  - {name: online, public_key: keys/online.pub, uri: "test:online"}
`, []publish.Target{{Path: pep480UnclaimedTarget, Data: pep480UnclaimedData}})

	// The administrators move sampleproject into claimed (claimed v2, by
	// carol): a delegation to its maintainer's key for its paths, and the
	// project's own metadata with its release.
	claimed1, err := w.workspaceFile(w.ws, plan.RoleClaimed).Targets()
	if err != nil {
		t.Fatal(err)
	}
	maintID, err := keys.ID(w.signers["maint"].TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	claimed2 := *claimed1
	claimed2.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{maintID: keys.Copy(w.signers["maint"].TUFKey())},
		Roles: []metadata.DelegatedRole{{Name: pep480Project, KeyIDs: []string{maintID}, Threshold: 1, Terminating: true,
			Paths: []string{"packages/sampleproject/*"}}}}
	release, err := metadata.TargetFile().FromBytes(pep480ProjectTarget, pep480ProjectData, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	project := metadata.Targets(w.now.AddDate(1, 0, 0))
	project.Signed.Targets[pep480ProjectTarget] = release
	writeTarget(t, w.repo, pep480ProjectTarget, pep480ProjectData)
	w.claimedSignedBy(&claimed2, 2, map[string]*metafile.File{pep480Project: w.signedBy(&project.Signed, "maint")}, "carol")
	lastGood := copyDir(t, w.repo)

	// A maintainer's key stolen: a claimed project's keys change at a
	// claims ceremony, not in a rotation workspace. With or without a
	// replacement, the plan's problems say so: the project, its role, the
	// maintainers' new claim request, the claims ceremony with --rekey;
	// nothing is written (e2e/claims_rekey_test.go runs that recovery).
	maintDir := filepath.Join(w.dir, "ws-maint")
	for _, replace := range [][]rotate.Replacement{{{Old: maintID, New: w.pub("maint2")}}, nil} {
		res, err := rotate.Run(eng, rotate.Options{From: w.repo, Keyholders: []string{w.ws}, LastGood: lastGood, Compromised: []string{maintID},
			Replace: replace, Dir: maintDir, Now: w.now})
		if !errors.Is(err, rotate.ErrRotationProblems) || res == nil {
			t.Fatalf("a maintainer's key stolen (replacements %v): %v", replace, err)
		}
		problems := strings.Join(res.Plan.Problems, "\n")
		for _, want := range []string{
			`sampleproject: the key(s) leaving (key ` + maintID[:12] + `) are only its maintainers' keys, for its role "sampleproject", which claimed v2 delegates to 1 key(s) with threshold 1`,
			"a rotation workspace does not change a claimed project's keys, a claims ceremony does; nothing was written",
			"'ceremony claim sampleproject --key NEW-KEY-URI",
			"'ceremony claims init --from " + w.repo + " --claims DIR --rekey sampleproject=\"maintainer key " + maintID[:12] + " stolen\" --date YYYY-MM-DD WORKSPACE'",
			"'ceremony project init sampleproject --from CLAIMS-BUNDLE",
			"until that bundle is published, clients cannot get the project's files",
		} {
			if !strings.Contains(problems, want) {
				t.Errorf("the plan's problems do not say %q:\n%s", want, problems)
			}
		}
		if strings.Contains(problems, "--replace") || strings.Contains(problems, "by hand") {
			t.Errorf("the plan's problems send the administrators to a rotation they cannot run:\n%s", problems)
		}
		if md := res.Plan.Markdown(2); !strings.Contains(md, "--rekey sampleproject=") || strings.Contains(md, "Signed at the ceremony") {
			t.Errorf("the printed plan does not give the claims ceremony instead of a rotation:\n%s", md)
		}
		if _, err := os.Stat(maintDir); !os.IsNotExist(err) {
			t.Fatalf("a refused rotation wrote %s: %v", maintDir, err)
		}
	}

	client := newTUFClient(t, w.root1)
	client.fetchWant(w.repo, pep480ProjectTarget, pep480ProjectData)
	client.fetchWant(w.repo, pep480UnclaimedTarget, pep480UnclaimedData)
	if v := tufjs.Refresh(t, w.repo, pep480ProjectTarget); v != 1 {
		t.Fatalf("tuf-js trusts root v%d before the incident, want v1", v)
	}

	// The attack: carol's key alone signs claimed v3 with a release of the
	// attacker's; both clients take it.
	forged := claimed2
	evil, err := metadata.TargetFile().FromBytes(pep480EvilTarget, pep480EvilData, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	forged.Targets = map[string]*metadata.TargetFiles{pep480EvilTarget: evil}
	writeTarget(t, w.repo, pep480EvilTarget, pep480EvilData)
	w.claimedSignedBy(&forged, 3, nil, "carol")
	client.fetchWant(w.repo, pep480EvilTarget, pep480EvilData)
	if _, err := tufjs.TryRefresh(t, w.repo, pep480EvilTarget); err != nil {
		t.Fatalf("the attack did not reach tuf-js (the test proves nothing): %v", err)
	}

	// The recovery.
	p, ws := w.rotate("ws-claimed", rotate.Options{Compromised: []string{"carol"}, LastGood: lastGood,
		Replace: []rotate.Replacement{{Old: "carol", New: w.pub("carol2")}}})
	if r := reachOf(p, plan.RoleClaimed); r == nil || !r.Direct {
		t.Errorf("reach of claimed: %+v", r)
	}
	if r := reachOf(p, pep480Project); r == nil || r.Via != plan.RoleClaimed {
		t.Errorf("sampleproject is reached through claimed: %+v", r)
	}
	if !hasText(p.Evidence, "3.claimed.json") {
		t.Errorf("evidence does not name the attacker's claimed: %v", p.Evidence)
	}
	if roles := resignedRoles(p); roles != "root targets claimed" {
		t.Fatalf("re-signed %q, want root, targets and claimed", roles)
	}
	if rs := resignOf(p, plan.RoleClaimed); rs.Version != 4 || !strings.Contains(rs.ContentFrom, "last good") {
		t.Fatalf("claimed re-signed as %+v, want v4 from the last good content", rs)
	}
	// Who signs claimed now: carol2 and dave, as targets v2 delegates it.
	newTargets, err := w.workspaceFile(ws, metadata.TARGETS).Targets()
	if err != nil {
		t.Fatal(err)
	}
	carolID, _ := keys.ID(w.signers["carol"].TUFKey())
	carol2ID, _ := keys.ID(w.signers["carol2"].TUFKey())
	for _, dr := range newTargets.Delegations.Roles {
		if dr.Name == plan.RoleClaimed && (!slices.Contains(dr.KeyIDs, carol2ID) || slices.Contains(dr.KeyIDs, carolID)) {
			t.Fatalf("targets v2 delegates claimed to %v: want carol2's key, not carol's", dr.KeyIDs)
		}
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: w.signers["carol"], Now: w.now}); !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("the stolen key signing the recovery: %v", err)
	}
	w.sign(ws, "alice", "bob", "dave", "carol2")
	w.finish(ws, w.root1)
	w.publishRotation(ws, p, "online", publish.Next{})
	rep, err := verify.Repository(w.repo, verify.Options{TrustedRoot: w.root1})
	if err != nil || !rep.OK() {
		t.Fatalf("ceremony verify refused the recovered repository: %v %v", err, rep.Errors())
	}

	// The client that trusted the repository before: root v2, claimed v4,
	// the project's release and the bins' target, not the attacker's.
	client.fetchWant(w.repo, pep480ProjectTarget, pep480ProjectData)
	client.fetchWant(w.repo, pep480UnclaimedTarget, pep480UnclaimedData)
	if v := client.version(metadata.ROOT); v != 2 {
		t.Fatalf("go-tuf trusts root v%d, want v2", v)
	}
	if v := client.version(plan.RoleClaimed); v != 4 {
		t.Fatalf("go-tuf trusts claimed v%d, want the re-signed v4", v)
	}
	if _, err := client.fetch(w.repo, pep480EvilTarget); err == nil {
		t.Fatal("go-tuf still finds the attacker's target after the recovery")
	}
	for _, target := range []string{pep480ProjectTarget, pep480UnclaimedTarget} {
		if v := tufjs.Refresh(t, w.repo, target); v != 2 {
			t.Fatalf("tuf-js trusts root v%d, want v2", v)
		}
	}
	if _, err := tufjs.TryRefresh(t, w.repo, pep480EvilTarget); err == nil {
		t.Fatal("tuf-js still finds the attacker's target after the recovery")
	}

	// carol's key turns up again: claimed v5 signed with it is rejected.
	w.claimedSignedBy(&forged, 5, nil, "carol")
	_, err = client.fetch(w.repo, pep480ProjectTarget)
	wantRefused(t, err, "claimed signed with the revoked key")
	_, err = newTUFClient(t, w.root1).fetch(w.repo, pep480ProjectTarget)
	wantRefused(t, err, "claimed signed with the revoked key (new client)")
	if _, err := tufjs.TryRefresh(t, w.repo, pep480ProjectTarget); err == nil || !strings.Contains(err.Error(), plan.RoleClaimed) {
		t.Fatalf("tuf-js on claimed signed with the revoked key: %v", err)
	}
}
