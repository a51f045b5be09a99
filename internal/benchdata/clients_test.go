package benchdata_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
)

// TestClientsFetchThroughClaimed: a go-tuf and a tuf-js client each fetch
// one project's file through claimed as the tool writes it: root,
// timestamp, snapshot, targets, claimed (the delegation found among all of
// them), the project's own role, the file. go-tuf at 10,000 projects (2.7
// s; CEREMONY_CLIENT_PROJECTS=100000 for PyPI's scale); tuf-js at 2,000
// (CEREMONY_TUFJS_PROJECTS), because tuf-js's time grows with the square
// of the delegations: 4 s at 2,000, over 2 minutes at 10,000, whichever
// project is fetched.
func TestClientsFetchThroughClaimed(t *testing.T) {
	t.Run("go-tuf", func(t *testing.T) { fetchThroughClaimed(t, scale("CEREMONY_CLIENT_PROJECTS", 10_000), false) })
	t.Run("tuf-js", func(t *testing.T) { fetchThroughClaimed(t, scale("CEREMONY_TUFJS_PROJECTS", 2_000), true) })
}

func scale(env string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(env)); err == nil && v > 0 {
		return v
	}
	return def
}

func fetchThroughClaimed(t *testing.T, n int, js bool) {
	fx, err := benchdata.Build(n)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	project := n/2 + 3
	path, err := fx.WriteWithProject(dir, project)
	if err != nil {
		t.Fatal(err)
	}
	if js {
		// tuf-js compares the file it fetched with the file served.
		if v := tufjs.Refresh(t, dir, path); v != 1 {
			t.Errorf("tuf-js trusts root v%d, want v1", v)
		}
		return
	}
	want := "the sdist of " + benchdata.ProjectName(project) + "\n"
	res, err := gotufclient.Refresh(t, dir, filepath.Join(dir, "metadata", benchdata.RootFile), path)
	if err != nil {
		t.Fatalf("go-tuf refused the repository (target %s): %v", path, err)
	}
	if string(res.Target) != want {
		t.Errorf("go-tuf fetched %q, want %q", res.Target, want)
	}
}
