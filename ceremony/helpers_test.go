package ceremony_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends()

// testNow is the ceremony time of every test: fixed, whole seconds, UTC.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// holderTypes gives a few keyholders ECDSA keys so that every key type the
// tool writes goes through signing and counting.
var holderTypes = map[string]keys.KeyType{
	"bob":   keys.TypeECDSAP256,
	"carol": keys.TypeECDSAP384,
}

// fixture is a directory with throwaway keys (in memory; only the public
// keys are written, to DIR/keys/NAME.pub) and the plans written there.
type fixture struct {
	t       *testing.T
	dir     string
	signers map[string]keys.Signer
	online  keys.Signer
}

func newFixture(t *testing.T, names ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), signers: map[string]keys.Signer{}}
	if err := os.MkdirAll(filepath.Join(f.dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		typ, ok := holderTypes[name]
		if !ok {
			typ = keys.TypeEd25519
		}
		f.signers[name] = f.newKey(name, typ)
	}
	f.online = f.newKey("online", keys.TypeEd25519)
	return f
}

func (f *fixture) newKey(name string, typ keys.KeyType) keys.Signer {
	f.t.Helper()
	s, err := keys.GenerateSoftware("memory:"+name, typ)
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := keys.MarshalKeyJSON(s.TUFKey())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, "keys", name+".pub"), b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// id is the key ID of name's key, computed here without the code under
// test: SHA-256 of the canonical JSON of keytype, scheme and keyval.public.
func (f *fixture) id(name string) string {
	f.t.Helper()
	s := f.signers[name]
	if name == "online" {
		s = f.online
	}
	if s == nil {
		f.t.Fatalf("no key %q in the fixture", name)
	}
	return canonicalKeyID(s.TUFKey())
}

// canonicalKeyID writes the canonical JSON (OLPC: sorted keys, no
// whitespace, only '"' and '\' escaped in strings) of the key's core fields
// by hand and hashes it.
func canonicalKeyID(k *metadata.Key) string {
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		return strings.ReplaceAll(s, `"`, `\"`)
	}
	doc := `{"keytype":"` + esc(k.Type) + `","keyval":{"public":"` + esc(k.Value.PublicKey) + `"},"scheme":"` + esc(k.Scheme) + `"}`
	return sha256Hex([]byte(doc))
}

// planSpec is a plan, written out as YAML by fixture.plan.
type planSpec struct {
	profile          string // pep458 by default
	keyholders       []string
	root             []string
	rootThreshold    int
	rootDays         int // 365 by default
	targets          []string
	targetsThreshold int
	targetsDays      int // 365 by default
	claimed          []string
	claimedThreshold int
	bins             int // 16 by default
}

func (f *fixture) plan(file string, p planSpec) string {
	f.t.Helper()
	if p.profile == "" {
		p.profile = "pep458"
	}
	if p.rootDays == 0 {
		p.rootDays = 365
	}
	if p.targetsDays == 0 {
		p.targetsDays = 365
	}
	if p.bins == 0 {
		p.bins = 16
	}
	var b strings.Builder
	fmt.Fprintf(&b, "profile: %s\nrepository: test.example\nkeyholders:\n", p.profile)
	for _, h := range p.keyholders {
		fmt.Fprintf(&b, "  - {name: %s, contact: %s@test.example, public_key: keys/%s.pub}\n", h, h, h)
	}
	fmt.Fprintf(&b, "roles:\n  root: {keyholders: [%s], threshold: %d, expires_days: %d}\n", strings.Join(p.root, ", "), p.rootThreshold, p.rootDays)
	if p.profile == "rstuf" {
		fmt.Fprintf(&b, "  targets: {expires_days: %d}\n", p.targetsDays)
	} else {
		fmt.Fprintf(&b, "  targets: {keyholders: [%s], threshold: %d, expires_days: %d}\n", strings.Join(p.targets, ", "), p.targetsThreshold, p.targetsDays)
	}
	if p.profile == "pep480" {
		fmt.Fprintf(&b, "  claimed: {keyholders: [%s], threshold: %d, expires_days: 365}\n", strings.Join(p.claimed, ", "), p.claimedThreshold)
	}
	fmt.Fprintf(&b, "  bins: {count: %d}\n", p.bins)
	fmt.Fprintf(&b, "online:\n  - {name: online, public_key: keys/online.pub, uri: \"test:online-key\"}\n")
	path := filepath.Join(f.dir, file)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// standardPlan: five keyholders, root 3 of 5, targets 2 of 3.
func standardPlan() planSpec {
	all := []string{"alice", "bob", "carol", "dave", "erin"}
	return planSpec{keyholders: all, root: all, rootThreshold: 3, targets: []string{"alice", "bob", "carol"}, targetsThreshold: 2}
}

func (f *fixture) init(planPath, ws, trusted string) *workspace.Workspace {
	f.t.Helper()
	w, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: filepath.Join(f.dir, ws), TrustedRoot: trusted, Now: testNow})
	if err != nil {
		f.t.Fatalf("init %s: %v", ws, err)
	}
	return w
}

func (f *fixture) ws(name string) string { return filepath.Join(f.dir, name) }

func (f *fixture) sign(ws string, names ...string) {
	f.t.Helper()
	for _, name := range names {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, Signer: f.signers[name], Now: testNow}); err != nil {
			f.t.Fatalf("sign %s as %s: %v", ws, name, err)
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func metaPath(ws, role string) string {
	return filepath.Join(ws, workspace.MetadataDir, role+".json")
}

// snapshotFiles reads every file under dir, by relative path, but the
// transcript: a refusal appends its record there (transcript_test.go).
func snapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && fi.Name() == workspace.TranscriptDir {
			return filepath.SkipDir
		}
		if fi.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = readFile(t, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func requireUnchanged(t *testing.T, before, after map[string][]byte) {
	t.Helper()
	for name, b := range before {
		if a, ok := after[name]; !ok {
			t.Errorf("%s was removed", name)
		} else if !bytes.Equal(a, b) {
			t.Errorf("%s changed after a refusal:\n%s", name, a)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s was created by a refused step", name)
		}
	}
}

func parseFile(t *testing.T, path string) *metafile.File {
	t.Helper()
	f, err := metafile.Parse(readFile(t, path))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f
}

// setSigned rewrites one field of role's "signed" object in a workspace
// (the signatures are kept as they are) and returns the file's new bytes.
func setSigned(t *testing.T, wsDir, role, field string, value any) []byte {
	t.Helper()
	ws, err := workspace.Open(wsDir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := ws.Metadata(role)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(f.Signed))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	m[field] = value
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.WriteMetadata(role, &metafile.File{Signed: b, Signatures: f.Signatures}); err != nil {
		t.Fatal(err)
	}
	return readFile(t, metaPath(wsDir, role))
}

// verifies reports whether the file holds a signature under keyID that
// verifies, over the canonical "signed", under key k.
func verifies(t *testing.T, f *metafile.File, keyID string, k *metadata.Key) bool {
	t.Helper()
	i := f.SignatureBy(keyID)
	if i < 0 {
		return false
	}
	raw, err := hex.DecodeString(f.Signatures[i].Sig)
	if err != nil {
		return false
	}
	msg, err := metafile.Canonicalize(f.Signed)
	if err != nil {
		t.Fatal(err)
	}
	return keys.Verify(k, msg, raw) == nil
}

func partyNames(ps []ceremony.Party) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Holder)
	}
	return out
}

func partyIDs(ps []ceremony.Party) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.KeyID)
	}
	return out
}

func roleStatus(t *testing.T, st *ceremony.Status, role string) ceremony.RoleStatus {
	t.Helper()
	for _, r := range st.Roles {
		if r.Role == role {
			return r
		}
	}
	t.Fatalf("status has no role %q (roles: %+v)", role, st.Roles)
	return ceremony.RoleStatus{}
}

func getStatus(t *testing.T, ws string) *ceremony.Status {
	t.Helper()
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// shown is an error as the command line shows it: its message, then the
// commands it carries (package hint), on one line here.
func shown(err error) string {
	s := err.Error()
	for _, h := range hint.Commands(err) {
		s += "; run 'ceremony " + h + "'"
	}
	return s
}
