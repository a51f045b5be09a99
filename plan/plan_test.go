package plan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// fixture is a plan directory holding public keys (and one encrypted file
// key) made for the test.
type fixture struct {
	dir  string
	pubs map[string]*metadata.Key
}

// Key types of the fixture's keys: a mix, so each type is resolved.
var fixtureKeys = map[string]keys.KeyType{
	"alice":   keys.TypeECDSAP256,
	"bob":     keys.TypeEd25519,
	"carol":   keys.TypeECDSAP384,
	"dave":    keys.TypeEd25519,
	"erin":    keys.TypeEd25519,
	"online":  keys.TypeEd25519,
	"online2": keys.TypeECDSAP256,
}

type testPrompter struct{}

func (testPrompter) Secret(keys.SecretRequest) ([]byte, error) {
	return []byte("correct horse battery"), nil
}
func (testPrompter) Notify(string) {}

// shared is a fixture for the tests that only read it; making one costs an
// RSA key and an scrypt run.
var shared *fixture

// testKeys read the public keys of the plans' key files; their YubiKeys
// are never connected.
var testKeys = keys.NewBackends(absentYubiKeys{})

// absentYubiKeys is a yubikey backend whose devices are never there.
type absentYubiKeys struct{}

var errAbsent = errors.New("YubiKey not present")

func (absentYubiKeys) Scheme() string                                     { return "yubikey" }
func (absentYubiKeys) PublicKey(*keys.URI) (*metadata.Key, error)         { return nil, errAbsent }
func (absentYubiKeys) Open(*keys.URI, keys.Prompter) (keys.Signer, error) { return nil, errAbsent }
func (absentYubiKeys) Generate(*keys.URI, keys.KeyType, keys.Prompter) (*metadata.Key, error) {
	return nil, errAbsent
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plan-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared = newFixture(fatalTB{}, dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fatalTB lets newFixture run outside a test.
type fatalTB struct{ testing.TB }

func (fatalTB) Helper()                   {}
func (fatalTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (fatalTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }

func newFixture(t testing.TB, dir string) *fixture {
	t.Helper()
	f := &fixture{dir: dir, pubs: map[string]*metadata.Key{}}
	if err := os.MkdirAll(filepath.Join(dir, "keys"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, typ := range fixtureKeys {
		s, err := keys.GenerateSoftware("test:"+name, typ)
		if err != nil {
			t.Fatal(err)
		}
		f.pubs[name] = s.TUFKey()
		f.write(t, "keys/"+name+".pub", mustMarshal(t, s.TUFKey()))
	}

	// The same P-256 key as alice, written as older tools did: legacy
	// keytype, hex point.
	pub, err := keys.PublicKeyOf(f.pubs["alice"])
	if err != nil {
		t.Fatal(err)
	}
	point, err := pub.(*ecdsa.PublicKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "keys/alice-legacy.pub", mustMarshal(t, &metadata.Key{Type: keys.KeyTypeECDSALegacy, Scheme: keys.SchemeECDSAP256,
		Value: metadata.KeyVal{PublicKey: hex.EncodeToString(point)}}))

	// An RSA key: read from others' metadata, refused in ours.
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&rk.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "keys/rsa.pub", mustMarshal(t, &metadata.Key{Type: keys.KeyTypeRSA, Scheme: keys.SchemeRSAPSS,
		Value: metadata.KeyVal{PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}))

	// A P-521 key: a curve we do not write.
	ek, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err = x509.MarshalPKIXPublicKey(&ek.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	f.write(t, "keys/p521.pub", mustMarshal(t, &metadata.Key{Type: keys.KeyTypeECDSA, Scheme: "ecdsa-sha2-nistp521",
		Value: metadata.KeyVal{PublicKey: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}))

	f.write(t, "keys/junk.pub", []byte("this is not a key\n"))

	// An encrypted file key, as 'ceremony keygen' makes for rehearsals.
	fk, err := keys.Generate("file:"+filepath.Join(dir, "keys/filekey.key"), keys.TypeEd25519, testPrompter{})
	if err != nil {
		t.Fatal(err)
	}
	f.pubs["filekey"] = fk
	return f
}

func (f *fixture) write(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustMarshal(t testing.TB, k *metadata.Key) []byte {
	t.Helper()
	b, err := keys.MarshalKeyJSON(k)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const rstufPlan = `profile: rstuf
repository: rstuf.example
keyholders:
  - name: alice
    contact: alice@example.org
    public_key: keys/alice.pub
  - name: bob
    public_key: keys/bob.pub
roles:
  root: {keyholders: [alice, bob], threshold: 2}
online:
  - name: online
    public_key: keys/online.pub
    uri: fn:online.key
`

const pep458Plan = `profile: pep458
repository: pypi.org
keyholders:
  - name: alice
    contact: alice@example.org
    public_key: keys/alice.pub
  - name: bob
    public_key: keys/bob.pub
  - name: carol
    public_key: keys/carol.pub
roles:
  root: {keyholders: [alice, bob, carol], threshold: 2}
  targets: {keyholders: [alice, bob], threshold: 1}
online:
  - name: online
    public_key: keys/online.pub
`

const pep480Plan = `profile: pep480
repository: pypi.org
consistent_snapshot: true
keyholders:
  - name: alice
    public_key: keys/alice.pub
  - name: bob
    public_key: keys/bob.pub
  - name: carol
    public_key: keys/carol.pub
roles:
  root:
    keyholders: [alice, bob, carol]
    threshold: 2
    expires_days: 365
  targets: {keyholders: [alice, bob], threshold: 2}
  claimed: {keyholders: [bob, carol], threshold: 1, expires_days: 90}
  snapshot: {expires_days: 2}
  timestamp: {expires_days: 1}
  bins: {expires_days: 7, count: 256}
  recently_claimed: {expires_days: 3}
online:
  - name: online
    public_key: keys/online.pub
    roles: [timestamp, snapshot]
  - name: online2
    public_key: keys/online2.pub
    roles: [bins, recently-claimed, unclaimed]
`

func parse(t *testing.T, f *fixture, text string) (*Plan, error) {
	t.Helper()
	return Parse([]byte(text), "plan.yaml", f.dir, testKeys)
}

func mustParse(t *testing.T, f *fixture, text string) *Plan {
	t.Helper()
	p, err := parse(t, f, text)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	checkValid(t, p)
	return p
}

func checkKey(t *testing.T, what string, got *metadata.Key, id string, want *metadata.Key) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: no TUF key resolved", what)
	}
	if !keys.SameKey(got, want) {
		t.Errorf("%s: resolved the wrong key", what)
	}
	wantID, err := keys.ID(got)
	if err != nil {
		t.Fatal(err)
	}
	if id != wantID {
		t.Errorf("%s: key ID %s, want %s", what, id, wantID)
	}
}

func TestParseRSTUF(t *testing.T) {
	f := shared
	p := mustParse(t, f, rstufPlan)
	if p.Profile != ProfileRSTUF || p.Repository != "rstuf.example" || p.Path != "plan.yaml" || p.Dir != f.dir {
		t.Errorf("plan header = %q %q %q %q", p.Profile, p.Repository, p.Path, p.Dir)
	}
	if p.ConsistentSnapshot == nil || !*p.ConsistentSnapshot || !p.Consistent() {
		t.Error("consistent_snapshot does not default to true")
	}
	if p.Keyholders[0].Contact != "alice@example.org" {
		t.Errorf("contact = %q", p.Keyholders[0].Contact)
	}
	checkKey(t, "alice", p.Keyholders[0].TUFKey, p.Keyholders[0].KeyID, f.pubs["alice"])
	checkKey(t, "bob", p.Keyholders[1].TUFKey, p.Keyholders[1].KeyID, f.pubs["bob"])
	checkKey(t, "online", p.Online[0].TUFKey, p.Online[0].KeyID, f.pubs["online"])
	if p.Online[0].URI != "fn:online.key" {
		t.Errorf("online uri = %q", p.Online[0].URI)
	}
	r := p.Roles
	if r.Root.Threshold != 2 || len(r.Root.Keyholders) != 2 {
		t.Errorf("root = %+v", r.Root)
	}
	days := map[string]int{"root": r.Root.ExpiresDays, "targets": r.Targets.ExpiresDays, "snapshot": r.Snapshot.ExpiresDays,
		"timestamp": r.Timestamp.ExpiresDays, "bins": r.Bins.ExpiresDays}
	want := map[string]int{"root": 365, "targets": 365, "snapshot": 1, "timestamp": 1, "bins": 1}
	for role, d := range want {
		if days[role] != d {
			t.Errorf("%s expires_days = %d, want default %d", role, days[role], d)
		}
	}
	if r.Bins.Count != 16384 {
		t.Errorf("bins count = %d, want default 16384", r.Bins.Count)
	}
	if r.Claimed != nil || r.RecentlyClaimed != nil || r.Unclaimed != nil {
		t.Error("rstuf plan has pep480 roles")
	}
	for _, role := range p.OnlineRoles() {
		if len(p.OnlineKeysFor(role)) != 1 {
			t.Errorf("online keys for %s = %d", role, len(p.OnlineKeysFor(role)))
		}
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %q", p.Warnings)
	}
}

func TestParsePEP458(t *testing.T) {
	f := shared
	p := mustParse(t, f, pep458Plan)
	if p.Profile != ProfilePEP458 {
		t.Fatalf("profile = %q", p.Profile)
	}
	for i, name := range []string{"alice", "bob", "carol"} {
		checkKey(t, name, p.Keyholders[i].TUFKey, p.Keyholders[i].KeyID, f.pubs[name])
	}
	if got := p.Roles.Targets; got.Threshold != 1 || len(got.Keyholders) != 2 || got.ExpiresDays != 365 {
		t.Errorf("targets = %+v", got)
	}
	if p.Roles.Bins.Count != 16384 || p.Roles.Bins.ExpiresDays != 1 {
		t.Errorf("bins = %+v", p.Roles.Bins)
	}
	if p.Roles.Claimed != nil || p.Roles.RecentlyClaimed != nil || p.Roles.Unclaimed != nil {
		t.Error("pep458 plan has pep480 roles")
	}
	if len(p.Warnings) != 0 {
		t.Errorf("warnings: %q", p.Warnings)
	}
}

func TestParsePEP480(t *testing.T) {
	f := shared
	p := mustParse(t, f, pep480Plan)
	r := p.Roles
	if r.Claimed == nil || r.Claimed.Threshold != 1 || r.Claimed.ExpiresDays != 90 {
		t.Fatalf("claimed = %+v", r.Claimed)
	}
	if r.RecentlyClaimed == nil || r.RecentlyClaimed.ExpiresDays != 3 {
		t.Errorf("recently_claimed = %+v", r.RecentlyClaimed)
	}
	if r.Unclaimed == nil || r.Unclaimed.ExpiresDays != 1 {
		t.Errorf("unclaimed (not in the plan) = %+v, want the default", r.Unclaimed)
	}
	if r.Snapshot.ExpiresDays != 2 || r.Bins.ExpiresDays != 7 || r.Bins.Count != 256 {
		t.Errorf("online roles = %+v %+v", r.Snapshot, r.Bins)
	}
	if got := p.OnlineKeysFor(RoleUnclaimed); len(got) != 1 || got[0].Name != "online2" {
		t.Errorf("unclaimed signed by %v", got)
	}
	checkKey(t, "online2", p.Online[1].TUFKey, p.Online[1].KeyID, f.pubs["online2"])
}

// A pep480 plan without the optional online roles gets them with defaults.
func TestParsePEP480Defaults(t *testing.T) {
	f := shared
	p := mustParse(t, f, strings.Replace(pep480Plan, "  recently_claimed: {expires_days: 3}\n", "", 1))
	if p.Roles.RecentlyClaimed == nil || p.Roles.RecentlyClaimed.ExpiresDays != 1 {
		t.Errorf("recently_claimed = %+v, want expires_days 1", p.Roles.RecentlyClaimed)
	}
	p = mustParse(t, f, strings.Replace(pep480Plan, "{keyholders: [bob, carol], threshold: 1, expires_days: 90}", "{keyholders: [bob, carol], threshold: 1}", 1))
	if p.Roles.Claimed.ExpiresDays != 365 {
		t.Errorf("claimed expires_days = %d, want 365", p.Roles.Claimed.ExpiresDays)
	}
}

func TestParseConsistentSnapshotOff(t *testing.T) {
	f := shared
	p := mustParse(t, f, strings.Replace(pep480Plan, "consistent_snapshot: true", "consistent_snapshot: false", 1))
	if p.Consistent() {
		t.Error("consistent_snapshot: false ignored")
	}
}

func TestParseRehearsalRootThresholdOne(t *testing.T) {
	f := shared
	text := strings.Replace(pep458Plan, "root: {keyholders: [alice, bob, carol], threshold: 2}", "root: {keyholders: [alice, bob, carol], threshold: 1}", 1) +
		"rehearsal:\n  allow_root_threshold_one: true\n"
	p := mustParse(t, f, text)
	if !p.Rehearsal.AllowRootThresholdOne || p.Roles.Root.Threshold != 1 {
		t.Fatalf("rehearsal = %+v, root = %+v", p.Rehearsal, p.Roles.Root)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "REHEARSAL ONLY: root threshold is 1") ||
		!strings.HasPrefix(p.Warnings[0], "plan.yaml:12: roles.root.threshold: ") {
		t.Errorf("warnings = %q", p.Warnings)
	}
}

func TestParseShortRootWarning(t *testing.T) {
	f := shared
	p := mustParse(t, f, strings.Replace(pep458Plan, "threshold: 2}", "threshold: 2, expires_days: 20}", 1))
	want := "plan.yaml:12: roles.root.expires_days: root expires 20 days after signing"
	if len(p.Warnings) != 1 || !strings.HasPrefix(p.Warnings[0], want) {
		t.Errorf("warnings = %q, want %q...", p.Warnings, want)
	}
	if p.Roles.Root.ExpiresDays != 20 {
		t.Errorf("root expires_days = %d", p.Roles.Root.ExpiresDays)
	}
}

// A key URI that reads its public key: a file key, with and without
// public_key beside it.
func TestParseFileKeyURI(t *testing.T) {
	f := shared
	for _, entry := range []string{
		"    key: file:keys/filekey.key\n",
		"    key: file:keys/filekey.key\n    public_key: keys/filekey.key.pub\n",
	} {
		text := strings.Replace(pep458Plan, "    public_key: keys/carol.pub\n", entry, 1)
		p := mustParse(t, f, text)
		checkKey(t, "carol", p.Keyholders[2].TUFKey, p.Keyholders[2].KeyID, f.pubs["filekey"])
		// The URI is taken against the plan's directory, so the ceremony
		// opens the same file wherever it runs.
		if want := "file:" + filepath.Join(f.dir, "keys/filekey.key"); p.Keyholders[2].Key != want {
			t.Errorf("key = %q, want %q", p.Keyholders[2].Key, want)
		}
	}
}

// A key on a device that is not here (no hardware backend in this test) is
// taken from public_key.
func TestParseDeviceAbsentUsesPublicKey(t *testing.T) {
	f := shared
	for _, uri := range []string{
		"yubikey:serial=19088743;slot-id=9c",
		"pkcs11:token=root-1;object=carol?module-path=/usr/lib/softhsm/libsofthsm2.so",
		"file:keys/on-carols-usb-stick.key",
	} {
		text := strings.Replace(pep458Plan, "    public_key: keys/carol.pub\n", "    key: "+uri+"\n    public_key: keys/carol.pub\n", 1)
		p := mustParse(t, f, text)
		checkKey(t, uri, p.Keyholders[2].TUFKey, p.Keyholders[2].KeyID, f.pubs["carol"])
	}
}

// Keys we write are in our form, whatever form the file had.
func TestParseNormalizesLegacyKey(t *testing.T) {
	f := shared
	p := mustParse(t, f, strings.Replace(pep458Plan, "keys/alice.pub", "keys/alice-legacy.pub", 1))
	k := p.Keyholders[0].TUFKey
	if k.Type != keys.KeyTypeECDSA || k.Scheme != keys.SchemeECDSAP256 || !strings.HasPrefix(k.Value.PublicKey, "-----BEGIN PUBLIC KEY-----") {
		t.Errorf("key = %+v, want ecdsa PEM", k)
	}
	checkKey(t, "alice", k, p.Keyholders[0].KeyID, f.pubs["alice"])
}

func TestLoad(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ceremony")
	f := newFixture(t, dir)
	f.write(t, "plan.yaml", []byte(pep458Plan))
	p, err := Load(filepath.Join(dir, "plan.yaml"), testKeys)
	if err != nil {
		t.Fatal(err)
	}
	if p.Dir != dir || p.Path != filepath.Join(dir, "plan.yaml") {
		t.Errorf("path %q dir %q", p.Path, p.Dir)
	}
	checkKey(t, "bob", p.Keyholders[1].TUFKey, p.Keyholders[1].KeyID, f.pubs["bob"])

	// Problems name the file as given.
	f.write(t, "bad.yaml", []byte("profile: pep999\n"))
	_, err = Load(filepath.Join(dir, "bad.yaml"), testKeys)
	if err == nil || !strings.HasPrefix(err.Error(), filepath.Join(dir, "bad.yaml")+":1: profile: ") {
		t.Errorf("err = %v", err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), testKeys)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want a not-exist error", err)
	}
	if !strings.Contains(err.Error(), "failed to read plan") {
		t.Errorf("err = %v", err)
	}
}

// TestParseSettings: an auditor's reading of a bundle's plan.yaml, whose
// key files stayed behind, gives what the plan decides (defaults filled
// in) and opens no file; the rules still hold.
func TestParseSettings(t *testing.T) {
	doc := []byte(`profile: rstuf
keyholders:
  - {name: a, key: "file:/nonexistent/a.key"}
  - {name: b, public_key: /nonexistent/b.pub, attestation: /nonexistent/b.attestation.pem}
roles:
  root: {keyholders: [a, b], threshold: 2}
  bins: {count: 4}
online:
  - {name: online, key: "file:/nonexistent/online.key", uri: "fn:online.key"}
`)
	if _, err := Parse(doc, "plan.yaml", t.TempDir(), keys.NewBackends()); err == nil {
		t.Fatal("Parse read a plan whose key files do not exist")
	}
	p, err := ParseSettings(doc, "plan.yaml")
	if err != nil {
		t.Fatalf("ParseSettings: %v", err)
	}
	if p.Roles.Bins.Count != 4 || p.Roles.Root.ExpiresDays != defaultOfflineExpiresDays || p.Roles.Timestamp.ExpiresDays != defaultOnlineExpiresDays {
		t.Errorf("settings: bins %d, root %d days, timestamp %d days", p.Roles.Bins.Count, p.Roles.Root.ExpiresDays, p.Roles.Timestamp.ExpiresDays)
	}
	for _, h := range p.Keyholders {
		if h.TUFKey != nil {
			t.Errorf("%s's key was read", h.Name)
		}
	}
	if _, err := ParseSettings([]byte(strings.Replace(string(doc), "threshold: 2", "threshold: 3", 1)), "plan.yaml"); err == nil {
		t.Error("ParseSettings took a threshold above the keyholders")
	}
}
