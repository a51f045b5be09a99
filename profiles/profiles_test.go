package profiles_test

import (
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

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
)

// now has nanoseconds and a zone on purpose: expiry must come out in
// whole seconds, in UTC.
var now = time.Date(2030, 6, 1, 23, 30, 15, 987654321, time.FixedZone("UTC+5", 5*3600))

// keyDir makes throwaway keys and writes their public keys as NAME.pub.
type keyDir struct {
	t    *testing.T
	dir  string
	keys map[string]*metadata.Key
}

func newKeyDir(t *testing.T, names ...string) *keyDir {
	t.Helper()
	k := &keyDir{t: t, dir: t.TempDir(), keys: map[string]*metadata.Key{}}
	types := []keys.KeyType{keys.TypeEd25519, keys.TypeECDSAP256, keys.TypeECDSAP384}
	for i, name := range names {
		s, err := keys.GenerateSoftware("memory:"+name, types[i%len(types)])
		if err != nil {
			t.Fatal(err)
		}
		b, err := keys.MarshalKeyJSON(s.TUFKey())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(k.dir, name+".pub"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		k.keys[name] = s.TUFKey()
	}
	return k
}

// id is the key ID computed here, without the code under test: SHA-256 of
// the canonical JSON (sorted keys, no whitespace, only '"' and '\' escaped)
// of keytype, scheme and keyval.public.
func (k *keyDir) id(name string) string {
	key := k.keys[name]
	if key == nil {
		k.t.Fatalf("no key %q", name)
	}
	return canonicalID(key)
}

func canonicalID(key *metadata.Key) string {
	esc := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
	}
	doc := `{"keytype":"` + esc(key.Type) + `","keyval":{"public":"` + esc(key.Value.PublicKey) + `"},"scheme":"` + esc(key.Scheme) + `"}`
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func (k *keyDir) load(yaml string) *plan.Plan {
	k.t.Helper()
	path := filepath.Join(k.dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		k.t.Fatal(err)
	}
	p, err := plan.Load(path, keys.NewBackends())
	if err != nil {
		k.t.Fatalf("plan:\n%s\n%v", yaml, err)
	}
	return p
}

const holdersYAML = `keyholders:
  - {name: alice, contact: a@x.example, public_key: alice.pub}
  - {name: bob, contact: b@x.example, public_key: bob.pub}
  - {name: carol, contact: c@x.example, public_key: carol.pub}
  - {name: dave, contact: d@x.example, public_key: dave.pub}
`

func rstufPlan(k *keyDir) *plan.Plan {
	return k.load("profile: rstuf\n" + holdersYAML + `roles:
  root: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 200}
  targets: {expires_days: 7}
  bins: {count: 64}
online:
  - {name: online, public_key: online.pub, uri: "awskms:///arn:aws:kms:eu-west-1:1234:key/abcd"}
`)
}

func pep458Plan(k *keyDir, bins int) *plan.Plan {
	return k.load("profile: pep458\n" + holdersYAML + fmt.Sprintf(`roles:
  root: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 365}
  targets: {keyholders: [bob, dave], threshold: 1, expires_days: 90}
  bins: {count: %d}
online:
  - {name: online, public_key: online.pub}
`, bins))
}

func pep480Plan(k *keyDir) *plan.Plan {
	return k.load("profile: pep480\n" + holdersYAML + `roles:
  root: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 365}
  targets: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 365}
  claimed: {keyholders: [dave, carol, bob], threshold: 3, expires_days: 120}
  bins: {count: 32}
online:
  - {name: online, public_key: online.pub}
`)
}

// signedJSON is what a client reads: the metadata as it is written.
func signedJSON(t *testing.T, v any) map[string]any {
	t.Helper()
	f, err := metafile.FromSigned(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(f.Signed, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func wantExpiry(days int) time.Time {
	// 2030-06-01T23:30:15+05:00 is 2030-06-01T18:30:15Z.
	return time.Date(2030, 6, 1, 18, 30, 15, 0, time.UTC).AddDate(0, 0, days)
}

func TestExpiry(t *testing.T) {
	got := profiles.Expiry(now, 10)
	if want := time.Date(2030, 6, 11, 18, 30, 15, 0, time.UTC); !got.Equal(want) || got.Location() != time.UTC || got.Nanosecond() != 0 {
		t.Errorf("Expiry = %s (%s), want %s in UTC, whole seconds", got, got.Location(), want)
	}
}

func TestRSTUFRoot(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	p := rstufPlan(k)
	r, err := profiles.Root(p, 1, now)
	if err != nil {
		t.Fatal(err)
	}

	for _, role := range []string{"timestamp", "snapshot", "targets"} {
		rr := r.Roles[role]
		if rr == nil || len(rr.KeyIDs) == 0 || rr.KeyIDs[0] != k.id("online") || rr.Threshold != 1 {
			t.Errorf("roles.%s = %+v, want the online key %s as keyids[0], threshold 1", role, rr, k.id("online")[:12])
		}
	}
	if rr := r.Roles["root"]; rr == nil || strings.Join(rr.KeyIDs, ",") != strings.Join([]string{k.id("alice"), k.id("bob"), k.id("carol")}, ",") || rr.Threshold != 2 {
		t.Errorf("roles.root = %+v, want alice, bob, carol in plan order, threshold 2", rr)
	}

	names := map[string]string{k.id("alice"): "alice", k.id("bob"): "bob", k.id("carol"): "carol", k.id("online"): "online"}
	if len(r.Keys) != len(names) {
		t.Errorf("root lists %d keys, want %d (dave is in no role)", len(r.Keys), len(names))
	}
	for id, name := range names {
		key := r.Keys[id]
		if key == nil {
			t.Errorf("root has no key %s (%s): key IDs must be the SHA-256 of the key without vendor fields", id[:12], name)
			continue
		}
		if got := key.UnrecognizedFields[profiles.RSTUFKeyName]; got != name {
			t.Errorf("%s's key: x-rstuf-key-name = %v, want %q", name, got, name)
		}
		uri, hasURI := key.UnrecognizedFields[profiles.RSTUFOnlineKeyURI]
		if name == "online" {
			if uri != "awskms:///arn:aws:kms:eu-west-1:1234:key/abcd" {
				t.Errorf("online key: x-rstuf-online-key-uri = %v, want the plan's uri", uri)
			}
		} else if hasURI {
			t.Errorf("%s's key carries x-rstuf-online-key-uri", name)
		}
		// The key ID is not the hash of the key with its vendor fields.
		if full, err := keys.FullID(key); err != nil || full == id {
			t.Errorf("%s's key ID equals the hash of the whole key with vendor fields (%v)", name, err)
		}
		if canonicalID(key) != id {
			t.Errorf("%s's key is listed under %s, not under its own key ID", name, id[:12])
		}
	}

	// As written to the file.
	m := signedJSON(t, r)
	if m["spec_version"] != "1.0.31" || m["_type"] != "root" || m["version"] != float64(1) || m["consistent_snapshot"] != true {
		t.Errorf("root header: %v %v %v %v", m["_type"], m["spec_version"], m["version"], m["consistent_snapshot"])
	}
	if m["expires"] != wantExpiry(200).Format("2006-01-02T15:04:05Z") {
		t.Errorf("expires %v, want %s", m["expires"], wantExpiry(200).Format(time.RFC3339))
	}
	keysJSON := m["keys"].(map[string]any)
	online := keysJSON[k.id("online")].(map[string]any)
	if online["x-rstuf-key-name"] != "online" || online["x-rstuf-online-key-uri"] != "awskms:///arn:aws:kms:eu-west-1:1234:key/abcd" {
		t.Errorf("online key in the file: %v", online)
	}

	// The plan's keys are not changed by building metadata from them.
	for _, h := range p.Keyholders {
		if len(h.TUFKey.UnrecognizedFields) != 0 {
			t.Errorf("plan keyholder %s's key got vendor fields %v", h.Name, h.TUFKey.UnrecognizedFields)
		}
	}
	if len(p.Online[0].TUFKey.UnrecognizedFields) != 0 {
		t.Errorf("plan online key got vendor fields %v", p.Online[0].TUFKey.UnrecognizedFields)
	}

	if _, err := profiles.Targets(p, 1, now); err == nil {
		t.Error("Targets for rstuf (whose targets is online) succeeded")
	}
}

func TestPEP458Root(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	p := pep458Plan(k, 16)
	r, err := profiles.Root(p, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != 7 || r.SpecVersion != "1.0.31" || !r.ConsistentSnapshot || !r.Expires.Equal(wantExpiry(365)) || r.Expires.Location() != time.UTC {
		t.Errorf("root v%d spec %s consistent %v expires %s", r.Version, r.SpecVersion, r.ConsistentSnapshot, r.Expires)
	}
	want := map[string][]string{
		"root":      {k.id("alice"), k.id("bob"), k.id("carol")},
		"targets":   {k.id("bob"), k.id("dave")},
		"snapshot":  {k.id("online")},
		"timestamp": {k.id("online")},
	}
	thresholds := map[string]int{"root": 2, "targets": 1, "snapshot": 1, "timestamp": 1}
	for role, ids := range want {
		rr := r.Roles[role]
		if rr == nil || strings.Join(rr.KeyIDs, ",") != strings.Join(ids, ",") || rr.Threshold != thresholds[role] {
			t.Errorf("roles.%s = %+v, want %v threshold %d", role, rr, ids, thresholds[role])
		}
	}
	if len(r.Roles) != 4 {
		t.Errorf("root has %d roles, want the four top-level ones", len(r.Roles))
	}
	// bob is in root and targets: one key entry.
	if len(r.Keys) != 5 {
		t.Errorf("root lists %d keys, want 5", len(r.Keys))
	}
	for id, key := range r.Keys {
		if canonicalID(key) != id {
			t.Errorf("key listed under %s is not its own key ID", id[:12])
		}
		if len(key.UnrecognizedFields) != 0 {
			t.Errorf("pep458 key %s carries vendor fields %v", id[:12], key.UnrecognizedFields)
		}
	}
}

func TestConsistentSnapshotOff(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	p := k.load("profile: pep458\nconsistent_snapshot: false\n" + holdersYAML + `roles:
  root: {keyholders: [alice, bob], threshold: 2}
  targets: {keyholders: [alice], threshold: 1}
online:
  - {name: online, public_key: online.pub}
`)
	r, err := profiles.Root(p, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.ConsistentSnapshot {
		t.Error("consistent_snapshot: false in the plan, true in root")
	}
	if m := signedJSON(t, r); m["consistent_snapshot"] != false {
		t.Errorf("consistent_snapshot in the file = %v", m["consistent_snapshot"])
	}
}

func TestOnlineKeysByRole(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "ts", "bulk")
	p := k.load("profile: pep458\n" + holdersYAML + `roles:
  root: {keyholders: [alice, bob], threshold: 2}
  targets: {keyholders: [alice], threshold: 1}
  bins: {count: 4}
online:
  - {name: ts, public_key: ts.pub, roles: [timestamp]}
  - {name: bulk, public_key: bulk.pub, roles: [snapshot, bins]}
`)
	r, err := profiles.Root(p, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Roles["timestamp"].KeyIDs; strings.Join(got, ",") != k.id("ts") {
		t.Errorf("timestamp keys %v, want ts only", got)
	}
	if got := r.Roles["snapshot"].KeyIDs; strings.Join(got, ",") != k.id("bulk") {
		t.Errorf("snapshot keys %v, want bulk only", got)
	}
	tg, err := profiles.Targets(p, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	sr := tg.Delegations.SuccinctRoles
	if strings.Join(sr.KeyIDs, ",") != k.id("bulk") || len(tg.Delegations.Keys) != 1 || tg.Delegations.Keys[k.id("bulk")] == nil {
		t.Errorf("bins keys %v (delegation keys %d), want bulk only", sr.KeyIDs, len(tg.Delegations.Keys))
	}
}

func TestPEP458TargetsBins(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	for _, tc := range []struct {
		count, bits int
		format      string // the hex suffix, zero-padded to the width of count-1
	}{
		{2, 1, "bins-%x"},
		{16, 4, "bins-%x"},
		{32, 5, "bins-%02x"},
		{256, 8, "bins-%02x"},
		{16384, 14, "bins-%04x"},
	} {
		t.Run(fmt.Sprint(tc.count), func(t *testing.T) {
			p := pep458Plan(k, tc.count)
			tg, err := profiles.Targets(p, 1, now)
			if err != nil {
				t.Fatal(err)
			}
			if tg.Version != 1 || tg.SpecVersion != "1.0.31" || !tg.Expires.Equal(wantExpiry(90)) || len(tg.Targets) != 0 {
				t.Errorf("targets v%d spec %s expires %s targets %d", tg.Version, tg.SpecVersion, tg.Expires, len(tg.Targets))
			}
			d := tg.Delegations
			if d == nil || d.SuccinctRoles == nil || len(d.Roles) != 0 {
				t.Fatalf("delegations %+v, want succinct_roles only", d)
			}
			sr := d.SuccinctRoles
			if sr.BitLength != tc.bits || sr.NamePrefix != "bins" || sr.Threshold != 1 || strings.Join(sr.KeyIDs, ",") != k.id("online") {
				t.Errorf("succinct_roles bit_length %d prefix %q threshold %d keys %v; want %d, bins, 1, the online key", sr.BitLength, sr.NamePrefix, sr.Threshold, sr.KeyIDs, tc.bits)
			}
			if dk := d.Keys[k.id("online")]; dk == nil || canonicalID(dk) != k.id("online") || len(d.Keys) != 1 {
				t.Errorf("delegation keys %v, want the online key only", d.Keys)
			}
			names := sr.GetRoles()
			if len(names) != tc.count {
				t.Fatalf("%d bins, want %d", len(names), tc.count)
			}
			for _, i := range []int{0, 1, tc.count / 2, tc.count - 1} {
				if want := fmt.Sprintf(tc.format, i); names[i] != want {
					t.Errorf("bin %d is %q, want %q", i, names[i], want)
				}
			}

			// In the file: succinct_roles, no roles list (TUF allows one of
			// them), and the bins the clients will compute.
			m := signedJSON(t, tg)
			dj := m["delegations"].(map[string]any)
			if _, ok := dj["roles"]; ok {
				t.Error("delegations in the file has both roles and succinct_roles")
			}
			sj := dj["succinct_roles"].(map[string]any)
			if sj["bit_length"] != float64(tc.bits) || sj["name_prefix"] != "bins" {
				t.Errorf("succinct_roles in the file: %v", sj)
			}
		})
	}
}

func TestBitLength(t *testing.T) {
	for n := 1; n <= 14; n++ {
		if got := profiles.BitLength(1 << n); got != n {
			t.Errorf("BitLength(%d) = %d, want %d", 1<<n, got, n)
		}
	}
}

func TestPEP480Targets(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	p := pep480Plan(k)
	tg, err := profiles.Targets(p, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	d := tg.Delegations
	if d == nil || d.SuccinctRoles != nil {
		t.Fatalf("delegations %+v, want named roles, no succinct roles at the top", d)
	}
	var order []string
	for _, r := range d.Roles {
		order = append(order, r.Name)
	}
	if strings.Join(order, ",") != "claimed,recently-claimed,unclaimed" {
		t.Fatalf("targets delegates %v, want claimed, recently-claimed, unclaimed in that order", order)
	}
	allPaths := "0,1,2,3,4,5,6,7,8,9,a,b,c,d,e,f"
	for _, r := range d.Roles {
		if r.Terminating {
			t.Errorf("%s is terminating: a search must fall through to the online roles", r.Name)
		}
		if strings.Join(r.PathHashPrefixes, ",") != allPaths || len(r.Paths) != 0 {
			t.Errorf("%s covers prefixes %v paths %v, want every path by hash prefix", r.Name, r.PathHashPrefixes, r.Paths)
		}
	}
	claimed := d.Roles[0]
	if strings.Join(claimed.KeyIDs, ",") != strings.Join([]string{k.id("dave"), k.id("carol"), k.id("bob")}, ",") || claimed.Threshold != 3 {
		t.Errorf("claimed keys %v threshold %d, want dave, carol, bob (the plan's), 3", claimed.KeyIDs, claimed.Threshold)
	}
	for _, r := range d.Roles[1:] {
		if strings.Join(r.KeyIDs, ",") != k.id("online") || r.Threshold != 1 {
			t.Errorf("%s keys %v threshold %d, want the online key, 1", r.Name, r.KeyIDs, r.Threshold)
		}
	}
	for _, name := range []string{"dave", "carol", "bob", "online"} {
		if key := d.Keys[k.id(name)]; key == nil || canonicalID(key) != k.id(name) {
			t.Errorf("delegation keys lack %s's key under its key ID", name)
		}
	}
	if len(d.Keys) != 4 {
		t.Errorf("%d delegation keys, want 4", len(d.Keys))
	}
	// As the file has it: every delegated role with terminating false
	// written out (a required field).
	m := signedJSON(t, tg)
	for _, r := range m["delegations"].(map[string]any)["roles"].([]any) {
		if term, ok := r.(map[string]any)["terminating"]; !ok || term != false {
			t.Errorf("role %v: terminating %v, want false", r.(map[string]any)["name"], term)
		}
	}
}

func TestPEP480Claimed(t *testing.T) {
	k := newKeyDir(t, "alice", "bob", "carol", "dave", "online")
	p := pep480Plan(k)
	c := profiles.Claimed(p, 3, now)
	if c.Version != 3 || c.Type != "targets" || c.SpecVersion != "1.0.31" || !c.Expires.Equal(wantExpiry(120)) || len(c.Targets) != 0 {
		t.Errorf("claimed: type %s v%d spec %s expires %s targets %d", c.Type, c.Version, c.SpecVersion, c.Expires, len(c.Targets))
	}
	m := signedJSON(t, c)
	if _, ok := m["delegations"]; ok {
		t.Errorf("claimed has a delegations object %v: with no roles in it, it is invalid TUF", m["delegations"])
	}
	if tj, ok := m["targets"].(map[string]any); !ok || len(tj) != 0 {
		t.Errorf("claimed targets in the file = %v, want {}", m["targets"])
	}
}

func TestAllPaths(t *testing.T) {
	got := profiles.AllPaths()
	if len(got) != 16 {
		t.Fatalf("%d prefixes, want 16", len(got))
	}
	for i, p := range got {
		if p != fmt.Sprintf("%x", i) {
			t.Errorf("prefix %d is %q", i, p)
		}
	}
}
