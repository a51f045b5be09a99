package e2e

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
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
	bin := releaseBinary(t)
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

// TestSecurityListsTheBuildList: SECURITY.md's "What the release binary
// links" lists exactly the modules, at their versions, that 'go version
// -m' finds in the binary.
func TestSecurityListsTheBuildList(t *testing.T) {
	out, err := exec.Command("go", "version", "-m", releaseBinary(t)).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	built := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "dep" {
			built[f[1]] = f[2]
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "SECURITY.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "### What the release binary links")
	if !ok {
		t.Fatal("SECURITY.md has no section \"What the release binary links\"")
	}
	listed := map[string]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(strings.TrimSpace(cells[1]), "`") {
			continue
		}
		listed[strings.Trim(strings.TrimSpace(cells[1]), "`")] = strings.TrimSpace(cells[2])
	}
	for m, v := range built {
		if listed[m] != v {
			t.Errorf("the binary links %s %s; SECURITY.md lists %q", m, v, listed[m])
		}
	}
	for m := range listed {
		if _, ok := built[m]; !ok {
			t.Errorf("SECURITY.md lists %s, which the binary does not link", m)
		}
	}
	if !strings.Contains(section, fmt.Sprintf("%d modules", len(built))) {
		t.Errorf("SECURITY.md does not say the binary links %d modules", len(built))
	}
}

// releaseBinary is cmd/ceremony as 'go build' makes it, built once for
// the tests that read it.
func releaseBinary(t *testing.T) string {
	t.Helper()
	release.once.Do(func() {
		dir, err := os.MkdirTemp("", "ceremony-release-")
		if err != nil {
			release.err = err
			return
		}
		release.path = filepath.Join(dir, "ceremony")
		if out, err := exec.Command("go", "build", "-o", release.path, "github.com/tuf-ceremony/ceremony/cmd/ceremony").CombinedOutput(); err != nil {
			release.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if release.err != nil {
		t.Fatal(release.err)
	}
	return release.path
}

var release struct {
	once sync.Once
	path string
	err  error
}
