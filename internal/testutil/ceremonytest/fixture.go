package ceremonytest

import (
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
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Engine runs the ceremony steps in these tests, on workspaces of every kind.
var Engine = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends()

// Now is the ceremony time of every test: fixed, whole seconds, UTC.
var Now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// holderTypes gives a few keyholders ECDSA keys so that every key type the
// tool writes goes through signing and counting.
var holderTypes = map[string]keys.KeyType{
	"bob":   keys.TypeECDSAP256,
	"carol": keys.TypeECDSAP384,
}

// Fixture is a directory with throwaway keys (in memory; only the public
// keys are written, to DIR/keys/NAME.pub) and the plans written there.
type Fixture struct {
	t       *testing.T
	Dir     string
	Signers map[string]keys.Signer
	Online  keys.Signer
}

// NewFixture makes a fixture with a key for each of names (see holderTypes)
// and the online key.
func NewFixture(t *testing.T, names ...string) *Fixture {
	t.Helper()
	f := &Fixture{t: t, Dir: t.TempDir(), Signers: map[string]keys.Signer{}}
	if err := os.MkdirAll(filepath.Join(f.Dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		typ, ok := holderTypes[name]
		if !ok {
			typ = keys.TypeEd25519
		}
		f.Signers[name] = f.NewKey(name, typ)
	}
	f.Online = f.NewKey("online", keys.TypeEd25519)
	return f
}

// NewKey makes a key of type typ for name, in memory, and writes its public
// key to DIR/keys/NAME.pub.
func (f *Fixture) NewKey(name string, typ keys.KeyType) keys.Signer {
	f.t.Helper()
	s, err := keys.GenerateSoftware("memory:"+name, typ)
	if err != nil {
		f.t.Fatal(err)
	}
	b, err := keys.MarshalKeyJSON(s.TUFKey())
	if err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.Dir, "keys", name+".pub"), b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return s
}

// ID is the key ID of name's key, computed here without the code under
// test: SHA-256 of the canonical JSON of keytype, scheme and keyval.public.
func (f *Fixture) ID(name string) string {
	f.t.Helper()
	s := f.Signers[name]
	if name == "online" {
		s = f.Online
	}
	if s == nil {
		f.t.Fatalf("no key %q in the fixture", name)
	}
	return CanonicalKeyID(s.TUFKey())
}

// IDs are the key IDs of names' keys.
func (f *Fixture) IDs(names ...string) []string {
	out := []string{}
	for _, n := range names {
		out = append(out, f.ID(n))
	}
	return out
}

// CanonicalKeyID writes the canonical JSON (OLPC: sorted keys, no
// whitespace, only '"' and '\' escaped in strings) of the key's core fields
// by hand and hashes it.
func CanonicalKeyID(k *metadata.Key) string {
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\\`)
		return strings.ReplaceAll(s, `"`, `\"`)
	}
	doc := `{"keytype":"` + esc(k.Type) + `","keyval":{"public":"` + esc(k.Value.PublicKey) + `"},"scheme":"` + esc(k.Scheme) + `"}`
	return SHA256Hex([]byte(doc))
}

// KeyFileURI writes a key file whose public part is name's key (its
// private part is never read: review opens only the public key).
func (f *Fixture) KeyFileURI(name string) string {
	f.t.Helper()
	s := f.Signers[name]
	if s == nil {
		s = f.NewKey(name, keys.TypeEd25519)
	}
	pub, err := json.Marshal(s.TUFKey())
	if err != nil {
		f.t.Fatal(err)
	}
	path := filepath.Join(f.Dir, name+".key")
	doc := `{"type": "ceremony-encrypted-key", "public": ` + string(pub) + `, "encrypted": {"never": "read"}}`
	if err := WriteFile(path, []byte(doc)); err != nil {
		f.t.Fatal(err)
	}
	return "file:" + path
}

// PlanSpec is a plan, written out as YAML by Fixture.Plan.
type PlanSpec struct {
	Profile          string // pep458 by default
	Keyholders       []string
	Root             []string
	RootThreshold    int
	RootDays         int // 365 by default
	Targets          []string
	TargetsThreshold int
	TargetsDays      int // 365 by default
	Claimed          []string
	ClaimedThreshold int
	Bins             int // 16 by default
}

// Plan writes p as the plan DIR/FILE and returns its path.
func (f *Fixture) Plan(file string, p PlanSpec) string {
	f.t.Helper()
	if p.Profile == "" {
		p.Profile = "pep458"
	}
	if p.RootDays == 0 {
		p.RootDays = 365
	}
	if p.TargetsDays == 0 {
		p.TargetsDays = 365
	}
	if p.Bins == 0 {
		p.Bins = 16
	}
	var b strings.Builder
	fmt.Fprintf(&b, "profile: %s\nrepository: test.example\nkeyholders:\n", p.Profile)
	for _, h := range p.Keyholders {
		fmt.Fprintf(&b, "  - {name: %s, contact: %s@test.example, public_key: keys/%s.pub}\n", h, h, h)
	}
	fmt.Fprintf(&b, "roles:\n  root: {keyholders: [%s], threshold: %d, expires_days: %d}\n", strings.Join(p.Root, ", "), p.RootThreshold, p.RootDays)
	if p.Profile == "rstuf" {
		fmt.Fprintf(&b, "  targets: {expires_days: %d}\n", p.TargetsDays)
	} else {
		fmt.Fprintf(&b, "  targets: {keyholders: [%s], threshold: %d, expires_days: %d}\n", strings.Join(p.Targets, ", "), p.TargetsThreshold, p.TargetsDays)
	}
	if p.Profile == "pep480" {
		fmt.Fprintf(&b, "  claimed: {keyholders: [%s], threshold: %d, expires_days: 365}\n", strings.Join(p.Claimed, ", "), p.ClaimedThreshold)
	}
	fmt.Fprintf(&b, "  bins: {count: %d}\n", p.Bins)
	fmt.Fprintf(&b, "online:\n  - {name: online, public_key: keys/online.pub, uri: \"test:online-key\"}\n")
	path := filepath.Join(f.Dir, file)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// StandardPlan: five keyholders, root 3 of 5, targets 2 of 3.
func StandardPlan() PlanSpec {
	all := []string{"alice", "bob", "carol", "dave", "erin"}
	return PlanSpec{Keyholders: all, Root: all, RootThreshold: 3, Targets: []string{"alice", "bob", "carol"}, TargetsThreshold: 2}
}

// Init makes workspace ws in the fixture's directory from the plan at Now:
// a bootstrap, or the next root if trusted names a trusted root.
func (f *Fixture) Init(planPath, ws, trusted string) *workspace.Workspace {
	f.t.Helper()
	w, err := bootstrap.Init(Engine, bootstrap.Options{Plan: planPath, Dir: filepath.Join(f.Dir, ws), TrustedRoot: trusted, Now: Now})
	if err != nil {
		f.t.Fatalf("init %s: %v", ws, err)
	}
	return w
}

// WS is the path of workspace name in the fixture's directory.
func (f *Fixture) WS(name string) string { return filepath.Join(f.Dir, name) }

// Sign signs workspace ws with the keys of names, one after the other, at Now.
func (f *Fixture) Sign(ws string, names ...string) {
	f.t.Helper()
	for _, name := range names {
		if _, err := Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers[name], Now: Now}); err != nil {
			f.t.Fatalf("sign %s as %s: %v", ws, name, err)
		}
	}
}
