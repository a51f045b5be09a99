//go:build cgo

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A scenario the tool does not know, and claims on a lab without claimed,
// are refused in one line before any device is simulated or any directory
// made.
func TestRehearseRefusesScenariosItCannotRun(t *testing.T) {
	for _, args := range [][]string{
		{"--scenario", "yearly"},
		{"--scenario", "claims", "--profile", "pep458"},
	} {
		dir := filepath.Join(t.TempDir(), "lab")
		var stdout, stderr bytes.Buffer
		code := run(append([]string{"rehearse", "--dir", dir}, args...), &stdout, &stderr)
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if code != 2 || !strings.Contains(lines[0], "--scenario") {
			t.Errorf("rehearse %q: exit %d, stderr:\n%s", args, code, stderr.String())
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("rehearse %q made %s before refusing", args, dir)
		}
	}
}
