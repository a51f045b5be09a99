package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReleaseBinary: the binary as 'go build' makes it holds no crash
// point (not even the name of the variable that would fire one), and the
// running process has core dumps off: a ceremony blocked reading its
// pin-source (a FIFO nobody writes yet) shows a core size limit of 0.
func TestReleaseBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ceremony")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/tuf-ceremony/ceremony/cmd/ceremony").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(crashEnv)) {
		t.Errorf("the release binary holds %q", crashEnv)
	}

	fifo := filepath.Join(dir, "pin.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "keygen", "--uri", "file:"+filepath.Join(dir, "k.key")+"?pin-source="+fifo)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	limits := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "limits")
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(limits)
		if err == nil && coreLimitZero(string(b)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the running ceremony's core size limit is not 0:\n%s (%v)", b, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// coreLimitZero reads /proc/PID/limits: "Max core file size  0  0  bytes".
func coreLimitZero(limits string) bool {
	for _, line := range strings.Split(limits, "\n") {
		if strings.HasPrefix(line, "Max core file size") {
			f := strings.Fields(strings.TrimPrefix(line, "Max core file size"))
			return len(f) >= 2 && f[0] == "0" && f[1] == "0"
		}
	}
	return false
}
