package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashTag is the build tag that compiles the crash points in
// (internal/crashpoint/crashpoint.go), and crashEnv the variable that
// names the point to crash at: a release build has neither.
const (
	crashTag = "crashpoints"
	crashEnv = "CEREMONY_TEST_CRASH"
)

// buildCeremony builds the command with its crash points.
func buildCeremony(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ceremony")
	cmd := exec.Command("go", "build", "-tags", crashTag, "-o", bin, "github.com/tuf-ceremony/ceremony/cmd/ceremony")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type runner struct {
	t   *testing.T
	bin string
	dir string
}

// run runs the command in r.dir; crash, if set, names the point to be
// killed at. It returns the combined output and whether it was killed.
func (r runner) run(crash string, args ...string) (string, bool, error) {
	cmd := exec.Command(r.bin, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(), crashEnv+"="+crash)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return string(out), true, nil
		}
	}
	return string(out), false, err
}

func (r runner) must(args ...string) string {
	r.t.Helper()
	out, killed, err := r.run("", args...)
	if err != nil || killed {
		r.t.Fatalf("ceremony %v: %v (killed %v)\n%s", args, err, killed, out)
	}
	return out
}

func copyTree(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

const crashPlan = `profile: pep458
repository: crash.example
keyholders:
  - {name: alice, key: "file:keys/alice.key"}
  - {name: bob,   key: "file:keys/bob.key"}
  - {name: carol, key: "file:keys/carol.key"}
  - {name: dave,  key: "file:keys/dave.key"}
  - {name: erin,  key: "file:keys/erin.key"}
roles:
  root:    {keyholders: [alice, bob, carol, dave, erin], threshold: 3}
  targets: {keyholders: [alice, bob, carol], threshold: 2}
  bins:    {count: 4}
online:
  - {name: online, key: "file:keys/online.key"}
`

// today is the date the room confirms in these tests (--date): the
// machine's own.
func today() string { return time.Now().UTC().Format("2006-01-02") }

// prepareCrashDir writes crashPlan, a pin-source and every key of the plan
// into r.dir.
func prepareCrashDir(r runner) {
	r.t.Helper()
	if err := os.WriteFile(filepath.Join(r.dir, "pass"), []byte("correct horse battery staple\n"), 0o600); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.dir, "plan.yaml"), []byte(crashPlan), 0o644); err != nil {
		r.t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin", "online"} {
		r.must("keygen", "--uri", "file:keys/"+name+".key?pin-source=pass", "--type", "ed25519")
	}
}

// TestKillAtEveryStepThenResume runs a scripted ceremony (alice, bob and
// carol sign root and targets) and kills it with SIGKILL at every point
// where a signature moves from one durable state to the next, for every
// signature; the same command run again resumes, the rest of the ceremony
// follows, and the metadata ends byte for byte as in an uninterrupted run
// (Ed25519 signatures are deterministic), with the transcript replaying.
func TestKillAtEveryStepThenResume(t *testing.T) {
	bin := buildCeremony(t)
	base := t.TempDir()
	template := filepath.Join(base, "template")
	if err := os.MkdirAll(template, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runner{t: t, bin: bin, dir: template}
	prepareCrashDir(r)
	r.must("init", "--plan", "plan.yaml", "--date", today(), "ws")

	signers := []string{"alice", "bob", "carol"}
	signArgs := func(name string) []string {
		return []string{"sign", "--key", "file:keys/" + name + ".key?pin-source=pass", "ws"}
	}
	ceremonyIn := func(dir string, crashStep int, crash string) {
		t.Helper()
		rr := runner{t: t, bin: bin, dir: dir}
		for i, name := range signers {
			if i != crashStep {
				rr.must(signArgs(name)...)
				continue
			}
			out, killed, err := rr.run(crash, signArgs(name)...)
			if !killed {
				t.Fatalf("%s: the crash at %s did not happen: %v\n%s", dir, crash, err, out)
			}
			// A signature recorded but not written: status says so.
			if strings.HasPrefix(crash, "sign:after-record") {
				if out, _, _ := rr.run("", "status", "ws"); !strings.Contains(out, "NOT WRITTEN YET") {
					t.Errorf("%s: status after a kill at %s does not show the recorded signature:\n%s", dir, crash, out)
				}
			}
			// Resume: the same command again, which completes a recorded
			// signature and exits 0. If the kill came after the last
			// write, everything is signed already, and it says so.
			out, _, err = rr.run("", signArgs(name)...)
			if strings.HasPrefix(crash, "sign:after-record") && err != nil {
				t.Fatalf("%s: resume after %s: %v\n%s", dir, crash, err, out)
			}
			if err != nil && !strings.Contains(out, "already signed") {
				t.Fatalf("%s: resume after %s: %v\n%s", dir, crash, err, out)
			}
		}
	}

	reference := filepath.Join(base, "reference")
	copyTree(t, template, reference)
	ceremonyIn(reference, -1, "")
	want := map[string][]byte{}
	for _, role := range []string{"root", "targets"} {
		want[role], _ = os.ReadFile(filepath.Join(reference, "ws", "metadata", role+".json"))
	}

	points := []string{"sign:before-state", "sign:after-state", "sign:after-record", "sign:after-write"}
	runs := 0
	for step := range signers {
		for occurrence := 1; occurrence <= 2; occurrence++ { // root, then targets
			for _, p := range points {
				crash := fmt.Sprintf("%s#%d", p, occurrence)
				dir := filepath.Join(base, fmt.Sprintf("run-%d-%s-%d", step, strings.ReplaceAll(p, ":", "-"), occurrence))
				copyTree(t, template, dir)
				ceremonyIn(dir, step, crash)
				for role, w := range want {
					got, _ := os.ReadFile(filepath.Join(dir, "ws", "metadata", role+".json"))
					if !bytes.Equal(got, w) {
						t.Errorf("killed at %s while %s signed: %s differs from the uninterrupted run", crash, signers[step], role)
					}
				}
				rr := runner{t: t, bin: bin, dir: dir}
				if out, _, err := rr.run("", "replay", "ws"); err != nil {
					t.Errorf("killed at %s while %s signed: replay fails: %v\n%s", crash, signers[step], err, out)
				}
				rr.must("verify", "ws")
				runs++
			}
		}
	}
	if runs != 24 {
		t.Fatalf("%d crash runs, want 24", runs)
	}
}

// TestKillDuringInit: an init killed before it finished is refused as
// such by every command; the same init run again clears it and completes,
// and the ceremony goes on from there.
func TestKillDuringInit(t *testing.T) {
	bin := buildCeremony(t)
	dir := t.TempDir()
	r := runner{t: t, bin: bin, dir: dir}
	prepareCrashDir(r)
	for _, p := range []string{"init:before-record", "init:after-record"} {
		os.RemoveAll(filepath.Join(dir, "ws"))
		if _, killed, _ := r.run(p, "init", "--plan", "plan.yaml", "--date", today(), "ws"); !killed {
			t.Fatalf("the crash at %s did not happen", p)
		}
		out, _, err := r.run("", "status", "ws")
		if err == nil || !strings.Contains(out, "interrupted init") || !strings.Contains(out, "run the same init again") {
			t.Errorf("after a kill at %s, status says: %v\n%s", p, err, out)
		}
		if out, _, err := r.run("", "sign", "--key", "file:keys/alice.key?pin-source=pass", "ws"); err == nil || !strings.Contains(out, "interrupted init") {
			t.Errorf("after a kill at %s, sign says: %v\n%s", p, err, out)
		}
		r.must("init", "--plan", "plan.yaml", "--date", today(), "ws")
		r.must("sign", "--key", "file:keys/alice.key?pin-source=pass", "ws")
		r.must("replay", "ws")
		if _, err := os.Stat(filepath.Join(dir, "ws", ".init-incomplete")); err == nil {
			t.Errorf("after init completed over a kill at %s, the mark of an unfinished init is still there", p)
		}
	}
	// An init that fails (here: a plan naming a key file that is not
	// there) leaves no directory behind, nor anything in one that was
	// there and empty.
	os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte(strings.Replace(crashPlan, "keys/erin.key", "keys/nobody.key", 1)), 0o644)
	if out, _, err := r.run("", "init", "--plan", "broken.yaml", "--date", today(), "ws2"); err == nil {
		t.Fatalf("init from a plan with a missing key: %s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "ws2")); err == nil {
		t.Error("a failed init left its directory")
	}
}
