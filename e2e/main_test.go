package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/kinds"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/keys"
)

// eng runs the ceremony steps in these tests, on workspaces of every kind.
var eng = kinds.Engine(backends)

// backends open the keys of these tests.
var backends = keys.NewBackends(p11.Backend{}, yubikey.Backend{})

// TestMain gives the hardware tests real parts: SoftHSM2 tokens in a
// private configuration and a private pcscd with vpcd readers for virtual
// YubiKeys. Both fail the tests that use them loudly when missing.
func TestMain(m *testing.M) {
	code := pcsctest.Wrap(func() int {
		return p11test.Main(m,
			p11test.Spec{Name: "hw-ed25519", Label: "hw-ed25519"},
			p11test.Spec{Name: "hw-p384", Label: "hw-p384"})
	})
	if release.path != "" {
		os.RemoveAll(filepath.Dir(release.path))
	}
	os.Exit(code)
}
