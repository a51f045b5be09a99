package p11_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/hsm/p11"
)

// A library whose constructor leaves a mark, put where anyone may write
// (under /tmp, as a module path from a hostile bundle would name it): it
// is refused before it is loaded (outside the system's library
// directories, and writable by others), and the mark never appears. The
// system's modules (SoftHSM2 under /usr/lib) load as before: every other
// test here uses one.
func TestModuleAnyoneCanWriteIsNeverLoaded(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Fatalf("no C compiler to build the test library (cgo needs one): %v", err)
	}
	mark := filepath.Join(t.TempDir(), "loaded")
	src := filepath.Join(t.TempDir(), "evil.c")
	code := "#include <stdio.h>\n__attribute__((constructor)) static void mark(void) { FILE *f = fopen(\"" + mark + "\", \"w\"); if (f) fclose(f); }\n"
	if err := os.WriteFile(src, []byte(code), 0o600); err != nil {
		t.Fatal(err)
	}
	shared := filepath.Join(os.TempDir(), "ceremony-evil-"+filepath.Base(t.TempDir())+".so")
	t.Cleanup(func() { os.Remove(shared) })
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", shared, src).CombinedOutput(); err != nil {
		t.Fatalf("building the test library: %v\n%s", err, out)
	}
	_, err = p11.Devices([]string{shared})
	if err == nil || !strings.Contains(err.Error(), "is outside the system's library directories") {
		t.Fatalf("a module in %s: %v, want it refused as outside the system's library directories", os.TempDir(), err)
	}
	if err := p11.CheckModuleFile(shared); err == nil || !strings.Contains(err.Error(), "is writable by others") {
		t.Fatalf("a module in %s: %v, want it refused as writable by others too", os.TempDir(), err)
	}
	if _, err := os.Stat(mark); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refused library ran its constructor (%s: %v)", mark, err)
	}
}

// TestModuleDirectories: a module-path is taken below the system's library
// directories only, as written once cleaned (no ".." out of them, no
// directory that merely starts with the same letters).
func TestModuleDirectories(t *testing.T) {
	for path, ok := range map[string]bool{
		"/usr/lib/softhsm/libsofthsm2.so":                    true,
		"/usr/lib/x86_64-linux-gnu/pkcs11/yubihsm_pkcs11.so": true,
		"/usr/local/lib/opensc-pkcs11.so":                    true,
		"/usr/lib/../../tmp/evil.so":                         false,
		"/usr/libexec/evil.so":                               false,
		"/home/mallory/lib.so":                               false,
		"/media/usb/pkcs11.so":                               false,
	} {
		err := p11.CheckModuleDir(path)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want allowed %v", path, err, ok)
		}
	}
}
