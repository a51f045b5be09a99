package scenario_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/rehearsal"
	"github.com/tuf-ceremony/ceremony/rehearsal/scenario"
)

var eng = kinds.Engine(keys.NewBackends(yubikey.Backend{}, p11.Backend{}))

// A lab is one per process (PC/SC): the test runs its helper in a child.
func TestPrepare(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPrepare$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "SCENARIO_TEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: TestHelperPrepare")) {
		t.Fatalf("TestHelperPrepare: %v\n%s", err, out)
	}
}

// Every later scenario starts from the same finished bootstrap, made once:
// sealed, thresholds met, bundled; Prepare again changes nothing.
func TestHelperPrepare(t *testing.T) {
	if os.Getenv("SCENARIO_TEST_CHILD") == "" {
		t.Skip("a helper, run in a process of its own by TestPrepare")
	}
	lab, err := rehearsal.Setup(filepath.Join(t.TempDir(), "lab"), "pep480")
	if err != nil {
		t.Fatal(err)
	}
	defer lab.Close()
	now := time.Now()
	if sc, err := scenario.Prepare(eng, lab, scenario.Bootstrap, now); err != nil || sc != nil {
		t.Fatalf("Prepare(bootstrap) = %+v, %v; want nothing to prepare", sc, err)
	}
	if scenario.BootstrapFinished(lab) {
		t.Fatal("the bootstrap is finished before any scenario prepared it")
	}
	sc, err := scenario.Prepare(eng, lab, scenario.Claims, now)
	if err != nil {
		t.Fatal(err)
	}
	ws := filepath.Join(lab.Dir(), scenario.BootstrapWorkspace)
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !st.AllMet() || st.Seal == nil || st.DateConfirmed == "" || !scenario.BootstrapFinished(lab) {
		t.Fatalf("the bootstrap after Prepare: met %v, seal %+v, date %q, bundle %v", st.AllMet(), st.Seal, st.DateConfirmed, scenario.BootstrapFinished(lab))
	}
	if sc.Values["repository, last workspace or bundle"] != ws || !strings.HasSuffix(sc.Workspace, "workspace-claims") {
		t.Errorf("claims scenario: %+v", sc)
	}
	requests, err := filepath.Glob(filepath.Join(lab.Dir(), scenario.ClaimsDir, "*.claim.json"))
	if err != nil || len(requests) != 3 {
		t.Fatalf("claim requests: %v, %v; want 3", requests, err)
	}
	bundleBefore, err := os.ReadFile(filepath.Join(lab.Dir(), scenario.BootstrapBundle))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{scenario.RootRotation, scenario.Emergency, scenario.Claims} {
		sc, err := scenario.Prepare(eng, lab, name, now)
		if err != nil {
			t.Fatalf("Prepare(%s) on a prepared lab: %v", name, err)
		}
		if sc.Name != name || sc.Choice == "" || len(sc.Story) == 0 {
			t.Errorf("Prepare(%s) = %+v", name, sc)
		}
	}
	bundleAfter, err := os.ReadFile(filepath.Join(lab.Dir(), scenario.BootstrapBundle))
	if err != nil || !bytes.Equal(bundleBefore, bundleAfter) {
		t.Errorf("the bootstrap's bundle changed when Prepare ran again (%v)", err)
	}
	if _, err := scenario.Prepare(eng, lab, "yearly", now); err == nil || !strings.Contains(err.Error(), "root-rotation") {
		t.Errorf("an unknown scenario: %v, want the scenarios named", err)
	}
}
