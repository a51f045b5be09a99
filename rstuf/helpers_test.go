package rstuf_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends()

// testdataDir holds RSTUF's own payload examples (see testdata/SOURCES.md).
const testdataDir = "../testdata/rstuf"

// testNow is the ceremony time of every test.
var testNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func readTestdata(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataDir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("RSTUF test data missing (see testdata/SOURCES.md): %v", err)
	}
	return b
}

func parseTestdataFile(t *testing.T, rel string) *metafile.File {
	t.Helper()
	f, err := metafile.Parse(readTestdata(t, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return f
}

// holderTypes: every key type the tool writes goes through the payloads.
var holderTypes = map[string]keys.KeyType{
	"alice": keys.TypeEd25519,
	"bob":   keys.TypeECDSAP256,
	"carol": keys.TypeECDSAP384,
	"dave":  keys.TypeEd25519,
	"erin":  keys.TypeECDSAP256,
}

// fixture is a directory with throwaway keys (in memory; only the public
// keys are written, to DIR/keys/NAME.pub).
type fixture struct {
	t       *testing.T
	dir     string
	signers map[string]keys.Signer
	online  keys.Signer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), signers: map[string]keys.Signer{}}
	if err := os.MkdirAll(filepath.Join(f.dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, typ := range holderTypes {
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

func (f *fixture) signer(name string) keys.Signer {
	f.t.Helper()
	if name == "online" {
		return f.online
	}
	s, ok := f.signers[name]
	if !ok {
		f.t.Fatalf("no key %q in the fixture", name)
	}
	return s
}

// id is the key ID of name's key, computed here without the code under
// test: SHA-256 of the canonical JSON of keytype, keyval.public and scheme.
func (f *fixture) id(name string) string {
	f.t.Helper()
	return canonicalKeyID(f.signer(name).TUFKey())
}

func canonicalKeyID(k *metadata.Key) string {
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		return strings.ReplaceAll(s, `"`, `\"`)
	}
	doc := `{"keytype":"` + esc(k.Type) + `","keyval":{"public":"` + esc(k.Value.PublicKey) + `"},"scheme":"` + esc(k.Scheme) + `"}`
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// planSpec is a plan, written out as YAML by fixture.plan.
type planSpec struct {
	profile       string // rstuf by default
	root          []string
	threshold     int
	allowOne      bool
	rootDays      int
	targetsDays   int
	snapshotDays  int
	timestampDays int
	binsDays      int
	bins          int
	uri           string
}

// distinctPlan has a different number in every field the payload takes
// from the plan, so that a field taken from the wrong place shows.
func distinctPlan(root ...string) planSpec {
	return planSpec{root: root, threshold: 2, rootDays: 400, targetsDays: 180, snapshotDays: 3, timestampDays: 2, binsDays: 5, bins: 32, uri: "fn:online-key"}
}

func (f *fixture) plan(file string, p planSpec) string {
	f.t.Helper()
	if p.profile == "" {
		p.profile = "rstuf"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "profile: %s\nrepository: rstuf.example\nconsistent_snapshot: true\nkeyholders:\n", p.profile)
	names := make([]string, 0, len(f.signers))
	for name := range f.signers {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(&b, "  - name: %s\n    contact: %s@rstuf.example\n    public_key: keys/%s.pub\n", name, name, name)
	}
	fmt.Fprintf(&b, "roles:\n  root:\n    keyholders: [%s]\n    threshold: %d\n    expires_days: %d\n", strings.Join(p.root, ", "), p.threshold, p.rootDays)
	if p.profile == "rstuf" {
		fmt.Fprintf(&b, "  targets:\n    expires_days: %d\n", p.targetsDays)
	} else {
		fmt.Fprintf(&b, "  targets:\n    keyholders: [alice, bob]\n    threshold: 2\n    expires_days: %d\n", p.targetsDays)
	}
	fmt.Fprintf(&b, "  snapshot:\n    expires_days: %d\n  timestamp:\n    expires_days: %d\n", p.snapshotDays, p.timestampDays)
	fmt.Fprintf(&b, "  bins:\n    expires_days: %d\n    count: %d\n", p.binsDays, p.bins)
	fmt.Fprintf(&b, "online:\n  - name: online\n    public_key: keys/online.pub\n    uri: %q\n", p.uri)
	if p.allowOne {
		fmt.Fprintf(&b, "rehearsal:\n  allow_root_threshold_one: true\n")
	}
	path := filepath.Join(f.dir, file)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return path
}

func loadPlan(t *testing.T, path string) *plan.Plan {
	t.Helper()
	p, err := plan.Load(path, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// workspace runs 'ceremony init' for planPath (and trusted, the previous
// root file, if set) and 'ceremony sign' with each named key, and returns
// the workspace's root.
func (f *fixture) workspace(name, planPath, trusted string, signers ...string) (string, *metafile.File) {
	f.t.Helper()
	dir := filepath.Join(f.dir, name)
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: dir, TrustedRoot: trusted, Now: testNow}); err != nil {
		f.t.Fatal(err)
	}
	for _, s := range signers {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: dir, Signer: f.signer(s), Now: testNow}); err != nil {
			f.t.Fatalf("%s signs %s: %v", s, name, err)
		}
	}
	return dir, f.root(dir)
}

func (f *fixture) root(dir string) *metafile.File {
	f.t.Helper()
	ws, err := workspace.Open(dir)
	if err != nil {
		f.t.Fatal(err)
	}
	root, err := ws.Metadata(metadata.ROOT)
	if err != nil {
		f.t.Fatal(err)
	}
	return root
}

func rootPath(dir string) string { return filepath.Join(dir, workspace.MetadataDir, "root.json") }

// decode reads JSON into maps, lists, json.Number, strings and bools.
func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	return v
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// at walks a decoded document: at(t, doc, "metadata", "root", "signed").
func at(t *testing.T, v any, path ...any) any {
	t.Helper()
	for i, p := range path {
		switch p := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("%v: not an object", path[:i])
			}
			if v, ok = m[p]; !ok {
				t.Fatalf("%v: no member %q", path[:i], p)
			}
		case int:
			a, ok := v.([]any)
			if !ok || p >= len(a) {
				t.Fatalf("%v: not a list with entry %d", path[:i], p)
			}
			v = a[p]
		}
	}
	return v
}

func obj(t *testing.T, v any, path ...any) map[string]any {
	t.Helper()
	m, ok := at(t, v, path...).(map[string]any)
	if !ok {
		t.Fatalf("%v: not an object", path)
	}
	return m
}

func memberNames(m map[string]any) []string {
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func wantMembers(t *testing.T, m map[string]any, what string, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := memberNames(m); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s has members %v, want exactly %v", what, got, want)
	}
}

func wantNumber(t *testing.T, v any, want int, what string) {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok || n.String() != fmt.Sprint(want) {
		t.Errorf("%s is %#v, want the integer %d", what, v, want)
	}
}

// ordered is a JSON value with the member names of objects in the order
// they are written.
type ordered struct {
	names   []string
	members map[string]*ordered
}

func readOrdered(t *testing.T, b []byte) *ordered {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	o, err := readValue(dec)
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return o
}

func readValue(dec *json.Decoder) (*ordered, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return &ordered{}, nil
	}
	o := &ordered{members: map[string]*ordered{}}
	for dec.More() {
		if d == '{' {
			k, err := dec.Token()
			if err != nil {
				return nil, err
			}
			name, _ := k.(string)
			v, err := readValue(dec)
			if err != nil {
				return nil, err
			}
			o.names = append(o.names, name)
			o.members[name] = v
			continue
		}
		if _, err := readValue(dec); err != nil {
			return nil, err
		}
	}
	_, err = dec.Token()
	return o, err
}

// wantProblems checks that err is an *rstuf.Error whose problems are at
// exactly the given fields.
func wantProblems(t *testing.T, err error, fields ...string) *rstuf.Error {
	t.Helper()
	if len(fields) == 0 {
		if err != nil {
			t.Fatalf("refused, want accepted: %v", err)
		}
		return nil
	}
	var e *rstuf.Error
	if !errors.As(err, &e) {
		t.Fatalf("error is %v, want an *rstuf.Error with problems at %v", err, fields)
	}
	got := map[string]bool{}
	for _, p := range e.Problems {
		got[p.Field] = true
	}
	want := map[string]bool{}
	for _, f := range fields {
		want[f] = true
	}
	for f := range want {
		if !got[f] {
			t.Errorf("no problem at %s; got:\n%v", f, err)
		}
	}
	for f := range got {
		if !want[f] {
			t.Errorf("unexpected problem at %s; got:\n%v", f, err)
		}
	}
	return e
}

// resign replaces the signatures of the root at doc.metadata.root (a
// decoded payload) with fresh ones by the named keys, over the canonical
// bytes of its signed as it now is.
func (f *fixture) resign(doc any, names ...string) {
	f.t.Helper()
	root := obj(f.t, doc, "metadata", "root")
	msg, err := metafile.Canonicalize(encode(f.t, root["signed"]))
	if err != nil {
		f.t.Fatal(err)
	}
	var sigs []any
	for _, name := range names {
		sig, err := keys.SignMessage(f.signer(name), msg)
		if err != nil {
			f.t.Fatal(err)
		}
		sigs = append(sigs, map[string]any{"keyid": f.id(name), "sig": hex.EncodeToString(sig)})
	}
	root["signatures"] = sigs
}

// keyObject is name's public key as root lists it for RSTUF.
func (f *fixture) keyObject(name string) map[string]any {
	f.t.Helper()
	k := f.signer(name).TUFKey()
	return map[string]any{
		"keytype": k.Type, "scheme": k.Scheme,
		"keyval":           map[string]any{"public": k.Value.PublicKey},
		rstuf.KeyNameField: name,
	}
}
