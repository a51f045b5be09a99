package ceremony

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/bundle"
)

// TestPutBundle: a bundle is written as Bytes makes it, with its SHA-256;
// a file holding exactly those bytes is left as it is and said to be the
// same; a file holding anything else (other bytes, the bundle and more,
// less of it) or a link is refused and kept.
func TestPutBundle(t *testing.T) {
	entries := []bundle.Entry{{Name: "metadata/2.claimed.json", Data: []byte(strings.Repeat("x", 3<<20))}, {Name: "README.txt", Data: []byte("read me")}}
	want, err := bundle.Bytes(entries)
	if err != nil {
		t.Fatal(err)
	}
	p, err := bundle.Prepare(entries)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "c.tar")
	sum, same, err := putBundle(out, p)
	if err != nil || same || sum != sha256.Sum256(want) {
		t.Fatalf("putBundle: same %v, %v; sum matches: %v", same, err, sum == sha256.Sum256(want))
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, want) {
		t.Fatal("the file written is not the bundle's bytes")
	}
	if sum, same, err = putBundle(out, p); err != nil || !same || sum != sha256.Sum256(want) {
		t.Fatalf("putBundle over the same bytes: same %v, %v", same, err)
	}
	changed := bytes.Clone(want)
	changed[len(changed)/2] ^= 1
	for name, content := range map[string][]byte{"other.tar": changed, "longer.tar": append(bytes.Clone(want), 0), "shorter.tar": want[:len(want)-1]} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, same, err := putBundle(path, p); !errors.Is(err, fs.ErrExist) || same {
			t.Errorf("%s: same %v, %v; want it refused", name, same, err)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
			t.Errorf("%s was changed", name)
		}
	}
	link := filepath.Join(dir, "link.tar")
	if err := os.Symlink(out, link); err != nil {
		t.Fatal(err)
	}
	if _, same, err := putBundle(link, p); !errors.Is(err, fs.ErrExist) || same {
		t.Errorf("a link to the same bytes: same %v, %v; want it refused", same, err)
	}
}
