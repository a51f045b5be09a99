package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// 'ceremony key import' writes the TUF key of a YubiHSM 2's exported raw
// point and of its PEM alike, prints its key ID, and never replaces a file.
func TestKeyImport(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", "..", "testdata", "psf-2020-ceremony", "0013200461", "0013200461_targets_pubkey")
	importKey := func(args ...string) (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"key", "import"}, args...), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	code, out, errs := importKey("--curve", "p256", "--out", filepath.Join(dir, "raw.pub"), src+".pub")
	if code != 0 || !strings.HasPrefix(out, "key ") || !strings.Contains(out, "ecdsa-sha2-nistp256 (begins ") {
		t.Fatalf("import of the raw point: exit %d\n%s%s", code, out, errs)
	}
	code, out2, errs := importKey("--out", filepath.Join(dir, "pem.pub"), src+".pem")
	if code != 0 || out2 != out {
		t.Fatalf("import of the PEM: exit %d, %q; the raw point gave %q\n%s", code, out2, out, errs)
	}
	data, err := os.ReadFile(filepath.Join(dir, "raw.pub"))
	if err != nil {
		t.Fatal(err)
	}
	k, err := keys.ParseKeyJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := keys.ID(k); !strings.Contains(out, id) {
		t.Errorf("the key file holds key %s, the output says %q", id, out)
	}
	// A file there is never replaced; a raw point without its curve is
	// refused in one line that says which.
	if code, _, errs := importKey("--out", filepath.Join(dir, "raw.pub"), src+".pem"); code == 0 || !strings.Contains(errs, "never replaced") {
		t.Errorf("import over an existing file: exit %d\n%s", code, errs)
	}
	if code, _, errs := importKey("--out", filepath.Join(dir, "x.pub"), src+".pub"); code == 0 || !strings.Contains(errs, "give --curve p256") || strings.Count(strings.TrimSpace(errs), "\n") > 1 {
		t.Errorf("a raw point without --curve: exit %d\n%s", code, errs)
	}
}
