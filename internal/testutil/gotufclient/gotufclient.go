// Package gotufclient runs go-tuf's real updater against a repository
// directory, for tests: the directory is served over HTTP on loopback, the
// updater trusts a given root, refreshes, and downloads a target.
package gotufclient

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"
)

// Result is what a successful refresh saw.
type Result struct {
	RootVersion int64
	Target      []byte
}

// Refresh serves repoDir (metadata/ and targets/), trusts trustedRoot,
// refreshes and downloads targetPath. The error is go-tuf's own.
func Refresh(t testing.TB, repoDir, trustedRoot, targetPath string) (*Result, error) {
	t.Helper()
	root, err := os.ReadFile(trustedRoot)
	if err != nil {
		t.Fatalf("failed to read trusted root: %v", err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(repoDir)))
	defer srv.Close()
	cfg, err := config.New(srv.URL+"/metadata", root)
	if err != nil {
		t.Fatalf("go-tuf config: %v", err)
	}
	cfg.RemoteTargetsURL = srv.URL + "/targets"
	cfg.LocalMetadataDir = filepath.Join(t.TempDir(), "metadata")
	cfg.LocalTargetsDir = filepath.Join(t.TempDir(), "targets")
	if err := cfg.EnsurePathsExist(); err != nil {
		t.Fatalf("go-tuf config: %v", err)
	}
	up, err := updater.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := up.Refresh(); err != nil {
		return nil, err
	}
	info, err := up.GetTargetInfo(targetPath)
	if err != nil {
		return nil, err
	}
	_, data, err := up.DownloadTarget(info, "", "")
	if err != nil {
		return nil, err
	}
	return &Result{RootVersion: up.GetTrustedMetadataSet().Root.Signed.Version, Target: data}, nil
}
