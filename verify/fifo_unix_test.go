//go:build unix

package verify

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO where a metadata file should be is refused, not opened: opening
// one for reading blocks until a writer comes.
func TestFIFO(t *testing.T) {
	f := newFixture(t)
	f.write()
	p := filepath.Join(f.dir, "metadata/timestamp.json")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan *Report, 1)
	go func() { done <- f.verify() }()
	select {
	case r := <-done:
		mustHave(t, r, Error, "metadata/timestamp.json", "read", "not a regular file")
	case <-time.After(30 * time.Second):
		t.Fatal("Repository blocked on a FIFO")
	}
}
