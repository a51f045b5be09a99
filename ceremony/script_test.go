package ceremony_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/ceremony/script"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// scriptPlan writes a pep458 plan with a file key (alice), YubiKeys (bob,
// carol) and public keys only (dave, erin); the contact of carol and the
// repository hold characters HTML must escape.
func scriptPlan(t *testing.T) *plan.Plan {
	t.Helper()
	f := newFixture(t, "alice", "bob", "carol", "dave", "erin")
	yaml := `profile: pep458
repository: "pypi.org <b>&amp"
keyholders:
  - {name: alice, contact: alice@example.org, key: "file:keys/alice.key"}
  - {name: bob, contact: bob@example.org, key: "yubikey:serial=19088743;slot-id=9c", public_key: keys/bob.pub}
  - {name: carol, contact: "<b>carol & co</b>", key: "yubikey:serial=5551212;slot-id=9c", public_key: keys/carol.pub}
  - {name: dave, contact: dave@example.org, public_key: keys/dave.pub}
  - {name: erin, contact: erin@example.org, public_key: keys/erin.pub}
roles:
  root: {keyholders: [alice, bob, carol, dave, erin], threshold: 3, expires_days: 365}
  targets: {keyholders: [carol, alice], threshold: 2, expires_days: 365}
  bins: {count: 16}
online:
  - {name: online, public_key: keys/online.pub, uri: "test:online-key"}
`
	pass := filepath.Join(f.dir, "alice.pass")
	if err := os.WriteFile(pass, []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Generate("file:"+filepath.Join(f.dir, "keys", "alice.key")+"?pin-source="+pass, keys.TypeEd25519, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.dir, "plan.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := plan.Load(path, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScriptSteps(t *testing.T) {
	p := scriptPlan(t)
	s, err := bootstrap.Script(p, "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	alice, _ := p.Keyholder("alice")
	type signStep struct{ who, role, cmd string }
	var got []signStep
	var phases []string
	for i, st := range s.Steps {
		if st.Number != i+1 {
			t.Errorf("step %d is numbered %d", i+1, st.Number)
		}
		if len(phases) == 0 || phases[len(phases)-1] != st.Phase {
			phases = append(phases, st.Phase)
		}
		if st.Phase != "sign" {
			continue
		}
		want := map[string]int{"root": 3, "targets": 2}[st.Role]
		if st.Threshold != want {
			t.Errorf("step %d (%s signs %s): threshold %d, want %d", st.Number, st.Who, st.Role, st.Threshold, want)
		}
		if len(st.Commands) != 1 {
			t.Fatalf("step %d: commands %q", st.Number, st.Commands)
		}
		got = append(got, signStep{st.Who, st.Role, st.Commands[0]})
	}
	if w := "preparation init sign status seal bundle read-aloud verify"; strings.Join(phases, " ") != w {
		t.Errorf("phases %q, want %q", strings.Join(phases, " "), w)
	}
	aliceCmd := func(role string) string { return "ceremony sign --key " + alice.Key + " --role " + role + " ws" }
	bobCmd := "ceremony sign --key 'yubikey:serial=19088743;slot-id=9c' --role root ws"
	carolCmd := func(role string) string {
		return "ceremony sign --key 'yubikey:serial=5551212;slot-id=9c' --role " + role + " ws"
	}
	want := []signStep{
		{"alice", "root", aliceCmd("root")},
		{"bob", "root", bobCmd},
		{"carol", "root", carolCmd("root")},
		{"dave", "root", "ceremony sign --key KEY-URI --role root ws"},
		{"erin", "root", "ceremony sign --key KEY-URI --role root ws"},
		{"carol", "targets", carolCmd("targets")},
		{"alice", "targets", aliceCmd("targets")},
	}
	if len(got) != len(want) {
		t.Fatalf("sign steps %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sign step %d: %+v, want %+v", i+1, got[i], want[i])
		}
	}
	var all bytes.Buffer
	for _, st := range s.Steps {
		all.WriteString(strings.Join(st.Details, "\n") + "\n" + strings.Join(st.Commands, "\n") + "\n")
	}
	for _, w := range []string{
		"ceremony init --plan " + p.Path + " ws",
		"bob connects YubiKey serial 19088743, slot 9c.",
		"carol connects YubiKey serial 5551212, slot 9c.",
		"bob <bob@example.org>; key yubikey:serial=19088743;slot-id=9c; YubiKey serial 19088743, slot 9c; signs root",
		"ceremony status ws",
		"ceremony seal --key " + alice.Key + " --key 'yubikey:serial=19088743;slot-id=9c' --key 'yubikey:serial=5551212;slot-id=9c' ws",
		"ceremony bundle --out ceremony-bundle.tar ws",
		"PGP words",
		"ceremony verify ceremony-bundle.tar",
	} {
		if !strings.Contains(all.String(), w) {
			t.Errorf("script lacks %q", w)
		}
	}
	var serials []string
	for _, h := range s.Keyholders {
		serials = append(serials, h.Name+"="+h.Serial)
	}
	if g, w := strings.Join(serials, " "), "alice= bob=19088743 carol=5551212 dave= erin="; g != w {
		t.Errorf("roll call serials %q, want %q", g, w)
	}

	if _, err := bootstrap.Script(p, "rotate"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	nr, err := bootstrap.Script(p, "next-root")
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range nr.Steps {
		if st.Phase == "sign" && st.Role != "root" {
			t.Errorf("next-root script signs %s", st.Role)
		}
		if st.Phase == "init" && !strings.Contains(st.Commands[0], "--from root.json") {
			t.Errorf("next-root init %q lacks --from", st.Commands[0])
		}
	}
}

func TestScriptMarkdown(t *testing.T) {
	s, err := bootstrap.Script(scriptPlan(t), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if n := strings.Count(md, "Witness initials: ________  Time: ________"); n != len(s.Steps) {
		t.Errorf("%d initials lines for %d steps", n, len(s.Steps))
	}
	for _, st := range s.Steps {
		head := "\n## " + itoa(st.Number) + ". " + st.Title + "\n"
		i := strings.Index(md, head)
		if i < 0 {
			t.Fatalf("no heading %q", head)
		}
		next := strings.Index(md[i+1:], "\n## ")
		body := md[i:]
		if next >= 0 {
			body = md[i : i+1+next]
		}
		if !strings.Contains(body, "Witness initials:") {
			t.Errorf("step %d has no initials line", st.Number)
		}
		for _, c := range st.Commands {
			if !strings.Contains(body, "$ "+c+"\n") {
				t.Errorf("step %d lacks command %q", st.Number, c)
			}
		}
	}
}

func itoa(n int) string {
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestScriptHTML(t *testing.T) {
	s, err := bootstrap.Script(scriptPlan(t), "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := s.HTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if strings.Contains(page, "<b>") || strings.Contains(page, "</b>") {
		t.Error("the contact or repository was not escaped")
	}
	for _, w := range []string{"&lt;b&gt;carol &amp; co&lt;/b&gt;", "pypi.org &lt;b&gt;&amp;amp", "@media print", "page-break-inside: avoid",
		"<th>Witness initials</th><th>Time</th>", "yubikey:serial=19088743;slot-id=9c"} {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
	for _, bad := range []string{"http:", "https:", "<script", "<link", "src="} {
		if strings.Contains(page, bad) {
			t.Errorf("page is not self-contained: it holds %q", bad)
		}
	}
	if n := strings.Count(page, `<tr class="step"`); n != len(s.Steps) {
		t.Errorf("%d step rows for %d steps", n, len(s.Steps))
	}
	// Well-formed enough: every element the page opens is closed, in order
	// (the only void element, meta, is written self-closed).
	d := xml.NewDecoder(strings.NewReader(strings.Replace(page, "<!DOCTYPE html>", "", 1)))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	depth := 0
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("page does not parse: %v", err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		t.Errorf("unbalanced elements: depth %d at the end", depth)
	}
}

// rotationScriptOf makes a rotation workspace from the finished bootstrap
// and returns its script.
func rotationScriptOf(t *testing.T, f *fixture, ws string, opts rotate.Options) (*script.Script, string) {
	t.Helper()
	dir := f.ws("ws-rotation")
	opts.From, opts.Dir = ws, dir
	if _, err := f.rotate(opts); err != nil {
		t.Fatal(err)
	}
	s, err := rotate.Script(dir, "recovery.tar")
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

// stepIndex is the number of the first step whose title or details hold
// text, 0 if none.
func stepIndex(s *script.Script, text string) int {
	for _, st := range s.Steps {
		if strings.Contains(st.Title+"\n"+strings.Join(st.Details, "\n"), text) {
			return st.Number
		}
	}
	return 0
}

// TestRotationScriptStolenKey: carol's key is stolen and replaced. The
// script reads the incident first, then the roll call, then each threshold
// in the plan's order; the stolen key is named as NOT signing and never
// given a signing step, while carol signs with her new key.
func TestRotationScriptStolenKey(t *testing.T) {
	f, ws := bootstrapped(t)
	s, dir := rotationScriptOf(t, f, ws, rotate.Options{Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.dir, "keys", "frank.pub")}}})
	if s.Kind != workspace.Rotation || s.Workspace != dir || s.Plan != filepath.Join(dir, workspace.RotationFile) {
		t.Errorf("script of %+v", s)
	}
	stolen, stolenShort, carolNew := f.id("carol"), f.id("carol")[:12], f.id("frank")
	var phases []string
	type signStep struct{ who, role, keyID string }
	var signs []signStep
	for i, st := range s.Steps {
		if st.Number != i+1 {
			t.Errorf("step %d is numbered %d", i+1, st.Number)
		}
		if len(phases) == 0 || phases[len(phases)-1] != st.Phase {
			phases = append(phases, st.Phase)
		}
		if st.Phase != "sign" {
			continue
		}
		signs = append(signs, signStep{st.Who, st.Role, st.KeyID})
		text := st.Title + strings.Join(st.Details, " ") + strings.Join(st.Commands, " ")
		if st.KeyID == stolen || strings.Contains(text, stolenShort) {
			t.Errorf("step %d gives the stolen key a signature: %+v", st.Number, st)
		}
		if len(st.Commands) != 1 || !strings.HasPrefix(st.Commands[0], "ceremony sign --key ") || !strings.HasSuffix(st.Commands[0], " --role "+st.Role+" "+dir) {
			t.Errorf("step %d: commands %q", st.Number, st.Commands)
		}
	}
	if got, want := strings.Join(phases, " "), "preparation incident preparation threshold sign threshold sign threshold sign status seal bundle read-aloud verify online"; got != want {
		t.Errorf("phases:\n got %s\nwant %s", got, want)
	}
	// The previous root: every usable key of root v1 in its order; the
	// new root: carol's new key only (the others' signatures count for
	// both); targets v2: alice, bob and carol's new key.
	want := []signStep{
		{"alice", "root", f.id("alice")}, {"bob", "root", f.id("bob")}, {"dave", "root", f.id("dave")}, {"erin", "root", f.id("erin")},
		{"carol", "root", carolNew},
		{"alice", "targets", f.id("alice")}, {"bob", "targets", f.id("bob")}, {"carol", "targets", carolNew},
	}
	if len(signs) != len(want) {
		t.Fatalf("sign steps:\n got %v\nwant %v", signs, want)
	}
	for i := range want {
		if signs[i] != want[i] {
			t.Errorf("sign step %d: %v, want %v", i+1, signs[i], want[i])
		}
	}
	// The stolen key is named, loudly, where it would have signed.
	prev := stepIndex(s, "root v2 under previous root v1")
	notSigning := stepIndex(s, "NOT signing: carol ("+stolenShort+"), COMPROMISED")
	if prev == 0 || notSigning != prev {
		t.Errorf("the previous root's threshold (step %d) does not name carol's stolen key as not signing (step %d)", prev, notSigning)
	}
	if i := stepIndex(s, "targets v2 no longer lists carol ("+stolenShort+"), which is COMPROMISED"); i == 0 || s.Steps[i-1].Phase != "threshold" {
		t.Errorf("targets' threshold does not say the stolen key does not sign (step %d)", i)
	}
	// In order: incident summary, roll call, the replacement checked, the
	// signatures, seal, bundle, hashes read aloud, verification, online.
	order := []string{"Read the incident summary aloud", "carol (" + stolenShort + "): STOLEN", "Roll call of keyholders",
		"Check each replacement key", "it must be " + carolNew, "root v2 under previous root v1", "root v2 under root v2", "targets v2 under root v2",
		"Check that every threshold is met", "Seal the transcript", "Write the bundle", "Read the hashes aloud", "Verify the bundle on the online machine",
		"Keep the evidence first", "Upload, exactly as bundled", "Check as a client would"}
	last := 0
	for _, text := range order {
		i := stepIndex(s, text)
		if i == 0 || i < last {
			t.Errorf("%q is at step %d, after step %d", text, i, last)
		}
		last = max(last, i)
	}
	roll := s.Steps[stepIndex(s, "Roll call of keyholders")-1]
	if !hasLabel(roll.Details, "carol ("+stolenShort+"): key "+stolen+" is STOLEN and signs NOTHING") {
		t.Errorf("roll call: %v", roll.Details)
	}
	if i := stepIndex(s, "Verify the bundle on the online machine"); i == 0 || !strings.Contains(strings.Join(s.Steps[i-1].Commands, " "), "ceremony verify --trusted-root 1.root.json recovery.tar") {
		t.Errorf("verify step: %+v", s.Steps[i-1])
	}

	var b bytes.Buffer
	if err := s.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "Witness initials: ________  Time: ________"); n != len(s.Steps) {
		t.Errorf("%d initials lines for %d steps", n, len(s.Steps))
	}
	if !strings.Contains(b.String(), "# Ceremony script: rotation ceremony, profile pep458, repository test.example") {
		t.Errorf("markdown title:\n%s", b.String()[:200])
	}
	b.Reset()
	if err := s.HTML(&b); err != nil || strings.Count(b.String(), `<tr class="step"`) != len(s.Steps) {
		t.Errorf("html: %v", err)
	}
}

// TestRotationScriptOnlineOrder: the online server is compromised. The
// online steps keep the plan's order: the new online key in service
// before the new root, the bins compared with the last good snapshot,
// the fast-forward recovery, the check as a client, last.
func TestRotationScriptOnlineOrder(t *testing.T) {
	f, ws := bootstrapped(t)
	s, _ := rotationScriptOf(t, f, ws, rotate.Options{Online: true, LastGood: ws,
		Replace: []rotate.Replacement{{Old: "online", New: filepath.Join(f.dir, "keys", "online2.pub")}}})
	var online []int
	for _, st := range s.Steps {
		if st.Phase == "online" {
			online = append(online, st.Number)
		}
		if st.Phase == "sign" && st.KeyID == f.id("online") {
			t.Errorf("the stolen online key signs at step %d", st.Number)
		}
	}
	live := stepIndex(s, "BEFORE root v2 is uploaded")
	bins := stepIndex(s, "Compare every hash bin with the last good snapshot")
	upload := stepIndex(s, "Upload, exactly as bundled")
	ff := stepIndex(s, "Fast-forward recovery")
	check := stepIndex(s, "Check as a client would")
	if live == 0 || bins == 0 || ff == 0 || !(stepIndex(s, "Verify the bundle") < live && live < bins && bins < upload && upload < ff && ff < check) {
		t.Errorf("online steps out of order: online key live %d, bins %d, upload %d, fast-forward %d, client check %d", live, bins, upload, ff, check)
	}
	if len(online) == 0 || online[len(online)-1] != check || check != len(s.Steps) {
		t.Errorf("the client check is not the last step: %d of %d", check, len(s.Steps))
	}
	if !hasLabel(s.Steps[ff-1].Details, "5.3.11") {
		t.Errorf("fast-forward step: %v", s.Steps[ff-1].Details)
	}
}

// TestRotationScriptSwap: bob swaps his own key (planned). Unlike a
// stolen key, his retired key does sign: the previous root, while his new
// key signs the new root and targets.
func TestRotationScriptSwap(t *testing.T) {
	f, ws := bootstrapped(t)
	s, _ := rotationScriptOf(t, f, ws, rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.dir, "keys", "frank.pub")}}})
	var bob []string
	for _, st := range s.Steps {
		if st.Phase == "sign" && st.Who == "bob" {
			bob = append(bob, st.Role+" "+st.KeyID)
		}
	}
	want := []string{"root " + f.id("bob"), "root " + f.id("frank"), "targets " + f.id("frank")}
	if strings.Join(bob, ",") != strings.Join(want, ",") {
		t.Errorf("bob's steps %v, want %v", bob, want)
	}
	if i := stepIndex(s, "Read the rotation summary aloud"); i == 0 || stepIndex(s, "NOT signing") != 0 {
		t.Errorf("a planned rotation's script: summary at %d, a key not signing at %d", i, stepIndex(s, "NOT signing"))
	}
}

func TestRotationScriptRefusals(t *testing.T) {
	f, ws := bootstrapped(t)
	if _, err := rotate.Script(ws, ""); err == nil || !strings.Contains(err.Error(), "is a bootstrap workspace, not a rotation") {
		t.Errorf("the script of a bootstrap workspace as a rotation: %v", err)
	}
	_, dir := rotationScriptOf(t, f, ws, rotate.Options{Lost: []string{"erin"}})
	p := filepath.Join(dir, workspace.RotationFile)
	if err := os.WriteFile(p, append(readFile(t, p), ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := rotate.Script(dir, ""); err == nil || !strings.Contains(err.Error(), "changed after the rotation began") {
		t.Errorf("a changed rotation.json: %v", err)
	}
}
