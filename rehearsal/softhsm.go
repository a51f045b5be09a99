package rehearsal

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// configureSoftHSM makes a SoftHSM2 configuration whose tokens live in dir,
// and points this process (and the softhsm2-util it runs) at it.
func configureSoftHSM(dir string) error {
	tokens := filepath.Join(dir, "tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return fmt.Errorf("failed to create the SoftHSM2 token directory: %w", err)
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	text := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := atomicfile.Replace(conf, []byte(text), 0o600); err != nil {
		return fmt.Errorf("failed to write the SoftHSM2 configuration: %w", err)
	}
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return fmt.Errorf("failed to set SOFTHSM2_CONF: %w", err)
	}
	return nil
}

// initToken makes a SoftHSM2 token labelled label with the user PIN pin
// and an SO PIN nobody knows.
func initToken(util, label, pin string) error {
	so := make([]byte, 8)
	rand.Read(so)
	out, err := exec.Command(util, "--init-token", "--free", "--label", label, "--so-pin", hex.EncodeToString(so), "--pin", pin).CombinedOutput()
	if err != nil {
		return fmt.Errorf("failed to make SoftHSM2 token %s: softhsm2-util: %w: %s", label, err, bytes.ReplaceAll(bytes.TrimSpace(out), []byte("\n"), []byte(" | ")))
	}
	return nil
}
