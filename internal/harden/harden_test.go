//go:build linux

package harden

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestProcess: in a child process (this test binary again), Process
// leaves no core size and the process not dumpable; the parent is
// untouched.
func TestProcess(t *testing.T) {
	if os.Getenv("HARDEN_CHILD") == "1" {
		if err := Process(); err != nil {
			t.Fatal(err)
		}
		soft, hard, dumpable, err := State()
		if err != nil || soft != 0 || hard != 0 || dumpable {
			t.Fatalf("after Process: core %d/%d, dumpable %v, %v", soft, hard, dumpable, err)
		}
		return
	}
	if _, _, dumpable, err := State(); err != nil || !dumpable {
		t.Fatalf("the test process itself: dumpable %v, %v", dumpable, err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "HARDEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestProcess") {
		t.Fatalf("the child: %v\n%s", err, out)
	}
}
