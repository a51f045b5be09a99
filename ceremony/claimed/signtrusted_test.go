package claimed_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestClaimsSignChecksTrustedClaimed: signing claimed still reads the
// trusted claimed it follows, now read only when the signature is about to
// be checked: a trusted claimed at the version being signed is refused as
// a rollback, and one that does not parse stops the signing, naming it.
// Nothing is signed either time.
func TestClaimsSignChecksTrustedClaimed(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	w.ClaimsInit("claims")
	ws := w.WS("claims")
	trusted := filepath.Join(ws, filepath.FromSlash(workspace.TrustedPath("claimed")))
	data, err := os.ReadFile(trusted)
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`("version":\s*)1\b`)
	if len(version.FindAllIndex(data, -1)) != 1 {
		t.Fatalf("trusted claimed holds no single version 1:\n%s", data)
	}
	for _, c := range []struct {
		name, content, want string
	}{
		{"same version", string(version.ReplaceAll(data, []byte("${1}2"))), "does not follow the trusted claimed version 2"},
		{"not JSON", "{", workspace.TrustedPath("claimed")},
	} {
		if err := os.WriteFile(trusted, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: w.Signers["alice"], Now: ceremonytest.Now})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: sign: %v; want an error saying %q", c.name, err, c.want)
		}
		if f := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "claimed")); len(f.Signatures) != 0 {
			t.Errorf("%s: claimed was signed: %+v", c.name, f.Signatures)
		}
	}
}
