package bounded

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := ReadFile(p, 5); err != nil || string(b) != "12345" {
		t.Errorf("at the limit: %q, %v", b, err)
	}
	if _, err := ReadFile(p, 4); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), p+": 5 bytes, over the limit of 4") {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadFile(dir, 10); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory: %v", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// A FIFO nobody writes: refused at once, not waited on.
	if _, err := ReadFile(fifo, 10); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a FIFO: %v", err)
	}
}

// TestReadSized: the size a file had when opened is a hint, never a
// bound: a reader that gives more (a file that grew) or less (one that
// shrank) is read as it is, and only the limit refuses.
func TestReadSized(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, c := range []struct {
		name        string
		size, limit int64
		want        int
		tooLarge    bool
	}{
		{"as stated", 10000, 20000, 10000, false},
		{"at the limit", 10000, 10000, 10000, false},
		{"grew", 100, 20000, 10000, false},
		{"shrank", 50000, 20000, 10000, false},
		{"grew over the limit", 100, 9999, 0, true},
		{"stated over the limit", 20000, 9999, 0, true},
	} {
		got, err := ReadSized(bytes.NewReader(data), c.size, c.limit)
		if c.tooLarge {
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("%s: err = %v, want ErrTooLarge", c.name, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, data[:c.want]) {
			t.Errorf("%s: %d bytes, %v; want the %d bytes given", c.name, len(got), err, c.want)
		}
	}
}
