// Package tufjs lets tests check what this project writes with tuf-js, a TUF
// client written in JavaScript, so that repositories and root chains are
// accepted by a second implementation and not only by go-tuf.
//
// It runs node on scripts/tuf-js/refresh.mjs and verify-root.mjs. Their
// dependencies are installed by scripts/setup (or `make deps`); when node or
// scripts/tuf-js/node_modules is missing the test fails, loudly, and is never
// skipped: a check that silently does not run is worse than none.
//
// Only a verdict from tuf-js counts as a rejection: a script that crashes,
// cannot load tuf-js or prints no verdict fails the test, so that a test
// expecting a rejection cannot pass because node broke.
package tufjs

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
)

// timeout bounds one run of a script; refreshing a PEP 458 repository of
// 16,384 bins takes seconds, not minutes.
const timeout = 5 * time.Minute

// Result is the verdict refresh.mjs prints.
type Result struct {
	OK                 bool              `json:"ok"`
	Error              string            `json:"error,omitempty"`
	RootVersion        int               `json:"rootVersion"`
	ConsistentSnapshot bool              `json:"consistentSnapshot"`
	Target             string            `json:"target"`
	Length             int64             `json:"length"`
	Hashes             map[string]string `json:"hashes"`
	Served             string            `json:"served"` // URL path of the target file tuf-js fetched
}

// Refresh runs the tuf-js client against repoDir (which holds metadata/,
// with 1.root.json as the trusted root, and targets/), downloads targetPath
// and compares it with the file served. It fails the test unless all of that
// succeeds, and returns the version of the root tuf-js ends up trusting.
func Refresh(t testing.TB, repoDir, targetPath string) (rootVersion int) {
	t.Helper()
	res, err := TryRefresh(t, repoDir, targetPath)
	if err != nil {
		t.Fatalf("tuf-js rejected repository %s (target %q): %v", repoDir, targetPath, err)
	}
	return res.RootVersion
}

// TryRefresh is Refresh for tests that expect a rejection: it returns tuf-js's
// verdict as an error instead of failing the test.
func TryRefresh(t testing.TB, repoDir, targetPath string) (Result, error) {
	t.Helper()
	var res Result
	err := run(t, "refresh.mjs", &res, repoDir, targetPath)
	if err == nil && !res.OK {
		t.Fatalf("tufjs: refresh.mjs exited 0 with a failed verdict: %+v", res)
	}
	return res, err
}

// VerifyRootChain checks root metadata files, oldest first, as a client
// updating its trusted root would: the first must be signed by its own
// threshold, and each next one by the threshold of the previous root and its
// own, with the version one higher. It returns tuf-js's reason for a rejection.
func VerifyRootChain(t testing.TB, roots ...string) error {
	t.Helper()
	if len(roots) == 0 {
		t.Fatal("tufjs: VerifyRootChain needs at least one root")
	}
	var res struct {
		OK bool `json:"ok"`
	}
	return run(t, "verify-root.mjs", &res, roots...)
}

// verdict is the failure line both scripts print before exiting 1.
type verdict struct {
	OK    *bool  `json:"ok"`
	File  string `json:"file"`
	Error string `json:"error"`
}

// run runs node on script with args and decodes the JSON line it prints into
// out. It returns an error only for a verdict of rejection (exit status 1 and
// {"ok":false,...}); anything else that goes wrong fails the test.
func run(t testing.TB, script string, out any, args ...string) error {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "scripts", "tuf-js")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("tufjs: node is not installed (%v): run scripts/setup", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "tuf-js", "package.json")); err != nil {
		t.Fatalf("tufjs: tuf-js is not installed in %s/node_modules (%v): run scripts/setup or `make deps`", dir, err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{filepath.Join(dir, script)}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()

	// The verdict is the last line: anything before it is not ours to read.
	line := bytes.TrimSpace(stdout.Bytes())
	if i := bytes.LastIndexByte(line, '\n'); i >= 0 {
		line = line[i+1:]
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil:
		if err := json.Unmarshal(line, out); err != nil {
			t.Fatalf("tufjs: %s printed no verdict (%v)\nstdout: %s\nstderr: %s", script, err, line, stderr.Bytes())
		}
		return nil
	case errors.As(runErr, &exit) && exit.ExitCode() == 1:
		var v verdict
		if err := json.Unmarshal(line, &v); err != nil || v.OK == nil || *v.OK {
			t.Fatalf("tufjs: %s failed without a verdict: %v\nstdout: %s\nstderr: %s", script, runErr, line, stderr.Bytes())
		}
		if v.File != "" {
			return fmt.Errorf("tuf-js: %s: %s", v.File, v.Error)
		}
		return fmt.Errorf("tuf-js: %s", v.Error)
	default:
		t.Fatalf("tufjs: node %s %q: %v\nstdout: %s\nstderr: %s", script, args, runErr, line, stderr.Bytes())
		return nil
	}
}

// RepoRoot is the repository's root: the first directory holding go.mod
// above the working directory (a test's package directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("tufjs: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("tufjs: no go.mod above %s", wd)
		}
	}
}

// MatchPaths asks tuf-js's delegated-role matcher which of roles (name to
// path patterns) match each path: what a tuf-js client follows.
func MatchPaths(t testing.TB, roles map[string][]string, paths []string) map[string][]string {
	t.Helper()
	in, err := json.Marshal(map[string]any{"roles": roles, "paths": paths})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "match.json")
	if err := os.WriteFile(file, in, 0o600); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Matches map[string][]string `json:"matches"`
	}
	if err := run(t, "match-paths.mjs", &res, file); err != nil {
		t.Fatal(err)
	}
	return res.Matches
}

// RootReading is what tuf-js read from root metadata: its version, each
// role's threshold and key IDs (sorted), and the key IDs of its keys.
type RootReading struct {
	Version int64                  `json:"version"`
	Roles   map[string]RoleReading `json:"roles"`
	Keys    []string               `json:"keys"`
}

// RoleReading is one role of a RootReading.
type RoleReading struct {
	Threshold int      `json:"threshold"`
	KeyIDs    []string `json:"keyids"`
}

// ReadRoot reads the root metadata in file as tuf-js's Metadata.fromJSON
// does; the error is tuf-js's refusal.
func ReadRoot(t testing.TB, file string) (*RootReading, error) {
	t.Helper()
	var r RootReading
	if err := run(t, "read-root.mjs", &r, file); err != nil {
		return nil, err
	}
	return &r, nil
}
