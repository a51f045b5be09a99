// Package pysslib runs Python's reading of TUF metadata for tests: Debian's
// python3 with python3-securesystemslib (installed by scripts/setup), the
// canonical JSON python-tuf checks signatures over. A test that needs it
// fails, never skips, when it is not installed.
package pysslib

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
)

// python is Debian's interpreter, the one python3-securesystemslib is
// installed for (not whatever python3 is first on PATH).
const python = "/usr/bin/python3"

// RootReading is what Python read from root metadata: as tuf-js's reading,
// and the SHA-256 (hex) of the canonical form of "signed".
type RootReading struct {
	Version         int64                        `json:"version"`
	Roles           map[string]tufjs.RoleReading `json:"roles"`
	Keys            []string                     `json:"keys"`
	CanonicalSHA256 string                       `json:"canonical_sha256"`
}

// ReadRoot reads the root metadata in file as Python does; the error is
// Python's refusal.
func ReadRoot(t testing.TB, file string) (*RootReading, error) {
	t.Helper()
	script := filepath.Join(tufjs.RepoRoot(t), "scripts", "python", "read-root.py")
	if _, err := os.Stat(python); err != nil {
		t.Fatalf("pysslib: %s is not installed (%v): run scripts/setup", python, err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, script, file)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	line := bytes.TrimSpace(stdout.Bytes())
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		var r RootReading
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("pysslib: read-root.py printed no verdict (%v)\nstdout: %s\nstderr: %s", err, line, stderr.Bytes())
		}
		return &r, nil
	case errors.As(runErr, &exit) && exit.ExitCode() == 1:
		var v struct {
			OK    *bool  `json:"ok"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal(line, &v); err != nil || v.OK == nil || *v.OK {
			t.Fatalf("pysslib: read-root.py failed without a verdict: %v\nstdout: %s\nstderr: %s", runErr, line, stderr.Bytes())
		}
		return nil, fmt.Errorf("python: %s", v.Error)
	default:
		t.Fatalf("pysslib: %s %s: %v (is python3-securesystemslib installed? run scripts/setup)\nstdout: %s\nstderr: %s", python, script, runErr, line, stderr.Bytes())
		return nil, nil
	}
}

// KeyIDs is the TUF key ID Python computes for each PEM public key file
// (scripts/python/key-id.py: pyca/cryptography's PEM, securesystemslib's
// canonical JSON), by file.
func KeyIDs(t testing.TB, files ...string) map[string]string {
	t.Helper()
	script := filepath.Join(tufjs.RepoRoot(t), "scripts", "python", "key-id.py")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, python, append([]string{script}, files...)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pysslib: %s %s: %v (are python3-securesystemslib and python3-cryptography installed? run scripts/setup)\n%s", python, script, err, stderr.Bytes())
	}
	ids := map[string]string{}
	for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
		id, file, ok := bytes.Cut(line, []byte(" "))
		if !ok {
			t.Fatalf("pysslib: key-id.py printed %q", line)
		}
		ids[string(file)] = string(id)
	}
	if len(ids) != len(files) {
		t.Fatalf("pysslib: key-id.py gave %d key IDs for %d files", len(ids), len(files))
	}
	return ids
}
