package tui

import (
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/attestation"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/tui/widget"
	"github.com/tuf-ceremony/ceremony/workspace"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden views in testdata/")

// Key IDs of the fixture's people.
const (
	aliceID = "a11ce00000000000000000000000000000000000000000000000000000000001"
	bobID   = "b0b0000000000000000000000000000000000000000000000000000000000002"
	carolID = "ca401000000000000000000000000000000000000000000000000000000000003"
)

// fakeStatus is a pep458 bootstrap: root 1 of 3 (alice signed), targets
// none of 2; bob's key on a YubiKey, carol's on a token.
func fakeStatus() *ceremony.Status {
	expires := time.Date(2027, 11, 22, 0, 0, 0, 0, time.UTC)
	alice, bob, carol := ceremony.Party{KeyID: aliceID, Holder: "alice"}, ceremony.Party{KeyID: bobID, Holder: "bob"}, ceremony.Party{KeyID: carolID, Holder: "carol"}
	return &ceremony.Status{
		Dir: "ws", Kind: "bootstrap", Profile: "pep458", Repository: "pypi.example",
		Roles: []ceremony.RoleStatus{
			{Role: "root", Version: 1, Expires: expires, Thresholds: []ceremony.Count{
				{Delegator: "root v1", Threshold: 3, Signed: []ceremony.Party{alice}, Missing: []ceremony.Party{bob, carol}}}},
			{Role: "targets", Version: 1, Expires: expires, Thresholds: []ceremony.Count{
				{Delegator: "root v1", Threshold: 2, Signed: []ceremony.Party{}, Missing: []ceremony.Party{alice, bob}}}},
		},
		People: []ceremony.Person{
			{Name: "alice", Contact: "alice@pypi.example", KeyID: aliceID, URI: "yubikey:serial=19088743;slot-id=9c", Device: "YubiKey serial 19088743", Attested: true},
			{Name: "bob", Contact: "bob@pypi.example", KeyID: bobID, URI: "yubikey:serial=21854402;slot-id=9c", Device: "YubiKey serial 21854402", Attested: true},
			{Name: "carol", Contact: "carol@pypi.example", KeyID: carolID, URI: "pkcs11:token=carol;object=carol", Device: `PKCS#11 token "carol"`},
			{Name: "wendy", Contact: "wendy@pypi.example", KeyID: "00", Witness: true, Device: "key file wendy.key"},
		},
	}
}

// walkModel is at alice's device step of fakeStatus's ceremony (alice's
// targets signature is still missing), everyone present.
// yubiHSMURI names alice's key on a YubiHSM 2, for the screens of a device
// that shows its keys only after the PIN.
const yubiHSMURI = "pkcs11:token=YubiHSM;serial=13200460;object=tuf-root?module-path=/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so"

func walkModel() Model {
	m := New(eng, "ws").WithStyles(DefaultStyles(true))
	m.walk.status, m.walk.loading = fakeStatus(), false
	m.walk.present = map[string]bool{"alice": true, "bob": true, "carol": true, "wendy": true}
	p := m.walk.status.People[0]
	m.walk.person, m.walk.keyID = p, p.KeyID
	m.walk.gen = 1
	m.open(screenDevice)
	return m
}

func rehearsal() *Rehearsal {
	return &Rehearsal{Dir: "/tmp/rehearsal", Practice: []Practice{
		{Holder: "alice", Device: "YubiKey serial 19088743", Serial: 19088743, Secret: "271828", PUK: "27182818"},
		{Holder: "bob", Device: "YubiKey serial 21854402", Serial: 21854402, Secret: "314159", PUK: "31415926"},
		{Holder: "carol", Device: "SoftHSM2 token carol", Secret: "161803"},
	}}
}

// TestGoldenViews renders each screen at 80x24 without colour and compares
// it with testdata/NAME.golden (go test ./tui -run Golden -update rewrites
// them). Every view must fit the window.
func TestGoldenViews(t *testing.T) {
	for name, mk := range goldenCases(t) {
		t.Run(name, func(t *testing.T) { checkGolden(t, name, view(mk())) })
	}
}

// goldenCases makes each screen the golden test renders, by name.
func goldenCases(t *testing.T) map[string]func() Model {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	present := &ceremony.DeviceCheck{Holder: "alice", Kind: "yubikey", Device: "YubiKey serial 19088743", Present: true, PINTries: 3,
		Attested: &attestation.Attested{Device: attestation.DeviceYubiKey, Serial: 19088743, Firmware: "5.7.1", Chained: true,
			YubiKey: &attestation.YubiKey{Serial: 19088743, Firmware: "5.7.1", Slot: "9c", PINPolicy: "always", TouchPolicy: "always"}}}
	cases := map[string]func() Model{
		"chooser": func() Model {
			m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
			m.chooser.scanned = true
			m.chooser.found = []foundWorkspace{{dir: "ws", summary: "pep458 bootstrap, 1 of 2 roles ready"}}
			m.chooser.cursor = 1
			return m
		},
		"welcome-rehearsal": func() Model {
			return NewBootstrap(eng, "/tmp/rehearsal/plan.yaml", "/tmp/rehearsal/workspace", rehearsal()).WithStyles(DefaultStyles(true))
		},
		"plan": func() Model {
			m := walkModel()
			m.open(screenPlan)
			return m
		},
		"rollcall": func() Model {
			m := walkModel()
			m.walk.present = map[string]bool{"alice": true, "carol": true}
			m.walk.cursor = 1
			m.open(screenRollCall)
			return m
		},
		"device-present": func() Model {
			m := walkModel().WithRehearsal(rehearsal())
			m.walk.check = present
			return m
		},
		"device-yubihsm": func() Model {
			m := walkModel()
			m.walk.person.URI = yubiHSMURI
			m.walk.person.Device = ceremony.DeviceName(yubiHSMURI)
			m.walk.check = &ceremony.DeviceCheck{Holder: "alice", Kind: "pkcs11", Device: m.walk.person.Device, Present: true, PINTries: -1,
				Note: m.walk.person.Device + " shows its keys only after the PIN: the key is checked to be alice's a11ce0000000 once it is given, before anything is signed"}
			return m
		},
		"pin-yubihsm": func() Model {
			m := walkModel()
			m.walk.person.URI = yubiHSMURI
			m.walk.person.Device = ceremony.DeviceName(yubiHSMURI)
			m.walk.signing, m.walk.signRoles, m.walk.pins = true, []string{"root v1"}, 1
			m.walk.pin = pinPrompt{req: keys.SecretRequest{Kind: keys.PIN, TriesLeft: -1,
				Form: "the authentication key's ID as 4 hex digits, then its password (8 to 64 characters): 0001 then the password, for the factory key"}, reply: make(chan secretReply, 1)}
			m.walk.check = &ceremony.DeviceCheck{Holder: "alice", Kind: "pkcs11", Device: m.walk.person.Device, Present: true, PINTries: -1}
			m.open(screenPIN)
			return m
		},
		"device-wrong": func() Model {
			m := walkModel()
			m.walk.check = &ceremony.DeviceCheck{Device: "YubiKey serial 19088743", PINTries: -1,
				Problem: "that is not alice's YubiKey: alice wants YubiKey serial 19088743; take it out and insert the right one",
				Others:  []string{"YubiKey serial 21854402 (bob's)"}}
			return m
		},
		"review": func() Model {
			m := walkModel()
			m.walk.review = []string{"root v1 is new; expires 2027-11-22 (365 days)",
				"root keys: + alice (ecdsa-sha2-nistp256 a11ce0000000), + bob (ed25519 b0b000000000), + carol (ecdsa-sha2-nistp384 ca4010000000); root threshold 3",
				"", "targets v1 is new; expires 2027-11-22 (365 days)"}
			m.open(screenReview)
			m.walk.reviewSeen = m.reviewAtEnd() // as the app sets it when the review arrives
			return m
		},
		"pin": func() Model {
			m := walkModel().WithRehearsal(rehearsal())
			m.walk.signing, m.walk.signRoles, m.walk.pins = true, []string{"root v1", "targets v1"}, 1
			m.walk.pin = pinPrompt{req: keys.SecretRequest{Kind: keys.PIN, TriesLeft: 2}, reply: make(chan secretReply, 1)}
			m.walk.pin.secret = m.walk.pin.secret.Insert("2718")
			m.walk.check = present
			m.open(screenPIN)
			return m
		},
		"touch": func() Model {
			m := walkModel()
			m.walk.signing, m.walk.touch, m.walk.touchAt, m.walk.touchNow = true, "touch YubiKey 19088743 now: it blinks until touched", at, at.Add(4*time.Second)
			m.open(screenTouch)
			return m
		},
		"signed-failed": func() Model {
			m := walkModel()
			m.walk.outcome = &signOutcome{person: m.walk.person, err: errorString(`failed to sign with "yubikey:serial=19088743;slot-id=9c": wrong PIN for YubiKey 19088743: 2 tries left before the PIN is blocked`)}
			m.setError("alice did not sign: see above")
			m.open(screenSigned)
			return m
		},
		"signed": func() Model {
			m := walkModel()
			m.walk.outcome = &signOutcome{person: m.walk.person, res: &ceremony.SignResult{Signed: []ceremony.Signature{{Role: "root"}, {Role: "targets"}}}}
			m.walk.done = map[string]bool{aliceID: true}
			m.open(screenSigned)
			return m
		},
		"rotation-form": func() Model {
			m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
			m.chooser.scanned = true
			m.chooser.found = []foundWorkspace{{dir: "ws", summary: "pep458 bootstrap, every threshold met", finished: true}}
			m.form = newForm(2, m.choices()[2])
			m.form.fields[emCompromised].Value = widget.NewText("mallory")
			m.form.fields[emReplace].Value = widget.NewText("carol=keys/carol2.key.pub")
			m.form.focus = emCompromised
			m.setError(`--compromised mallory: no key in ws is "mallory"; the keys are: alice (b54ca156634e) on key file keys/alice.key, bob (21fb703bb023) on key file keys/bob.key, carol (90ace2f11831) on key file keys/carol.key`)
			m.open(screenForm)
			return m
		},
		"rotation-plan": func() Model {
			return rotationPlanModel(t, "rotation-plan", 0)
		},
		"rotation-plan-end": func() Model {
			return rotationPlanModel(t, "rotation-plan", 1000)
		},
		"rotation-refused": func() Model {
			return rotationPlanModel(t, "rotation-refused", -1)
		},
		"plan-rotation": func() Model {
			m := walkModel()
			m.walk.status, m.walk.kind = rotationStatus(), rotationWalk{readPlan(t, "rotation-plan")}
			m.ws = "workspace-recovery"
			m.open(screenPlan)
			return m
		},
		"finish-rotation": func() Model {
			m := walkModel()
			m.walk.status, m.walk.kind = rotationStatus(), rotationWalk{readPlan(t, "rotation-plan")}
			for i := range m.walk.status.Roles {
				for j := range m.walk.status.Roles[i].Thresholds {
					c := &m.walk.status.Roles[i].Thresholds[j]
					c.Signed, c.Missing, c.Met = c.Missing[:c.Threshold], c.Missing[c.Threshold:], true
				}
				m.walk.status.Roles[i].Met = true
			}
			m.walk.bundle = &ceremony.BundleResult{Out: "workspace-recovery.bundle.tar",
				SHA256:   "6e24932e0c7d02e45dcd6335a591d22b38a26adfe3f03d4e532297df9011a4e2",
				PGPWords: "goldfish Capricorn playhouse coherence ammo insincere accrue tradition exceed sandalwood flatfoot conformist reindeer miracle standard Cherokee classic Pacific Geiger therapist tissue upcoming commence distortion dwelling candidate preshrunk therapist peachy Babylon regain tomorrow"}
			m.walk.status.Seal = &ceremony.SealStatus{Record: 12, By: "alice, wendy"}
			m.walk.status.Bundles = []ceremony.BundleStatus{{Record: 13, SHA256: m.walk.bundle.SHA256, Message: "bundle workspace-recovery.bundle.tar written: 30 entries"}}
			m.open(screenFinish)
			return m
		},
		"claims-form": func() Model {
			m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
			m.chooser.scanned = true
			m.chooser.found = []foundWorkspace{{dir: "ws", summary: "pep480 bootstrap, every threshold met", finished: true, kind: workspace.Bootstrap, signsClaimed: true}}
			i := len(m.choices()) - 3
			m.form = newForm(i, m.choices()[i])
			m.form.fields[clRequests].Value = widget.NewText("requests")
			m.form.focus = clWorkspace
			m.open(screenForm)
			return m
		},
		"claims-review": func() Model {
			return claimsReviewModel(true, 0)
		},
		"claims-review-end": func() Model {
			return claimsReviewModel(true, 1000)
		},
		"claims-review-refused": func() Model {
			return claimsReviewModel(false, 0)
		},
		"plan-claims": func() Model {
			m := walkModel()
			m.walk.status, m.walk.kind = claimsStatus(), fakeClaimsInfo()
			m.ws = "workspace-claims"
			m.open(screenPlan)
			return m
		},
		"review-claims": func() Model {
			m := walkModel()
			m.walk.status, m.walk.kind = claimsStatus(), fakeClaimsInfo()
			m.walk.person, m.walk.keyID = m.walk.status.People[0], m.walk.status.People[0].KeyID
			m.walk.review = []string{"workspace workspace-claims: claims ceremony, profile pep480, repository pypi.example",
				"clients trust root v1, targets v1, claimed v1 now (trusted/); this ceremony signs claimed",
				"the key about to sign, alice (ed25519 a11ce0000000), may sign claimed", "",
				"claimed v2 replaces v1; expires 2027-11-22 (365 days); v1 expires 2027-05-22 (181 days)", "delegations:",
				"  + sampleproject: keys sampleproject maintainer (ed25519 1a2b3c4d5e6f); threshold 1; 2 paths; terminating",
				"  + demo-pkg: keys demo-pkg maintainer (ed25519 1a2b3c4d5e6f), demo-pkg maintainer (ecdsa-sha2-nistp256 9f8e7d6c5b4a); threshold 2; 2 paths; terminating",
				"  12 unchanged", "targets: none",
				"must sign: targets v1 requires 2 of alice, bob, carol; signed: none yet (needs 2 more)",
				"canonical bytes to sign: sha256 d4ef1fc96ef9b38cd83595d98fa67d09dca4ab16974ee0c546cbc9a1efcb02b2"}
			m.open(screenReview)
			m.walk.reviewSeen = m.reviewAtEnd() // as the app sets it when the review arrives
			return m
		},
		"finish-claims": func() Model {
			m := walkModel()
			m.walk.status, m.walk.kind = claimsStatus(), fakeClaimsInfo()
			c := &m.walk.status.Roles[0].Thresholds[0]
			c.Signed, c.Missing, c.Met = c.Missing[:2], c.Missing[2:], true
			m.walk.status.Roles[0].Met = true
			m.walk.bundle = &ceremony.BundleResult{Out: "workspace-claims.bundle.tar",
				SHA256:   "6e24932e0c7d02e45dcd6335a591d22b38a26adfe3f03d4e532297df9011a4e2",
				PGPWords: "goldfish Capricorn playhouse coherence ammo insincere accrue tradition exceed sandalwood flatfoot conformist reindeer miracle standard Cherokee classic Pacific Geiger therapist tissue upcoming commence distortion dwelling candidate preshrunk therapist peachy Babylon regain tomorrow"}
			m.walk.status.Seal = &ceremony.SealStatus{Record: 12, By: "alice, wendy"}
			m.walk.status.Bundles = []ceremony.BundleStatus{{Record: 13, SHA256: m.walk.bundle.SHA256, Message: "bundle workspace-claims.bundle.tar written: 30 entries"}}
			m.open(screenFinish)
			return m
		},
		"finish-bundle": func() Model {
			m := walkModel()
			for i := range m.walk.status.Roles {
				c := &m.walk.status.Roles[i].Thresholds[0]
				c.Signed, c.Missing, c.Met = append(c.Signed, c.Missing...), nil, true
				m.walk.status.Roles[i].Met = true
			}
			m.walk.bundle = &ceremony.BundleResult{Out: "ws.bundle.tar",
				SHA256:   "6e24932e0c7d02e45dcd6335a591d22b38a26adfe3f03d4e532297df9011a4e2",
				PGPWords: "goldfish Capricorn playhouse coherence ammo insincere accrue tradition exceed sandalwood flatfoot conformist reindeer miracle standard Cherokee classic Pacific Geiger therapist tissue upcoming commence distortion dwelling candidate preshrunk therapist peachy Babylon regain tomorrow"}
			m.walk.status.Seal = &ceremony.SealStatus{Record: 12, By: "alice, wendy"}
			m.walk.status.Bundles = []ceremony.BundleStatus{{Record: 13, SHA256: m.walk.bundle.SHA256, Message: "bundle ws.bundle.tar written: 30 entries"}}
			m.open(screenFinish)
			return m
		},
	}
	maps.Copy(cases, sealGoldenCases())
	maps.Copy(cases, dateGoldenCases())
	maps.Copy(cases, outcomeGoldenCases())
	maps.Copy(cases, noteGoldenCases())
	maps.Copy(cases, rehearsalGoldenCases())
	return cases
}

// checkGolden checks that a view fits 80x24 and compares it with
// testdata/NAME.golden.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	lines := strings.Split(got, "\n")
	if len(lines) > 24 {
		t.Errorf("%d lines, more than 24", len(lines))
	}
	for i, l := range lines {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line %d is %d wide: %q", i+1, w, l)
		}
	}
	file := filepath.Join("testdata", name+".golden")
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./tui -run Golden -update)", err)
	}
	if got != string(want) {
		t.Errorf("view differs from %s:\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// Key IDs of the fixture's maintainers.
const (
	maint1ID = "1a2b3c4d5e6f00000000000000000000000000000000000000000000000000a1"
	maint2ID = "9f8e7d6c5b4a00000000000000000000000000000000000000000000000000b2"
)

// fakeClaimsReview is a review of five requests against a claimed role
// that delegates to 12 projects: demo-pkg (2 of 2, unattested keys) and
// sampleproject (a key demo-pkg uses too) to add; flask claimed already by
// other keys, a tampered file and an unnormalized name refused.
func fakeClaimsReview(accepted bool) *claimed.Result {
	ed := &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: "00"}}
	p256 := &metadata.Key{Type: "ecdsa", Scheme: keys.SchemeECDSAP256, Value: metadata.KeyVal{PublicKey: "00"}}
	demo := &claims.Claim{Project: "demo-pkg", Keys: map[string]*metadata.Key{maint1ID: ed, maint2ID: p256}, Threshold: 2}
	sample := &claims.Claim{Project: "sampleproject", Keys: map[string]*metadata.Key{maint1ID: ed}, Threshold: 1}
	refused := []claims.Verdict{
		{File: "requests/flask.claim.json", SHA256: "aa", Project: "flask", Reason: `project "flask" is already claimed by key(s) 5e6f7a8b9c0d (threshold 1); a key change for a claimed project needs a key rotation of its delegation, agreed with its current keys, not a new claim: ask PyPI's administrators`},
		{File: "requests/Foo_Bar.claim.json", SHA256: "bb", Project: "Foo_Bar", Reason: `project "Foo_Bar" is not normalized (PEP 503): write "foo-bar"`},
		{File: "requests/tampered.claim.json", SHA256: "cc", Reason: "envelope.payload: not base64: the file was changed after it was signed; ask the maintainers for the file 'ceremony claim' wrote"},
	}
	rep := &claims.Report{Dir: "requests", Claimed: 12, Ignored: []string{"README.txt"}}
	res := &claimed.Result{Review: rep}
	if accepted {
		rep.Verdicts = append(rep.Verdicts,
			claims.Verdict{File: "requests/demo-pkg.claim.json", SHA256: "dd", Project: "demo-pkg", Claim: demo, Change: claims.ChangeAdd,
				Flags: []string{"key 1a2b3c4d5e6f is also a key of: sampleproject", "no attestation for key(s) 1a2b3c4d5e6f, 9f8e7d6c5b4a: nothing shows they are on a YubiKey"}},
			claims.Verdict{File: "requests/sampleproject.claim.json", SHA256: "ee", Project: "sampleproject", Claim: sample, Change: claims.ChangeAdd,
				Flags: []string{"key 1a2b3c4d5e6f is also a key of: demo-pkg"}})
		res.Accepted, res.ClaimedVersion = []claims.Claim{*demo, *sample}, 2
	}
	rep.Verdicts = append(rep.Verdicts, refused...)
	return res
}

// claimsReviewModel is the claims review screen on fakeClaimsReview,
// scrolled to line top.
func claimsReviewModel(accepted bool, top int) Model {
	m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	m.claims = claimsDraft{opts: claimed.Options{From: "workspace", ClaimsDir: "requests"}, readFirst: readFirst{ws: "workspace-claims", Scroll: widget.Scroll{Top: top}},
		res: fakeClaimsReview(accepted)}
	m.open(screenClaimsReview)
	return m
}

// claimsStatus is a claims workspace's status, nothing signed yet.
func claimsStatus() *ceremony.Status {
	st := fakeStatus()
	st.Dir, st.Kind, st.Profile = "workspace-claims", workspace.Claims, "pep480"
	alice, bob, carol := ceremony.Party{KeyID: aliceID, Holder: "alice"}, ceremony.Party{KeyID: bobID, Holder: "bob"}, ceremony.Party{KeyID: carolID, Holder: "carol"}
	st.Roles = []ceremony.RoleStatus{{Role: "claimed", Version: 2, Expires: time.Date(2027, 11, 22, 0, 0, 0, 0, time.UTC), Thresholds: []ceremony.Count{
		{Delegator: "targets v1", Threshold: 2, Signed: []ceremony.Party{}, Missing: []ceremony.Party{alice, bob, carol}}}}}
	return st
}

// fakeClaimsInfo is what fakeClaimsReview's workspace holds.
func fakeClaimsInfo() *claimsInfo {
	info := &claimsInfo{
		accepted: &delegated.AcceptedProjects{Type: delegated.AcceptedType, Version: 1, Repository: "pypi.example", ClaimedVersion: 2,
			Projects: []delegated.AcceptedProject{{Project: "demo-pkg"}, {Project: "sampleproject"}}},
		review: &claimed.ReviewFile{Type: delegated.ClaimsReviewType, Version: 1, ClaimedBefore: 12},
	}
	for _, v := range fakeClaimsReview(true).Review.Verdicts {
		info.review.Verdicts = append(info.review.Verdicts, claimed.ClaimVerdict{File: "claims/" + filepath.Base(v.File), SHA256: v.SHA256,
			Project: v.Project, Outcome: v.Outcome(), Reason: v.Reason, Flags: v.Flags})
	}
	return info
}

type errorString string

func (e errorString) Error() string { return string(e) }

// readPlan reads a plan 'ceremony rotate --json' printed for a pep458
// repository (root 3 of 5, targets 2 of 3): rotation-plan, carol's key
// stolen and replaced; rotation-refused, alice's, bob's and dave's.
func readPlan(t *testing.T, name string) *rotation.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var p rotation.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

// rotationPlanModel is the rotation plan screen on testdata/NAME.json,
// scrolled to line top; a refused plan opens where the app opens it.
func rotationPlanModel(t *testing.T, name string, top int) Model {
	m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	p := readPlan(t, name)
	m.rotate = rotationDraft{readFirst: readFirst{ws: "workspace-recovery", Scroll: widget.Scroll{Top: top}}, plan: p}
	if !p.InBand {
		m.rotate.refused = fmt.Errorf("%w: %s", rotate.ErrNoInBandRecovery, p.OutOfBand.Statement)
		m.rotate.Top = m.rotationStart()
	}
	m.open(screenRotationPlan)
	return m
}

// rotationStatus is the status of the rotation of testdata/rotation-plan.json,
// nothing signed yet.
func rotationStatus() *ceremony.Status {
	p := func(name, id string) ceremony.Party { return ceremony.Party{KeyID: id, Holder: name} }
	alice, bob := p("alice", "b54ca156634e23266fdd49abdc18f7bd052cd8bb93113fdaacc10da5f092159b"), p("bob", "21fb703bb023c25c824d0b88bfe2016c062caa59fd439f1a948265106e9055b6")
	carolOld, carol := p("carol (compromised key)", "90ace2f118310d0e9fb79dd88419312be95a8237a217d562d988375cf5f83421"), p("carol", "15961e5d156379d05b054b189b1129e3d2c220997992922baa71c42a06dc1cdb")
	dave, erin := p("dave", "ffe5fb018c2b02b720e072894cae55436b26c0d0e41aa84a183551dd4fe86060"), p("erin", "25d4ae455089318f5f47a89855530ce8109209f1d9f764b08ccd266ed5fbdce6")
	expires := time.Date(2027, 11, 22, 6, 24, 58, 0, time.UTC)
	st := &ceremony.Status{Dir: "workspace-recovery", Kind: workspace.Rotation, Profile: "pep458", Repository: "pypi.example",
		Roles: []ceremony.RoleStatus{
			{Role: "root", Version: 2, Expires: expires, Thresholds: []ceremony.Count{
				{Delegator: "previous root v1", Threshold: 3, Signed: []ceremony.Party{}, Missing: []ceremony.Party{alice, bob, dave, erin, carolOld}},
				{Delegator: "root v2", Threshold: 3, Signed: []ceremony.Party{}, Missing: []ceremony.Party{alice, bob, dave, erin, carol}}}},
			{Role: "targets", Version: 2, Expires: expires, Thresholds: []ceremony.Count{
				{Delegator: "root v2", Threshold: 2, Signed: []ceremony.Party{}, Missing: []ceremony.Party{alice, bob, carol}}}},
		}}
	for _, party := range []ceremony.Party{carol, bob, erin, carolOld, alice, dave} {
		name := strings.TrimSuffix(party.Holder, " (compromised key)")
		uri := "file:keys/" + name + ".key"
		if party == carol {
			uri = "file:keys/carol2.key"
		}
		st.People = append(st.People, ceremony.Person{Name: party.Holder, KeyID: party.KeyID, URI: uri, Device: "key file " + strings.TrimPrefix(uri, "file:")})
	}
	return st
}
