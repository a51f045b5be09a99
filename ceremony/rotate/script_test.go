package rotate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/rotate"
	"github.com/tuf-ceremony/ceremony/ceremony/script"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// rotationScriptOf makes a rotation workspace from the finished bootstrap
// and returns its script.
func rotationScriptOf(t *testing.T, f *ceremonytest.Fixture, ws string, opts rotate.Options) (*script.Script, string) {
	t.Helper()
	dir := f.WS("ws-rotation")
	opts.From, opts.Dir = ws, dir
	if _, err := f.Rotate(opts); err != nil {
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
	f, ws := ceremonytest.Bootstrapped(t)
	s, dir := rotationScriptOf(t, f, ws, rotate.Options{Compromised: []string{"carol"},
		Replace: []rotate.Replacement{{Old: "carol", New: filepath.Join(f.Dir, "keys", "frank.pub")}}})
	if s.Kind != workspace.Rotation || s.Workspace != dir || s.Plan != filepath.Join(dir, workspace.RotationFile) {
		t.Errorf("script of %+v", s)
	}
	stolen, stolenShort, carolNew := f.ID("carol"), f.ID("carol")[:12], f.ID("frank")
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
		{"alice", "root", f.ID("alice")}, {"bob", "root", f.ID("bob")}, {"dave", "root", f.ID("dave")}, {"erin", "root", f.ID("erin")},
		{"carol", "root", carolNew},
		{"alice", "targets", f.ID("alice")}, {"bob", "targets", f.ID("bob")}, {"carol", "targets", carolNew},
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
	f, ws := ceremonytest.Bootstrapped(t)
	s, _ := rotationScriptOf(t, f, ws, rotate.Options{Online: true, LastGood: ws,
		Replace: []rotate.Replacement{{Old: "online", New: filepath.Join(f.Dir, "keys", "online2.pub")}}})
	var online []int
	for _, st := range s.Steps {
		if st.Phase == "online" {
			online = append(online, st.Number)
		}
		if st.Phase == "sign" && st.KeyID == f.ID("online") {
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
	f, ws := ceremonytest.Bootstrapped(t)
	s, _ := rotationScriptOf(t, f, ws, rotate.Options{Replace: []rotate.Replacement{{Old: "bob", New: filepath.Join(f.Dir, "keys", "frank.pub")}}})
	var bob []string
	for _, st := range s.Steps {
		if st.Phase == "sign" && st.Who == "bob" {
			bob = append(bob, st.Role+" "+st.KeyID)
		}
	}
	want := []string{"root " + f.ID("bob"), "root " + f.ID("frank"), "targets " + f.ID("frank")}
	if strings.Join(bob, ",") != strings.Join(want, ",") {
		t.Errorf("bob's steps %v, want %v", bob, want)
	}
	if i := stepIndex(s, "Read the rotation summary aloud"); i == 0 || stepIndex(s, "NOT signing") != 0 {
		t.Errorf("a planned rotation's script: summary at %d, a key not signing at %d", i, stepIndex(s, "NOT signing"))
	}
}

func TestRotationScriptRefusals(t *testing.T) {
	f, ws := ceremonytest.Bootstrapped(t)
	if _, err := rotate.Script(ws, ""); err == nil || !strings.Contains(err.Error(), "is a bootstrap workspace, not a rotation") {
		t.Errorf("the script of a bootstrap workspace as a rotation: %v", err)
	}
	_, dir := rotationScriptOf(t, f, ws, rotate.Options{Lost: []string{"erin"}})
	p := filepath.Join(dir, workspace.RotationFile)
	if err := os.WriteFile(p, append(ceremonytest.ReadFile(t, p), ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := rotate.Script(dir, ""); err == nil || !strings.Contains(err.Error(), "changed after the rotation began") {
		t.Errorf("a changed rotation.json: %v", err)
	}
}
