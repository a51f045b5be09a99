package rotation_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rotation"
)

var now = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// world is a pep480-shaped trusted state built by hand: root 3 of alice,
// bob, carol, dave, erin; targets 2 of alice, bob, carol; timestamp and
// snapshot the online key; targets delegates claimed (2 of alice, bob,
// carol) and unclaimed (online), which delegates the bins (online).
type world struct {
	t    *testing.T
	keys map[string]*metadata.Key
	ids  map[string]string
}

func newWorld(t *testing.T) *world {
	w := &world{t: t, keys: map[string]*metadata.Key{}, ids: map[string]string{}}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "online", "frank", "online2"} {
		s, err := keys.GenerateSoftware("memory:"+n, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		w.keys[n] = s.TUFKey()
		w.ids[n], _ = keys.ID(s.TUFKey())
	}
	return w
}

func (w *world) idsOf(names ...string) []string {
	var out []string
	for _, n := range names {
		out = append(out, w.ids[n])
	}
	return out
}

func (w *world) keyMap(names ...string) map[string]*metadata.Key {
	out := map[string]*metadata.Key{}
	for _, n := range names {
		out[w.ids[n]] = w.keys[n]
	}
	return out
}

func (w *world) state() *rotation.State {
	root := &metadata.RootType{Type: "root", SpecVersion: "1.0.31", Version: 4, ConsistentSnapshot: true, Expires: now.Add(24 * time.Hour),
		Keys: w.keyMap("alice", "bob", "carol", "dave", "erin", "online"),
		Roles: map[string]*metadata.Role{
			"root":      {KeyIDs: w.idsOf("alice", "bob", "carol", "dave", "erin"), Threshold: 3},
			"targets":   {KeyIDs: w.idsOf("alice", "bob", "carol"), Threshold: 2},
			"snapshot":  {KeyIDs: w.idsOf("online"), Threshold: 1},
			"timestamp": {KeyIDs: w.idsOf("online"), Threshold: 1},
		}}
	all := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"}
	targets := &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 7, Expires: now.Add(24 * time.Hour),
		Targets: map[string]*metadata.TargetFiles{},
		Delegations: &metadata.Delegations{Keys: w.keyMap("alice", "bob", "carol", "online"), Roles: []metadata.DelegatedRole{
			{Name: "claimed", KeyIDs: w.idsOf("alice", "bob", "carol"), Threshold: 2, PathHashPrefixes: all},
			{Name: "unclaimed", KeyIDs: w.idsOf("online"), Threshold: 1, PathHashPrefixes: all},
		}}}
	claimed := &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 3, Expires: now.Add(24 * time.Hour),
		Targets: map[string]*metadata.TargetFiles{}}
	unclaimed := &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 40, Expires: now.Add(24 * time.Hour),
		Targets: map[string]*metadata.TargetFiles{},
		Delegations: &metadata.Delegations{Keys: w.keyMap("online"),
			SuccinctRoles: &metadata.SuccinctRoles{KeyIDs: w.idsOf("online"), Threshold: 1, BitLength: 4, NamePrefix: "bins"}}}
	s := &rotation.State{Source: "repo", Profile: plan.ProfilePEP480, Root: root,
		Targets: map[string]*metadata.TargetsType{"targets": targets, "claimed": claimed, "unclaimed": unclaimed},
		Current: map[string]int64{"root": 4, "targets": 7, "claimed": 3, "unclaimed": 40, "snapshot": 90, "timestamp": 95, "bins-3": 12},
		Names: []rotation.Name{
			{Key: w.keys["alice"], Holder: "alice", URI: "yubikey:serial=1001;slot-id=9c"},
			{Key: w.keys["bob"], Holder: "bob", URI: "pkcs11:token=root-2;object=bob?module-path=/x.so"},
			{Key: w.keys["carol"], Holder: "carol"}, {Key: w.keys["dave"], Holder: "dave"}, {Key: w.keys["erin"], Holder: "erin"},
			{Key: w.keys["online"], Holder: "online", Online: true},
		},
		LastGood: &rotation.LastGood{Source: "last-good", Current: map[string]int64{"snapshot": 88}},
	}
	for role, v := range s.Current {
		s.See(role, v)
	}
	s.See("targets", 9) // a targets v9 file seen (an attacker's?)
	s.LastGood.Targets = map[string]*metadata.TargetsType{"targets": targets, "claimed": claimed}
	return s
}

func (w *world) analyze(s *rotation.State, req rotation.Request) *rotation.Plan {
	w.t.Helper()
	req.Now = now
	p, err := rotation.Analyze(s, req)
	if err != nil {
		w.t.Fatalf("analyze: %v", err)
	}
	return p
}

func reach(p *rotation.Plan, role string) *rotation.Reach {
	for i := range p.Reach {
		if p.Reach[i].Role == role {
			return &p.Reach[i]
		}
	}
	return nil
}

func resign(p *rotation.Plan, role string) *rotation.Resign {
	for i := range p.Resign {
		if p.Resign[i].Role == role {
			return &p.Resign[i]
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func TestResolve(t *testing.T) {
	w := newWorld(t)
	s := w.state()
	for _, tc := range []struct{ ref, want string }{
		{"bob", "bob"}, {"BOB", "bob"}, {w.ids["carol"], "carol"}, {w.ids["dave"][:10], "dave"},
		{"1001", "alice"}, {"root-2", "bob"}, {"online", "online"},
	} {
		ks, err := s.Resolve(tc.ref)
		if err != nil || len(ks) != 1 || ks[0].Holder != tc.want {
			t.Errorf("Resolve(%q) = %+v, %v; want %s", tc.ref, ks, err, tc.want)
		}
	}
	_, err := s.Resolve("mallory")
	if err == nil || !strings.Contains(err.Error(), "alice (") || !strings.Contains(err.Error(), "YubiKey serial 1001") {
		t.Errorf("an unknown key: %v; want the keys listed with their devices", err)
	}
}

// TestReachThroughDelegations: bob and carol's keys meet targets' and
// claimed's thresholds (directly); unclaimed and the bins are reached
// through targets; root lists them below its threshold.
func TestReachThroughDelegations(t *testing.T) {
	w := newWorld(t)
	p := w.analyze(w.state(), rotation.Request{Stolen: w.idsOf("bob", "carol"),
		Replace: map[string]rotation.Key{w.ids["carol"]: {Key: w.keys["frank"]}}})
	for role, want := range map[string]struct {
		direct bool
		via    string
	}{"root": {false, ""}, "targets": {true, ""}, "claimed": {true, "targets"}, "unclaimed": {false, "targets"}, "bins-*": {false, "unclaimed"}} {
		r := reach(p, role)
		if r == nil || r.Direct != want.direct || r.Via != want.via {
			t.Errorf("reach of %s = %+v, want direct %v via %q", role, r, want.direct, want.via)
		}
	}
	if r := reach(p, "snapshot"); r != nil {
		t.Errorf("snapshot is not reached: %+v", r)
	}
	if !p.InBand {
		t.Fatalf("two of five root keys: in band, got %+v", p.OutOfBand)
	}
	// targets 2 of {alice, frank}: bob leaves unreplaced, carol for frank.
	if p.NewRoot == nil {
		t.Fatalf("no new root: %v", p.Problems)
	}
	tr := p.NewRoot.Roles["targets"]
	if strings.Join(tr.KeyIDs, ",") != strings.Join(w.idsOf("alice", "frank"), ",") || tr.Threshold != 2 {
		t.Errorf("new targets role: %+v", tr)
	}
	if _, ok := p.NewRoot.Keys[w.ids["bob"]]; ok {
		t.Error("the new root still defines bob's stolen key")
	}
	// Targets and claimed are re-signed, above every version seen.
	if r := resign(p, "targets"); r == nil || r.Version != 10 || !strings.Contains(r.ContentFrom, "last good") {
		t.Errorf("targets re-signed as %+v, want v10 (above v9 seen) from the last good content", r)
	}
	if r := resign(p, "claimed"); r == nil || r.Version != 4 {
		t.Errorf("claimed re-signed as %+v, want v4", r)
	}
	claimed := p.NewTargets["targets"].Delegations.Roles[0]
	if claimed.Name != "claimed" || strings.Join(claimed.KeyIDs, ",") != strings.Join(w.idsOf("alice", "frank"), ",") {
		t.Errorf("targets' delegation to claimed: %+v", claimed)
	}
	if _, ok := p.NewTargets["unclaimed"]; ok {
		t.Error("unclaimed is signed online, not at the ceremony")
	}
	// Signing: bob and carol do not count for the previous root.
	if contains(p.Signing[0].From, "bob") || contains(p.Signing[0].From, "carol") || !strings.Contains(p.Signing[0].Note, "compromised") {
		t.Errorf("previous root signers: %+v", p.Signing[0])
	}
}

func TestOutOfBand(t *testing.T) {
	w := newWorld(t)
	p := w.analyze(w.state(), rotation.Request{Stolen: w.idsOf("alice", "bob", "dave")})
	if p.InBand || p.OutOfBand == nil || !strings.Contains(p.OutOfBand.Statement, "alone meet root v4's threshold (3 of 5 keys)") {
		t.Fatalf("three of five stolen at threshold 3: %+v", p.OutOfBand)
	}
	if p.NewRoot != nil || p.OK() {
		t.Error("an out-of-band recovery has no new root")
	}
	if !contains(p.OutOfBand.Steps, "out of band") || !contains(p.OutOfBand.Steps, "root v5 or later") {
		t.Errorf("steps: %v", p.OutOfBand.Steps)
	}
	// Two stolen and one lost: root is safe from the attacker, but only
	// two usable keys remain for its threshold of 3.
	p = w.analyze(w.state(), rotation.Request{Stolen: w.idsOf("alice", "bob"), Lost: w.idsOf("dave")})
	if p.InBand || !strings.Contains(p.OutOfBand.Statement, "Only 2 of root v4's keys remain usable") {
		t.Fatalf("two usable keys for threshold 3: %+v", p.OutOfBand)
	}
}

func TestThresholdsMustHold(t *testing.T) {
	w := newWorld(t)
	// bob and carol lost, not replaced: root keeps three usable keys for
	// its threshold of 3, but targets (2 of alice, bob, carol) keeps one.
	p := w.analyze(w.state(), rotation.Request{Lost: w.idsOf("bob", "carol")})
	if !p.InBand {
		t.Fatalf("three usable keys for threshold 3 is in band: %+v", p.OutOfBand)
	}
	if p.OK() || !contains(p.Problems, "targets: 1 keys would remain for its threshold of 2") || p.NewRoot != nil {
		t.Fatalf("problems: %v", p.Problems)
	}
	if !contains(p.Problems, "replacement keys (OLD=NEW)") {
		t.Errorf("the problem does not say what to do: %v", p.Problems)
	}
	if !p.NeedsReplacement {
		t.Errorf("a role left short of keys does not say a replacement is needed")
	}
	// Replaced, the plan goes ahead and asks for no replacement.
	p = w.analyze(w.state(), rotation.Request{Lost: w.idsOf("bob", "carol"), Replace: map[string]rotation.Key{w.ids["bob"]: {Key: w.keys["online2"]}}})
	if p.NeedsReplacement {
		t.Errorf("with bob replaced, targets keeps two keys for its threshold of 2, yet a replacement is asked for: %v", p.Problems)
	}
}

func TestOnlineCompromise(t *testing.T) {
	w := newWorld(t)
	s := w.state()
	s.See("timestamp", 1<<62) // the attacker's fast-forward
	s.See("snapshot", 1<<62)
	s.Current["timestamp"] = 1 << 62
	// Without a new online key: refused, saying what to do.
	p := w.analyze(s, rotation.Request{Online: true})
	if p.OK() || !contains(p.Problems, "timestamp: no key would remain") {
		t.Fatalf("online compromise without a new key: %v", p.Problems)
	}
	p = w.analyze(s, rotation.Request{Online: true, Replace: map[string]rotation.Key{w.ids["online"]: {Key: w.keys["online2"]}}})
	if !p.OK() {
		t.Fatalf("problems: %v", p.Problems)
	}
	if ts := p.NewRoot.Roles["timestamp"]; len(ts.KeyIDs) != 1 || ts.KeyIDs[0] != w.ids["online2"] {
		t.Errorf("timestamp keys: %v", ts.KeyIDs)
	}
	// targets is re-signed: its delegation to unclaimed names the online key.
	if r := resign(p, "targets"); r == nil {
		t.Error("targets is not re-signed, but its delegation to unclaimed changes")
	}
	want := map[string]int64{"bins-*": 13, "unclaimed": 41, "snapshot": 91, "timestamp": 96}
	for _, o := range p.Online {
		if o.MinVersion != want[o.Role] {
			t.Errorf("online %s at v%d, want v%d", o.Role, o.MinVersion, want[o.Role])
		}
		delete(want, o.Role)
	}
	if len(want) != 0 {
		t.Errorf("online work missing for %v: %+v", want, p.Online)
	}
	if last := p.Online[len(p.Online)-1]; last.Role != "timestamp" {
		t.Errorf("timestamp must come last, got %s", last.Role)
	}
	if !contains(p.FastForward, "5.3.11") || !contains(p.FastForward, "cannot be exceeded") {
		t.Errorf("fast-forward: %v", p.FastForward)
	}
	if !contains(p.OnlineSteps, "BEFORE root v5 is uploaded") || !contains(p.OnlineSteps, "snapshot v88 of last-good") {
		t.Errorf("online steps: %v", p.OnlineSteps)
	}
	if !contains(p.Evidence, "timestamp was published at version") {
		t.Errorf("evidence: %v", p.Evidence)
	}
	// The same fast-forward, the online key kept (bob replaced instead):
	// clients could not recover.
	p = w.analyze(s, rotation.Request{Replace: map[string]rotation.Key{w.ids["bob"]: {Key: w.keys["frank"]}}})
	if !contains(p.Problems, "clients that took it can only recover when the key changes") {
		t.Errorf("a fast-forward with the online key kept: %v", p.Problems)
	}
}

func TestYearlyResign(t *testing.T) {
	w := newWorld(t)
	p := w.analyze(w.state(), rotation.Request{})
	if p.Emergency || !p.OK() || len(p.Affected) != 0 || len(p.Changes) != 0 {
		t.Fatalf("yearly re-sign: %+v %v", p.Affected, p.Problems)
	}
	if got := []string{p.Resign[0].Role, p.Resign[1].Role, p.Resign[2].Role}; strings.Join(got, " ") != "root targets claimed" || len(p.Resign) != 3 {
		t.Errorf("re-signed %v, want root targets claimed", p.Resign)
	}
	if !p.NewRoot.Expires.Equal(now.Add(365 * 24 * time.Hour)) {
		t.Errorf("new root expires %v", p.NewRoot.Expires)
	}
	// The new root is the old one but for version and expiry.
	old, _ := json.Marshal(w.state().Root)
	nr := *p.NewRoot
	nr.Version, nr.Expires = 4, now.Add(24*time.Hour)
	b, _ := json.Marshal(&nr)
	if string(old) != string(b) {
		t.Errorf("the yearly re-sign changed more than version and expiry:\n%s\n%s", old, b)
	}
}

func TestSwapNamesBothKeys(t *testing.T) {
	w := newWorld(t)
	p := w.analyze(w.state(), rotation.Request{Replace: map[string]rotation.Key{w.ids["bob"]: {Key: w.keys["frank"]}}})
	if p.Emergency || !p.OK() {
		t.Fatalf("a swap is planned: %v", p.Problems)
	}
	a := p.Affected[0]
	if a.Cause != rotation.Retired || a.ReplacedBy == nil || a.ReplacedBy.Holder != "bob" {
		t.Errorf("affected: %+v", a)
	}
	if !contains(p.Signing[0].From, "bob (") || !strings.Contains(p.Signing[0].Note, "bob signs the previous root with the old key") {
		t.Errorf("previous root signing: %+v", p.Signing[0])
	}
}

func TestBadReplacements(t *testing.T) {
	w := newWorld(t)
	for name, req := range map[string]rotation.Request{
		"an existing key": {Replace: map[string]rotation.Key{w.ids["bob"]: {Key: w.keys["alice"]}}},
		"one key twice": {Replace: map[string]rotation.Key{w.ids["bob"]: {Key: w.keys["frank"]},
			w.ids["carol"]: {Key: w.keys["frank"]}}},
		"an unknown key": {Stolen: []string{strings.Repeat("ab", 32)}},
	} {
		req.Now = now
		if _, err := rotation.Analyze(w.state(), req); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestRSTUFOnlineKeyNeedsURI(t *testing.T) {
	w := newWorld(t)
	s := w.state()
	s.Profile = plan.ProfileRSTUF
	s.Targets = map[string]*metadata.TargetsType{}
	for id, k := range s.Root.Keys {
		k.UnrecognizedFields = map[string]any{"x-rstuf-key-name": id[:4]}
	}
	req := rotation.Request{Online: true, Replace: map[string]rotation.Key{w.ids["online"]: {Key: w.keys["online2"]}}}
	if p := w.analyze(s, req); !contains(p.Problems, "--online-key-uri") {
		t.Fatalf("problems: %v", p.Problems)
	}
	req.OnlineKeyURI = "awskms:///new"
	p := w.analyze(s, req)
	if !p.OK() {
		t.Fatalf("problems: %v", p.Problems)
	}
	k := p.NewRoot.Keys[w.ids["online2"]]
	if k == nil || k.UnrecognizedFields["x-rstuf-online-key-uri"] != "awskms:///new" || k.UnrecognizedFields["x-rstuf-key-name"] != "online" {
		t.Fatalf("new online key in root: %+v", k)
	}
	if id, _ := keys.ID(k); id != w.ids["online2"] {
		t.Errorf("the vendor fields changed the key ID")
	}
}
