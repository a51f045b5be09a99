package claimed_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestClaimsBundleChecksTrustedFiles: a claims bundle carries the trusted
// files the ceremony started from as they are, without decoding them, and
// only when they are the files the init record names: a trusted file
// changed after init (still JSON, or not) stops the bundle, naming it, and
// no bundle is written. Put back, the same workspace bundles.
func TestClaimsBundleChecksTrustedFiles(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	w.ClaimsInit("claims")
	ws := w.WS("claims")
	w.Sign(ws, "alice")
	w.Sign(ws, "bob")
	for _, role := range []string{"claimed", "targets"} {
		name := workspace.TrustedPath(role)
		trusted := filepath.Join(ws, filepath.FromSlash(name))
		data := ceremonytest.ReadFile(t, trusted)
		for _, changed := range []string{string(data) + "\n", "{"} {
			if err := os.WriteFile(trusted, []byte(changed), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(w.Dir, "changed.tar")
			_, err := ceremonytest.Engine.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: ceremonytest.Now})
			// A trusted targets that does not parse is refused as the
			// rules read it, before the bytes are compared.
			want := name + " hashes to"
			if role == "targets" && changed == "{" {
				want = name + ": not a JSON object"
			}
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("bundle with %s changed to %.20q: %v; want it refused, saying %q", name, changed, err, want)
			}
			if _, err := os.Stat(out); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("bundle with %s changed: %s was written (%v)", name, out, err)
			}
		}
		if err := os.WriteFile(trusted, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: filepath.Join(w.Dir, "claims.tar")})
}
