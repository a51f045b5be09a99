package crashpoint

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// TestHit runs this test binary again with crashEnv naming a point and hits
// it: a build with the points is killed there, any other build carries on.
// crashEnv is the variable a tagged build reads (Env in crashpoint.go);
// an untagged build has no name for it.
const crashEnv = "CEREMONY_TEST_CRASH"

func TestHit(t *testing.T) {
	if os.Getenv("CRASHPOINT_CHILD") != "" {
		Hit("step:after-write")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHit$")
	cmd.Env = append(os.Environ(), "CRASHPOINT_CHILD=1", crashEnv+"=step:after-write")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
	if killed != Enabled {
		t.Fatalf("build with points %v: killed %v (err %v)\n%s", Enabled, killed, err, out)
	}
	if !killed && err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
}
