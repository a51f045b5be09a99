package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
)

// TestClaimsSignKeepsTheStateBeforeWhenItCannotRebase: when the state
// before a signature cannot be stored as a difference from the new one
// (here a directory stands where its difference would go), the signature
// still counts and says so in a notice: claimed is signed and written,
// the new state is the metadata's file by a second name, and the state
// before stays whole. Once the obstacle is gone the workspace replays and
// its bundle verifies.
func TestClaimsSignKeepsTheStateBeforeWhenItCannotRebase(t *testing.T) {
	bin := buildCeremony(t)
	start := claimsStart(t, t.TempDir(), 2000)
	r := runner{t: t, bin: bin, dir: start}
	r.must("claims", "init", "--from", "repo", "--claims", "requests", "--date", today(), "ws")
	states := filepath.Join(start, "ws", "transcript", transcripts.StatesDir)
	meta := filepath.Join(start, "ws", "metadata", "claimed.json")
	before := transcripts.Sum(readAll(t, meta))
	blocker := filepath.Join(states, before+transcripts.DeltaSuffix)
	if err := os.Mkdir(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	out := r.must("sign", "--key", "file:admin.key?pin-source=admin.pass", "ws")
	if !strings.Contains(out, "signed claimed") || !strings.Contains(out, "could not finish storing the states before this signature as differences") {
		t.Fatalf("sign with the state before not rebased: want it signed, with a notice:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(states, before+".json")); err != nil {
		t.Fatalf("the state before is not kept whole: %v", err)
	}
	after := transcripts.Sum(readAll(t, meta))
	mfi, _ := os.Stat(meta)
	if sfi, err := os.Stat(filepath.Join(states, after+".json")); err != nil || !os.SameFile(mfi, sfi) {
		t.Fatalf("the signed state is not the metadata's file by a second name: %v", err)
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}
	r.must("replay", "ws")
	r.must("bundle", "--out", "b.tar", "ws")
	r.must("verify", "b.tar")
}

func readAll(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
