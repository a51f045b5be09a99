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

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
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
	p, err := plan.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestScriptSteps(t *testing.T) {
	p := scriptPlan(t)
	s, err := ceremony.Script(p, "bootstrap")
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

	if _, err := ceremony.Script(p, "rotate"); err == nil {
		t.Error("an unknown kind was accepted")
	}
	nr, err := ceremony.Script(p, "next-root")
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
	s, err := ceremony.Script(scriptPlan(t), "bootstrap")
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
	s, err := ceremony.Script(scriptPlan(t), "bootstrap")
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
