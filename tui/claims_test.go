package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// claimsFixture is a finished pep480 bootstrap signed with file keys
// (root: alice, bob, dave, 2 of 3; targets: alice, dave, 1 of 2; claimed:
// alice, bob, carol, 2 of 3), maintainers' keys, and an empty directory
// for claim requests.
type claimsFixture struct {
	t           *testing.T
	dir, boot   string
	requests    string
	maintainers map[string]keys.Signer
}

func newClaimsFixture(t *testing.T) *claimsFixture {
	t.Helper()
	dir := t.TempDir()
	pass := filepath.Join(dir, "pass")
	if err := os.WriteFile(pass, []byte(passphrase), 0o600); err != nil {
		t.Fatal(err)
	}
	var plan strings.Builder
	plan.WriteString("profile: pep480\nrepository: claims.example\nkeyholders:\n")
	for _, name := range []string{"alice", "bob", "carol", "dave", "online"} {
		path := filepath.Join(dir, name+".key")
		if _, err := keys.Generate("file:"+path+"?pin-source="+pass, keys.TypeEd25519, nil); err != nil {
			t.Fatal(err)
		}
		if name != "online" {
			fmt.Fprintf(&plan, "  - {name: %s, contact: %s@claims.example, key: \"file:%s\", public_key: %s.pub}\n", name, name, path, path)
		}
	}
	plan.WriteString("roles:\n  root: {keyholders: [alice, bob, dave], threshold: 2}\n  targets: {keyholders: [alice, dave], threshold: 1}\n" +
		"  claimed: {keyholders: [alice, bob, carol], threshold: 2}\n  bins: {count: 16}\n")
	fmt.Fprintf(&plan, "online:\n  - {name: online, public_key: %s.pub}\n", filepath.Join(dir, "online.key"))
	planFile := filepath.Join(dir, "plan.yaml")
	if err := os.WriteFile(planFile, []byte(plan.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	boot := filepath.Join(dir, "boot")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planFile, Dir: boot}); err != nil {
		t.Fatalf("init: %v", err)
	}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: boot, KeyURI: "file:" + filepath.Join(dir, name+".key") + "?pin-source=" + pass}); err != nil {
			t.Fatalf("sign as %s: %v", name, err)
		}
	}
	if st, err := ceremony.GetStatus(boot); err != nil || !st.AllMet() {
		t.Fatalf("the bootstrap is not finished: %v", err)
	}
	f := &claimsFixture{t: t, dir: dir, boot: boot, requests: filepath.Join(dir, "requests"), maintainers: map[string]keys.Signer{}}
	for _, name := range []string{"m1", "m2", "m3"} {
		s, err := keys.GenerateSoftware("memory:"+name, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		f.maintainers[name] = s
	}
	if err := os.MkdirAll(f.requests, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// request writes FILE into the requests directory: project's claim by the
// maintainers named, as 'ceremony claim' makes it.
func (f *claimsFixture) request(file, project string, threshold int, names ...string) []byte {
	f.t.Helper()
	var signers []keys.Signer
	for _, n := range names {
		signers = append(signers, f.maintainers[n])
	}
	data, err := claims.MakeRequest(project, signers, threshold, time.Now(), nil)
	if err != nil {
		f.t.Fatalf("claim request for %s: %v", project, err)
	}
	if err := os.WriteFile(filepath.Join(f.requests, file), data, 0o644); err != nil {
		f.t.Fatal(err)
	}
	return data
}

// tampered writes FILE: project's claim with its signed payload changed
// after signing.
func (f *claimsFixture) tampered(file, project string) {
	f.t.Helper()
	data := string(f.request(file, project, 1, "m3"))
	bad := strings.Replace(data, `"payload": "`, `"payload": "A`, 1)
	if bad == data {
		f.t.Fatal("no payload to tamper with")
	}
	if err := os.WriteFile(filepath.Join(f.requests, file), []byte(bad), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// claimsForm opens the chooser on dir and the claims ceremony's form.
func claimsForm(t *testing.T, dir string) Model {
	t.Helper()
	m := NewChooser(eng, dir).WithStyles(DefaultStyles(true))
	m = run[workspacesFoundMsg](t, m, m.Init())
	for !strings.HasPrefix(m.choices()[m.chooser.cursor].title, "PEP 480 claims ceremony") {
		m, _ = update(t, m, key("j"))
	}
	m, _ = update(t, m, key("enter"))
	m = confirmToday(t, m)
	if m.screen != screenForm {
		t.Fatalf("screen %s, want the form", m.screen)
	}
	mustShow(t, m, "PEP 480 claims ceremony (take maintainers' claims into claimed)", "plan (names claimed's keyholders): -")
	return m
}

// fillClaims sets the form's requests directory and new workspace (the
// source stays as the chooser found it, unless from is given).
func fillClaims(t *testing.T, m Model, from, requests, ws string) Model {
	t.Helper()
	if from != "" {
		m = setField(t, m, from)
	}
	for m.form.focus < clRequests {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	m = setField(t, m, requests)
	for m.form.focus < clWorkspace {
		m, _ = update(t, m, keyCode(tea.KeyTab))
	}
	return setField(t, m, ws)
}

// mustShowWrapped is mustShow for texts the screen may have wrapped.
func mustShowWrapped(t *testing.T, m Model, texts ...string) {
	t.Helper()
	v := strings.Join(strings.Fields(view(m)), " ")
	for _, text := range texts {
		if !strings.Contains(v, text) {
			t.Fatalf("%s screen lacks %q:\n%s", m.screen, text, view(m))
		}
	}
}

// TestClaimsCeremonyThroughTheApp: chooser, form, the review read before
// anything is written (one request to add, one tampered and refused with
// its reason), y, then the walk-through of the claims workspace: its plan
// says what it adds, the roll call calls claimed's keyholders only, the
// review before the passphrase shows the project added, the bundle holds
// the requests and what the online side does, and verifies.
func TestClaimsCeremonyThroughTheApp(t *testing.T) {
	f := newClaimsFixture(t)
	f.request("demo-pkg.claim.json", "demo-pkg", 2, "m1", "m2")
	f.tampered("tampered.claim.json", "other-pkg")
	private := t.TempDir()
	t.Setenv("TMPDIR", private)

	m := claimsForm(t, f.dir)
	if got := m.form.values()[clFrom]; got != f.boot {
		t.Fatalf("the form starts from %q, want the finished pep480 workspace %s", got, f.boot)
	}
	newWS := filepath.Join(f.dir, "ws-claims")
	m = fillClaims(t, m, "", f.requests, newWS)
	m, cmd := update(t, m, key("enter"))
	mustShow(t, m, "reviewing the claim requests")
	// Nothing is taken while the review is worked out.
	if m2, _ := update(t, m, key("x")); m2.form.values()[clWorkspace] != newWS {
		t.Fatal("the form took a key while the review was worked out")
	}
	m = run[claimsReviewedMsg](t, m, cmd)
	if m.screen != screenClaimsReview {
		t.Fatalf("screen %s, want the claims review; status %q", m.screen, m.statusLine)
	}
	mustShow(t, m, "PEP 480 claims ceremony · the review · nothing is created yet",
		"2 request(s): 1 to add · 0 unchanged · 1 refused",
		"PROJECT", "THRESHOLD", "VERDICT", "demo-pkg", "2 of 2", "add (1 flag)", "(tampered.claim.json)", "refused",
		"claimed v2 adds 1 project(s)", "y creates")
	mustNotExist(t, newWS)
	if left, _ := os.ReadDir(private); len(left) != 0 {
		t.Fatalf("the review left %d entries in its private directory", len(left))
	}
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	mustShowWrapped(t, m, "Refused: the reason to send each request's maintainers", "tampered.claim.json: envelope.payload",
		"changed after it was signed", "Flags: look at these before y", "no attestation for key(s)",
		"claimed delegates to 0 project(s) now; claimed v2 will delegate to 1", "the end: y creates the workspace")

	m, cmd = update(t, m, key("y"))
	mustShow(t, m, "creating the workspace")
	m = run[claimsCreatedMsg](t, m, cmd)
	if st, err := ceremony.GetStatus(m.ws); err != nil || !strings.Contains(st.DateConfirmed, "the room confirmed the date") {
		t.Fatalf("the claims workspace does not keep the confirmed date: %v %+v", err, st)
	}
	if m.screen != screenPlan || m.ws != newWS || m.statusErr {
		t.Fatalf("after y: screen %s, workspace %q, status %q", m.screen, m.ws, m.statusLine)
	}
	m, cmd = update(t, m, LoadStatus(m.ws)())
	// The roll call waits for what the ceremony adds.
	if m2, _ := update(t, m, key("enter")); m2.screen != screenPlan || !strings.Contains(m2.statusLine, "not read yet") {
		t.Fatalf("enter before the projects were read: screen %s, status %q", m2.screen, m2.statusLine)
	}
	m = run[kindLoadedMsg](t, m, cmd)
	mustShow(t, m, "pep480 claims", "PEP 480 CLAIMS CEREMONY · signing claimed v2 · adds 1 project(s)", "  demo-pkg",
		"1 request(s) refused, 0 unchanged", "claims-review.json", "claimed   v2", "2 of 3", "alice, bob, carol")

	m, _ = update(t, m, key("enter"))
	mustShow(t, m, "roll call", "alice", "bob", "carol")
	if strings.Contains(view(m), "dave") {
		t.Fatalf("the roll call calls dave, who holds no claimed key:\n%s", view(m))
	}
	m, _ = update(t, m, key("a"))
	m, cmd = update(t, m, key("enter"))
	m = run[rollCallRecordedMsg](t, m, cmd)

	var signed []string
	for m.screen == screenDevice {
		m = signClaimsTurn(t, m)
		signed = append(signed, m.walk.person.Name)
		m, _ = update(t, m, key("enter"))
	}
	if len(signed) < 2 || slices.Contains(signed, "dave") {
		t.Fatalf("signed by %v, want claimed's keyholders", signed)
	}
	m = sealAll(t, m)
	mustShow(t, m, "✓ sealed at transcript record", "claimed v2: ")
	mustShowWrapped(t, m, "✓ bundle written", "the bundle holds claimed v2", "the online side drops demo-pkg from recently-claimed")
	b, err := bundle.Read(m.walk.bundle.Out, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"metadata/2.claimed.json", workspace.AcceptedFile, workspace.ClaimsReviewFile,
		"claims/demo-pkg.claim.json", "claims/tampered.claim.json"} {
		if _, ok := b.Get(name); !ok {
			t.Errorf("the bundle lacks %s", name)
		}
	}
	m, cmd = update(t, m, key("v"))
	m = run[verifyDoneMsg](t, m, cmd)
	mustShow(t, m, "✓ verify", "✓ replay")
	if !m.result.ok {
		t.Fatalf("the bundle does not verify:\n%s", view(m))
	}
	if rep, err := eng.Replay(newWS); err != nil || !rep.OK() {
		t.Fatalf("replay of %s: %v %+v", newWS, err, rep)
	}

	// Back at the chooser, the next claims ceremony starts from this one;
	// a rotation still from the bootstrap, which signs root.
	c := NewChooser(eng, f.dir).WithStyles(DefaultStyles(true))
	c = run[workspacesFoundMsg](t, c, c.Init())
	mustShow(t, c, "Resume "+newWS, "pep480 claims, every threshold met")
	if got := c.chooser.lastClaimsSource(); got != newWS {
		t.Errorf("the claims form would start from %q, want %s", got, newWS)
	}
	if got := c.chooser.lastFinished(); got != f.boot {
		t.Errorf("the rotation forms would start from %q, want the bootstrap %s", got, f.boot)
	}
}

// signClaimsTurn signs claimed as the keyholder whose device step m is at,
// typing the passphrase, and returns at the signed screen.
func signClaimsTurn(t *testing.T, m Model) Model {
	t.Helper()
	name := m.walk.person.Name
	mustShow(t, m, name+"'s turn · to sign: claimed v2")
	m = signFileTurn(t, m, "claims ceremony: 1 project(s) added to claimed", "claimed v2 replaces v1", "+ demo-pkg: keys demo-pkg maintainer")
	mustShow(t, m, "✓ "+name+" signed claimed")
	return m
}

// TestClaimsAllRefusedCreatesNothing: when no request is accepted the
// review lists every refusal with its reason and only goes back; y
// creates nothing.
func TestClaimsAllRefusedCreatesNothing(t *testing.T) {
	f := newClaimsFixture(t)
	f.tampered("tampered.claim.json", "other-pkg")
	f.request("a.claim.json", "twice", 1, "m1")
	f.request("b.claim.json", "twice", 1, "m2")
	m := claimsForm(t, f.dir)
	newWS := filepath.Join(f.dir, "ws-none")
	m = fillClaims(t, m, "", f.requests, newWS)
	m, cmd := update(t, m, key("enter"))
	m = run[claimsReviewedMsg](t, m, cmd)
	if m.screen != screenClaimsReview {
		t.Fatalf("screen %s, want the review; status %q", m.screen, m.statusLine)
	}
	mustShow(t, m, "3 request(s): 0 to add · 0 unchanged · 3 refused", "NOTHING IS ACCEPTED", "esc back to the form")
	if strings.Contains(view(m), "y create") {
		t.Fatalf("a review with nothing accepted offers to create a workspace:\n%s", view(m))
	}
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	mustShowWrapped(t, m, "a.claim.json (twice): project \"twice\" is asked for by 2 requests", "b.claim.json (twice)",
		"tampered.claim.json: envelope.payload", "stays as it is: no workspace is created", "the end: esc goes back")
	m, cmd = update(t, m, key("y"))
	if cmd != nil || !m.statusErr {
		t.Fatalf("y with nothing accepted: command %v, error %v", cmd != nil, m.statusErr)
	}
	mustNotExist(t, newWS)
	m, _ = update(t, m, key("esc"))
	if m.screen != screenForm || m.form.values()[clWorkspace] != newWS {
		t.Fatalf("esc: screen %s, form %q", m.screen, m.form.values())
	}
}

// TestClaimsFormErrors: a source or directory that cannot be used gets
// one line on the form; nothing is written.
func TestClaimsFormErrors(t *testing.T) {
	f := newClaimsFixture(t)
	f.request("demo-pkg.claim.json", "demo-pkg", 1, "m1")
	used := filepath.Join(f.dir, "used")
	if err := os.MkdirAll(filepath.Join(used, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(f.dir, "empty")
	if err := os.MkdirAll(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	unfinished := fileWorkspace(t)
	_, pep458 := finishedFileWorkspace(t)
	newWS := filepath.Join(f.dir, "ws-new")
	for _, tc := range []struct {
		name           string
		from, requests string
		ws             string
		want           string
	}{
		{name: "missing source", from: filepath.Join(f.dir, "nowhere"), want: "failed to read"},
		{name: "unfinished source", from: unfinished, want: "is not finished (signatures are missing)"},
		{name: "pep458 source", from: pep458, want: "does not hold the claimed metadata in force"},
		{name: "missing requests", requests: filepath.Join(f.dir, "no-requests"), want: "failed to read the claim requests' directory"},
		{name: "no requests", requests: empty, want: "no claim requests (*.json files) in " + empty},
		{name: "workspace in use", ws: used, want: "is not empty: choose a new directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := claimsForm(t, f.dir)
			requests, ws := f.requests, newWS
			if tc.requests != "" {
				requests = tc.requests
			}
			if tc.ws != "" {
				ws = tc.ws
			}
			m = fillClaims(t, m, tc.from, requests, ws)
			m, cmd := update(t, m, key("enter"))
			m = run[claimsReviewedMsg](t, m, cmd)
			if m.screen != screenForm || !m.statusErr || strings.Contains(m.statusLine, "\n") {
				t.Fatalf("screen %s, status %q", m.screen, m.statusLine)
			}
			if v := strings.Join(strings.Fields(view(m)), " "); !strings.Contains(v, tc.want) {
				t.Fatalf("the form lacks %q:\n%s", tc.want, view(m))
			}
			mustNotExist(t, newWS)
		})
	}
}

// TestClaimsRequestsChangedBeforeY: a request added between the review
// and y is taken in by ClaimsInit; the plan screen's status line says the
// workspace adds other projects than the review showed.
func TestClaimsRequestsChangedBeforeY(t *testing.T) {
	f := newClaimsFixture(t)
	f.request("demo-pkg.claim.json", "demo-pkg", 1, "m1")
	m := claimsForm(t, f.dir)
	m = fillClaims(t, m, "", f.requests, filepath.Join(f.dir, "ws-changed"))
	m, cmd := update(t, m, key("enter"))
	m = run[claimsReviewedMsg](t, m, cmd)
	f.request("late.claim.json", "late", 1, "m2")
	m, cmd = update(t, m, key("y"))
	m = run[claimsCreatedMsg](t, m, cmd)
	if !m.statusErr || !strings.Contains(m.statusLine, "the requests changed after the review") || !strings.Contains(m.statusLine, "adds demo-pkg, late, not demo-pkg") {
		t.Fatalf("status after a request changed: %q", m.statusLine)
	}
}

// TestClaimsReviewQuotesHostileText: a project name, file name or reason
// from a request file that holds terminal escapes or look-alike characters
// is shown escaped (safetext), on its line, never sent to the terminal as
// it is.
func TestClaimsReviewQuotesHostileText(t *testing.T) {
	m := claimsReviewModel(false, 0)
	rep := m.claims.res.Review
	rep.Verdicts = append(rep.Verdicts, claims.Verdict{File: "requests/x\x1b[2J.claim.json", Project: "evil\x1b[31mred\u202e",
		Reason: "project \"evil\x1b[31m\" has \"\\x1b\" at offset 4\nrm -rf"})
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	v := view(m)
	if strings.ContainsAny(v, "\x1b\u202e") {
		t.Fatalf("a request's text reached the terminal as it is:\n%q", v)
	}
	mustShowWrapped(t, m, `x\u001b[2J.claim.json`)
	m.claims.Top = 0
	mustShow(t, m, `evil\u001b[31mred\u202e`)
}

// TestClaimsReviewEscStopsWaiting: esc while the review is worked out
// gives the form back; the review arriving later is dropped.
func TestClaimsReviewEscStopsWaiting(t *testing.T) {
	m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	m.chooser.scanned, m.chooser.names = true, map[string]bool{"claims": true}
	i := slices.IndexFunc(m.choices(), func(c choice) bool { return strings.HasPrefix(c.title, "PEP 480 claims") })
	m.chooser.cursor = i
	m, _ = update(t, m, key("enter"))
	m = confirmToday(t, m)
	m = setField(t, m, "repo")
	for m.form.focus < clWorkspace {
		m, _ = update(t, m, key("enter"))
	}
	m, cmd := update(t, m, key("enter"))
	if cmd == nil || !m.claims.reviewing {
		t.Fatal("enter on the last field did not start the review")
	}
	mustShow(t, m, "esc stop waiting")
	m, _ = update(t, m, key("esc"))
	mustShow(t, m, "stopped waiting for the review")
	m, _ = update(t, m, claimsReviewedMsg{opts: m.claims.opts, ws: "workspace-claims", res: fakeClaimsReview(true)})
	if m.screen != screenForm || m.form.values()[clFrom] != "repo" {
		t.Fatalf("a review that came after esc opened: screen %s", m.screen)
	}
}

// TestClaimsReviewKeptLines: the review's lines are rendered once when it
// comes and again when the window changes width; what the screen shows
// from them, scrolled, is what rendering it afresh shows.
func TestClaimsReviewKeptLines(t *testing.T) {
	m := NewChooser(eng, ".").WithStyles(DefaultStyles(true))
	m.claims = claimsDraft{reviewing: true}
	m.open(screenForm)
	m, _ = update(t, m, claimsReviewedMsg{opts: claimed.Options{From: "workspace", ClaimsDir: "requests"}, ws: "workspace-claims", res: fakeClaimsReview(true)})
	if m.screen != screenClaimsReview || m.claims.lines == nil {
		t.Fatalf("screen %s, lines kept %v", m.screen, m.claims.lines != nil)
	}
	fresh := func(m Model) string {
		m.claims.lines = nil
		return view(m)
	}
	for _, msg := range []tea.Msg{keyCode(tea.KeyPgDown), tea.WindowSizeMsg{Width: 50, Height: 20}, keyCode(tea.KeyEnd),
		tea.WindowSizeMsg{Width: 120, Height: 30}, keyCode(tea.KeyUp), keyCode(tea.KeyHome)} {
		m, _ = update(t, m, msg)
		if got, want := view(m), fresh(m); got != want {
			t.Fatalf("after %v the screen shows\n%s\nrendered afresh it shows\n%s", msg, got, want)
		}
	}
	if m.claims.linesWidth != 120 {
		t.Errorf("lines kept for width %d, want 120", m.claims.linesWidth)
	}
}
