package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// sealTemplate is a workspace of crashPlan that alice, bob and carol have
// signed (every threshold met), in a directory of its own.
func sealTemplate(t *testing.T, bin string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "template")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	r := runner{t: t, bin: bin, dir: dir}
	prepareCrashDir(r)
	r.must("init", "--plan", "plan.yaml", "--date", today(), "ws")
	for _, name := range []string{"alice", "bob", "carol"} {
		r.must("sign", "--key", "file:keys/"+name+".key?pin-source=pass", "ws")
	}
	return dir
}

// TestKillDuringSealThenSealAgain: a seal killed between writing its
// envelope and recording it leaves a workspace that bundle refuses, naming
// the interrupted seal; the next seal redoes it, and the bundle then
// verifies.
func TestKillDuringSealThenSealAgain(t *testing.T) {
	bin := buildCeremony(t)
	dir := sealTemplate(t, bin)
	r := runner{t: t, bin: bin, dir: dir}
	seal := []string{"seal", "--key", "file:keys/alice.key?pin-source=pass", "ws"}
	if out, killed, err := r.run("seal:after-envelope", seal...); !killed {
		t.Fatalf("the crash at seal:after-envelope did not happen: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "ws", "transcript", "seal.dsse.json")); err != nil {
		t.Fatalf("the killed seal left no envelope, so this test does not reach the fault: %v", err)
	}
	out, _, err := r.run("", "bundle", "--out", "early.tar", "ws")
	if err == nil || !strings.Contains(out, "was interrupted") || !strings.Contains(out, "ceremony seal --key URI ws") {
		t.Errorf("bundle of a half-sealed workspace: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "early.tar")); err == nil {
		t.Error("bundle of a half-sealed workspace wrote a bundle")
	}
	out = r.must(seal...)
	if !strings.Contains(out, "transcript head") {
		t.Errorf("seal again: %s", out)
	}
	r.must("bundle", "--out", "b.tar", "ws")
	if out := r.must("verify", "b.tar"); strings.Contains(out, "error") {
		t.Errorf("verify of the bundle after the seal was redone:\n%s", out)
	}
	if out := r.must("replay", "ws"); !strings.Contains(out, "replaces the envelope an interrupted seal left unrecorded") {
		t.Errorf("the seal record does not say it replaced the leftover envelope:\n%s", out)
	}
}

// TestBundleRacesLateSigner: a bundle written while a late keyholder signs
// and the operator takes a note (the commands started together, many
// times) is always a bundle that verifies and that its record names; the
// signature and the note are never lost, and none of the three fails for
// being at the same time.
func TestBundleRacesLateSigner(t *testing.T) {
	bin := buildCeremony(t)
	template := sealTemplate(t, bin)
	const runs = 12
	for i := range runs {
		dir := filepath.Join(filepath.Dir(template), fmt.Sprintf("race-%d", i))
		copyTree(t, template, dir)
		var wg sync.WaitGroup
		var signOut, bundleOut, noteOut []byte
		var signErr, bundleErr, noteErr error
		start := func(out *[]byte, errp *error, args ...string) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(bin, args...)
				cmd.Dir = dir
				*out, *errp = cmd.CombinedOutput()
			}()
		}
		start(&signOut, &signErr, "sign", "--key", "file:keys/dave.key?pin-source=pass", "ws")
		// The bundle starts at another moment of the signing each run, from
		// before it opens the workspace to after it is done.
		time.Sleep(time.Duration(i) * 1500 * time.Millisecond / runs)
		start(&bundleOut, &bundleErr, "bundle", "--out", "b.tar", "ws")
		start(&noteOut, &noteErr, "note", "--who", "operator", "ws", "a note taken while dave signs")
		wg.Wait()
		if signErr != nil || bundleErr != nil || noteErr != nil {
			t.Fatalf("run %d: sign %v, bundle %v, note %v\n%s\n%s\n%s", i, signErr, bundleErr, noteErr, signOut, bundleOut, noteOut)
		}
		r := runner{t: t, bin: bin, dir: dir}
		if out := r.must("verify", "b.tar"); strings.Contains(out, "error") {
			t.Fatalf("run %d: the bundle written beside a signing does not verify:\n%s", i, out)
		}
		sum := strings.Fields(strings.SplitN(string(bundleOut), "sha256 ", 2)[1])[0]
		// The bundle record comes right after the last record the bundle
		// carries: nothing was signed between what was read and what was
		// recorded.
		tr, err := os.ReadFile(filepath.Join(dir, "ws", "transcript", "transcript.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		seq := 0
		for n, line := range strings.Split(strings.TrimSpace(string(tr)), "\n") {
			if strings.Contains(line, `"bundle":"`+sum+`"`) {
				seq = n + 1
			}
		}
		if seq == 0 {
			t.Fatalf("run %d: the transcript does not record the bundle written (%s)", i, sum)
		}
		info, err := exec.Command("tar", "-xOf", filepath.Join(dir, "b.tar"), "bundle-info.json").Output()
		if err != nil {
			t.Fatal(err)
		}
		var bi struct {
			Records int `json:"transcript_records"`
		}
		if err := json.Unmarshal(info, &bi); err != nil {
			t.Fatal(err)
		}
		if bi.Records != seq-1 {
			t.Fatalf("run %d: the bundle carries %d records, but its record is record %d: a signature landed between the reading and the record", i, bi.Records, seq)
		}
		if out := r.must("replay", "ws"); !strings.Contains(out, "a note taken while dave signs") {
			t.Fatalf("run %d: the note is not in the transcript:\n%s", i, out)
		}
		if out := r.must("status", "ws"); !regexp.MustCompile(`(?m)^ +signed: .*dave`).MatchString(out) {
			t.Fatalf("run %d: dave's signature is not in the status:\n%s", i, out)
		}
	}
}

// TestTornRecordAfterTheSeal: a bundle record torn after the seal (a power
// cut, or a full disk, while it was written) is kept aside by the next
// bundle, which then writes and records its bundle; the bundle verifies and
// the workspace replays.
func TestTornRecordAfterTheSeal(t *testing.T) {
	bin := buildCeremony(t)
	dir := sealTemplate(t, bin)
	r := runner{t: t, bin: bin, dir: dir}
	r.must("seal", "--key", "file:keys/alice.key?pin-source=pass", "ws")
	p := filepath.Join(dir, "ws", "transcript", "transcript.jsonl")
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"kind":"bundle","message":"bundle b0.tar wri`)
	f.Close()
	out := r.must("bundle", "--out", "b.tar", "ws")
	if !strings.Contains(out, "torn") {
		t.Errorf("bundle does not say it kept a torn record aside:\n%s", out)
	}
	r.must("verify", "b.tar")
	r.must("replay", "ws")
}
