package rehearsal_test

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends(yubikey.Backend{}, p11.Backend{})

// scripted is a keyholder at the keyboard who knows their practice secret.
type scripted struct {
	secret string
	asked  []keys.SecretKind
	notes  []string
}

func (s *scripted) Secret(req keys.SecretRequest) ([]byte, error) {
	s.asked = append(s.asked, req.Kind)
	return []byte(s.secret), nil
}

func (s *scripted) Notify(msg string) { s.notes = append(s.notes, msg) }

func setup(t *testing.T, profile string) (*rehearsal.Lab, string, map[string]rehearsal.Holder) {
	t.Helper()
	dir := t.TempDir()
	start := time.Now()
	lab, err := rehearsal.Setup(filepath.Join(dir, "lab"), profile)
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	t.Logf("%s lab set up in %v", profile, time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() { lab.Close() })
	return lab, dir, holders(lab)
}

// sign signs as h, with the right card in if h holds a YubiKey.
func sign(t *testing.T, lab *rehearsal.Lab, ws string, h rehearsal.Holder, want keys.SecretKind) {
	t.Helper()
	if h.Kind == rehearsal.KindYubiKey {
		if err := lab.Insert(h.Serial); err != nil {
			t.Fatal(err)
		}
		if s, ok := lab.Inserted(); !ok || s != h.Serial {
			t.Fatalf("Inserted() = %d, %v after inserting %d", s, ok, h.Serial)
		}
	}
	p := &scripted{secret: h.Secret}
	res, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: h.URI, Prompter: p})
	if err != nil {
		t.Fatalf("%s signs with %s: %v", h.Name, h.Device, err)
	}
	if len(res.Signed) == 0 {
		t.Fatalf("%s signed nothing", h.Name)
	}
	if len(p.asked) == 0 || p.asked[0] != want {
		t.Errorf("%s was asked for %v, want a %v", h.Name, p.asked, want)
	}
	if h.Kind == rehearsal.KindYubiKey && len(p.notes) == 0 {
		t.Errorf("%s was not told to touch the YubiKey (touch policy always)", h.Name)
	}
}

// A process gets one lab (PC/SC reads its pcscd's address once), so each
// lab runs in a test process of its own, started by the test that checks
// it; helper tests run only there. Labs in parallel processes, and next to
// other packages' pcsctest binaries, each have their own pcscd.
const childEnv = "SIM_TEST_CHILD"

// inChildren runs the helper test in a child process for each of envs
// (NAME=VALUE added to the child's environment), all at once.
func inChildren(t *testing.T, test string, envs ...string) {
	t.Helper()
	var wg sync.WaitGroup
	for _, env := range envs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.v", "-test.count=1")
			cmd.Env = append(os.Environ(), childEnv+"=1", env)
			out, err := cmd.CombinedOutput()
			if err != nil || !bytes.Contains(out, []byte("--- PASS: "+test)) {
				t.Errorf("%s with %s: %v\n%s", test, env, err, out)
				return
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, "_test.go:") {
					t.Logf("%s: %s", env, strings.TrimSpace(line))
				}
			}
		})
	}
	wg.Wait()
}

func child(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("a helper, run in a process of its own by the test above it")
	}
}

// A pep458 lab: init from its plan, a wrong card refused by serial, then
// alice (YubiKey), carol (SoftHSM2) and erin (key file) meet root's 3 of 5.
func TestRehearsal(t *testing.T) {
	t.Parallel()
	inChildren(t, "TestHelperRehearsal", "SIM_TEST_PROFILE=pep458")
}

func TestHelperRehearsal(t *testing.T) {
	child(t)
	lab, dir, h := setup(t, "pep458")
	if len(h) != 5 {
		t.Fatalf("holders: %+v", lab.Holders())
	}
	checkHolders(t, lab)
	if s, ok := lab.Inserted(); ok {
		t.Fatalf("card %d is in after Setup", s)
	}

	ws := filepath.Join(dir, "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: lab.PlanPath(), Dir: ws}); err != nil {
		t.Fatalf("init from the lab's plan: %v", err)
	}

	// Bob's card in, alice's key asked for: refused, naming bob's card,
	// before any PIN is asked.
	alice, bob := h["alice"], h["bob"]
	if err := lab.Insert(bob.Serial); err != nil {
		t.Fatal(err)
	}
	p := &scripted{secret: alice.Secret}
	_, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: alice.URI, Prompter: p})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(bob.Serial)) || !strings.Contains(err.Error(), fmt.Sprint(alice.Serial)) {
		t.Fatalf("alice signs with bob's card in: got %v, want an error naming both serials", err)
	}
	t.Logf("wrong card: %v", err)
	if len(p.asked) != 0 {
		t.Errorf("a PIN was asked with the wrong card in: %v", p.asked)
	}

	sign(t, lab, ws, alice, keys.PIN)
	sign(t, lab, ws, h["carol"], keys.PIN)
	sign(t, lab, ws, h["erin"], keys.Passphrase)

	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Roles {
		if r.Role == "root" && !r.Met {
			t.Errorf("root not met: %+v", r.Thresholds)
		}
		if r.Role == "targets" && !r.Met {
			t.Errorf("targets (alice, carol of alice, bob, carol) not met: %+v", r.Thresholds)
		}
	}

	if err := lab.Remove(); err != nil {
		t.Fatal(err)
	}
	if s, ok := lab.Inserted(); ok {
		t.Errorf("card %d is in after Remove", s)
	}
	if err := lab.Insert(12345678); err == nil || !strings.Contains(err.Error(), fmt.Sprint(alice.Serial)) {
		t.Errorf("Insert of a serial the lab lacks: got %v, want the lab's serials named", err)
	}
	if err := lab.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(lab.PlanPath()); err != nil {
		t.Errorf("Close removed the lab: %v", err)
	}
	if _, err := rehearsal.Setup(filepath.Join(dir, "lab2"), "pep458"); err == nil || !strings.Contains(err.Error(), "once") {
		t.Errorf("a second lab in the process: got %v, want a refusal", err)
	}
}

// checkHolders checks the holders' secrets: distinct, no factory PIN, in
// no URI and in no file of the lab.
func checkHolders(t *testing.T, lab *rehearsal.Lab) {
	t.Helper()
	secrets := map[string]string{}
	kinds := map[string]int{}
	for _, h := range append(lab.Holders(), lab.Online()) {
		kinds[h.Kind]++
		if other, dup := secrets[h.Secret]; dup {
			t.Errorf("%s and %s share the practice secret", h.Name, other)
		}
		secrets[h.Secret] = h.Name
		if h.Secret == "123456" || len(h.Secret) < 6 {
			t.Errorf("%s's practice secret %q is a factory PIN or too short", h.Name, h.Secret)
		}
		if strings.Contains(h.URI, "pin-source") || strings.Contains(h.URI, h.Secret) {
			t.Errorf("%s's URI %q holds a secret or its source", h.Name, h.URI)
		}
		if h.Kind == rehearsal.KindYubiKey && (h.Serial == 0 || h.Device != fmt.Sprintf("YubiKey serial %d", h.Serial)) {
			t.Errorf("%s: device %q, serial %d", h.Name, h.Device, h.Serial)
		}
		if h.Kind == rehearsal.KindYubiKey {
			if _, dup := secrets[h.PUK]; dup || len(h.PUK) != 8 || h.PUK == "12345678" {
				t.Errorf("%s's practice PUK %q is shared, not 8 digits, or the factory PUK", h.Name, h.PUK)
			}
			secrets[h.PUK] = h.Name + "'s PUK"
		} else if h.PUK != "" {
			t.Errorf("%s holds no YubiKey but has a PUK", h.Name)
		}
		if h.Device == "" || h.URI == "" {
			t.Errorf("holder %+v lacks a device or URI", h)
		}
	}
	if kinds[rehearsal.KindYubiKey] != 2 || kinds[rehearsal.KindPKCS11] != 2 || kinds[rehearsal.KindFile] != 2 {
		t.Errorf("kinds of device: %v", kinds)
	}
	err := filepath.WalkDir(lab.Dir(), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == "yubikeys" {
			// A virtual YubiKey's memory holds its PIN, as the chip
			// does; it is its owner's to read only.
			if fi, err := d.Info(); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: mode %v, want 0600", path, fi.Mode())
			}
			return nil
		}
		if strings.Contains(filepath.Base(path), "secret") {
			t.Errorf("keygen secret file left in the lab: %s", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for s, name := range secrets {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds %s's practice secret", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Every profile's lab gives a plan that inits; every holder signs in one
// of them (bob, dave and erin here).
func TestProfiles(t *testing.T) {
	t.Parallel()
	inChildren(t, "TestHelperProfile", "SIM_TEST_PROFILE=rstuf", "SIM_TEST_PROFILE=pep480")
}

func TestHelperProfile(t *testing.T) {
	child(t)
	profile := os.Getenv("SIM_TEST_PROFILE")
	lab, dir, h := setup(t, profile)
	p, err := plan.Load(lab.PlanPath(), lab.Keys())
	if err != nil {
		t.Fatal(err)
	}
	if string(p.Profile) != profile || p.Roles.Bins.Count != 16 || len(p.Online) != 1 {
		t.Fatalf("plan: profile %s, %d bins, %d online keys", p.Profile, p.Roles.Bins.Count, len(p.Online))
	}
	if profile == "rstuf" && p.Online[0].URI == "" {
		t.Error("rstuf plan: the online key has no uri")
	}
	ws := filepath.Join(dir, "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: lab.PlanPath(), Dir: ws}); err != nil {
		t.Fatalf("init from the %s lab's plan: %v", profile, err)
	}
	sign(t, lab, ws, h["bob"], keys.PIN)
	sign(t, lab, ws, h["dave"], keys.PIN)
	sign(t, lab, ws, h["erin"], keys.Passphrase)
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Roles {
		if r.Role == "root" && !r.Met {
			t.Errorf("root not met after bob, dave, erin: %+v", r.Thresholds)
		}
	}
}

// Without the tools, Setup fails at once, in one line that names them.
func TestMissingTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := filepath.Join(t.TempDir(), "lab")
	_, err := rehearsal.Setup(dir, "pep458")
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "softhsm2-util") || !strings.Contains(err.Error(), "scripts/setup") {
		t.Fatalf("Setup without softhsm2-util on PATH: got %v, want one line naming it", err)
	}
	t.Log(err)
	if _, err := os.Stat(dir); err == nil {
		t.Error("Setup made the lab directory before finding the tools missing")
	}
}

// A lab stopped halfway opens again in a new process and carries on: the
// cards come back with their keys and the PIN tries they had left.
func TestReopen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	inChildren(t, "TestHelperReopenFirst", "SIM_TEST_DIR="+dir)
	if t.Failed() {
		return
	}
	inChildren(t, "TestHelperReopenSecond", "SIM_TEST_DIR="+dir)
}

func TestHelperReopenFirst(t *testing.T) {
	child(t)
	dir := os.Getenv("SIM_TEST_DIR")
	lab, err := rehearsal.Setup(filepath.Join(dir, "lab"), "pep458")
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	h := holders(lab)
	ws := filepath.Join(dir, "lab", "workspace")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: lab.PlanPath(), Dir: ws}); err != nil {
		t.Fatal(err)
	}
	sign(t, lab, ws, h["alice"], keys.PIN)
	bob := h["bob"]
	if err := lab.Insert(bob.Serial); err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: bob.URI, Prompter: &scripted{secret: "000000"}}); err == nil {
		t.Fatal("bob signed with a wrong PIN")
	}
	if rehearsal.IsLab(filepath.Join(dir, "elsewhere")) || !rehearsal.IsLab(lab.Dir()) {
		t.Error("IsLab does not tell the lab")
	}
}

func TestHelperReopenSecond(t *testing.T) {
	child(t)
	dir := os.Getenv("SIM_TEST_DIR")
	if _, err := rehearsal.Open(dir); err == nil || !strings.Contains(err.Error(), "not a rehearsal lab") {
		t.Errorf("Open of a directory that is not a lab: got %v", err)
	}
	lab, err := rehearsal.Open(filepath.Join(dir, "lab"))
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	h := holders(lab)
	checkHolders(t, lab)
	bob := h["bob"]
	if err := lab.Insert(bob.Serial); err != nil {
		t.Fatal(err)
	}
	devices, err := yubikey.List()
	if err != nil || len(devices) != 1 || devices[0].Serial != bob.Serial {
		t.Fatalf("YubiKeys with bob's in: %v, %v", devices, err)
	}
	info, err := yubikey.Describe(devices[0])
	devices[0].Close()
	if err != nil || info.PINTries != 2 {
		t.Fatalf("bob's YubiKey after one wrong PIN and a new process: %d tries left (%v), want 2", info.PINTries, err)
	}
	ws := filepath.Join(lab.Dir(), "workspace")
	if err := lab.Touch(); err == nil {
		t.Error("Touch with no card waiting for one succeeded")
	}
	// With touches practised, bob's two signatures (root, targets) wait
	// for a touch each.
	lab.PracticeTouch(true)
	done := make(chan error, 1)
	go func() {
		_, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: bob.URI, Prompter: &scripted{secret: bob.Secret}})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("bob signed without a touch: %v", err)
	case <-time.After(500 * time.Millisecond):
	}
	for i := range 2 {
		if err := lab.Touch(); err != nil {
			t.Fatalf("touch %d: %v", i+1, err)
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("bob signs with two touches: %v", err)
	}
	lab.PracticeTouch(false)
	sign(t, lab, ws, h["carol"], keys.PIN)
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range st.Roles {
		if r.Role == "root" && !r.Met {
			t.Errorf("root not met after alice (first process), bob and carol: %+v", r.Thresholds)
		}
	}
}

func holders(lab *rehearsal.Lab) map[string]rehearsal.Holder {
	byName := map[string]rehearsal.Holder{}
	for _, h := range lab.Holders() {
		byName[h.Name] = h
	}
	return byName
}
