//go:build unix

package keys

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestPINSourceRules: a pin-source is a regular file of this user's that
// nobody else may read or write, or a pipe, read once; anything else is
// refused naming the chmod, and no message quotes the secret.
func TestPINSourceRules(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("s3cret pass\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if b, err := ReadPINSource(write("ok", 0o600)); err != nil || string(b) != "s3cret pass" {
		t.Errorf("a 0600 file: %q, %v", b, err)
	}
	if _, err := ReadPINSource(write("ro", 0o400)); err != nil {
		t.Errorf("a 0400 file: %v", err)
	}
	for name, mode := range map[string]os.FileMode{"group": 0o640, "world": 0o604, "writable": 0o622} {
		p := write(name, mode)
		_, err := ReadPINSource(p)
		if err == nil || !strings.Contains(err.Error(), "run chmod 600 "+p) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	if _, err := ReadPINSource(dir); err == nil || !strings.Contains(err.Error(), "not a regular file or a pipe") {
		t.Errorf("a directory: %v", err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxSecretSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPINSource(big); err == nil || !strings.Contains(err.Error(), "holds more than") {
		t.Errorf("an oversize file: %v", err)
	}
	if os.Getuid() == 0 {
		theirs := write("theirs", 0o600)
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPINSource(theirs); err == nil || !strings.Contains(err.Error(), "belongs to user 65534, not to you") {
			t.Errorf("someone else's file: %v", err)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err == nil {
			f.WriteString("piped\n")
			f.Close()
		}
	}()
	if b, err := ReadPINSource(fifo); err != nil || string(b) != "piped" {
		t.Errorf("a FIFO: %q, %v", b, err)
	}
}

// TestSplitPINSource: the pin-source attribute comes out, the rest stays
// as written.
func TestSplitPINSource(t *testing.T) {
	for in, want := range map[string][2]string{
		"file:keys/a.key?pin-source=p.txt":                        {"file:keys/a.key", "p.txt"},
		"pkcs11:token=t;object=o?module-path=/m.so&pin-source=/p": {"pkcs11:token=t;object=o?module-path=/m.so", "/p"},
		"yubikey:serial=1?pin-source=/p&pin-policy=always":        {"yubikey:serial=1?pin-policy=always", "/p"},
		"file:keys/a.key": {"file:keys/a.key", ""},
	} {
		rest, path, err := SplitPINSource(in)
		if err != nil || rest != want[0] || path != want[1] {
			t.Errorf("SplitPINSource(%q) = %q, %q, %v; want %q, %q", in, rest, path, err, want[0], want[1])
		}
	}
}
