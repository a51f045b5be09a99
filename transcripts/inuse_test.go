//go:build linux

package transcripts_test

import (
	"bufio"
	"errors"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// holdLock has util-linux's flock(1) hold the transcript in dir for hold,
// and returns once it holds it, with its process.
func holdLock(t *testing.T, dir string, hold time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("flock", filepath.Join(dir, transcripts.FileName), "-c", "echo locked; sleep "+strconv.FormatFloat(hold.Seconds(), 'f', 1, 64))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("flock(1) (util-linux) holds the lock in this test: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || line != "locked\n" {
		t.Fatalf("flock: %q, %v", line, err)
	}
	return cmd
}

// A command that finds the transcript held waits for it to be let go.
func TestOpenWaitsForTheLock(t *testing.T) {
	defer waitFor(5 * time.Second)()
	dir := t.TempDir()
	create(t, dir).Close()
	holdLock(t, dir, 500*time.Millisecond)
	start := time.Now()
	tr, err := transcripts.Open(dir)
	if err != nil {
		t.Fatalf("Open while another process held the lock for 0.5 s: %v", err)
	}
	tr.Close()
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Errorf("Open returned after %s: it did not wait for the holder", waited)
	}
}

// A command that waited in vain names who holds the transcript.
func TestOpenNamesTheHolder(t *testing.T) {
	defer waitFor(300 * time.Millisecond)()
	dir := t.TempDir()
	create(t, dir).Close()
	holder := holdLock(t, dir, 30*time.Second)
	_, err := transcripts.Open(dir)
	var inUse *transcripts.InUseError
	if !errors.As(err, &inUse) || !errors.Is(err, transcripts.ErrInUse) {
		t.Fatalf("Open: %v, want an *InUseError", err)
	}
	// flock(1) runs sh, which holds the lock it was handed.
	if !strings.Contains(inUse.Holder, "process ") || !strings.Contains(err.Error(), "waited") {
		t.Errorf("error %q names no holder", err)
	}
	if pid := holder.Process.Pid; !strings.Contains(inUse.Holder, strconv.Itoa(pid)) && !strings.Contains(inUse.Holder, "(sh)") {
		t.Errorf("holder %q is neither flock (pid %d) nor the shell it runs", inUse.Holder, pid)
	}
	if strings.Contains(inUse.Holder, dir) {
		t.Errorf("holder %q shows the holder's arguments", inUse.Holder)
	}
	own := create(t, t.TempDir())
	defer own.Close()
	if _, err := transcripts.Open(own.Dir()); err == nil || !strings.Contains(err.Error(), "this process") {
		t.Errorf("a second Open in this process: %v", err)
	}
}
