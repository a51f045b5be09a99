package claimed_test

import (
	"archive/tar"
	"encoding/json"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// checkBundleHoldsClaimedOnce checks the claims bundle c made: claimed
// v2 (signed, whose state is last) is in the file once, its state being a
// hard link to the metadata and init's state a small difference from it;
// and a bundle of the same entries with the states as the workspace
// stores them (as bundles were written before) verifies and replays too.
func checkBundleHoldsClaimedOnce(t *testing.T, c *claimsBench, signed []byte, last string) {
	t.Helper()
	f, err := os.Open(c.bundle)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stored, err := transcripts.Verify(filepath.Join(c.ws, "transcript"))
	if err != nil {
		t.Fatal(err)
	}
	initial := stored.Records[0].States["claimed"]
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	var trusted int64
	linked, deltas := false, 0
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case hdr.Name == "transcript/states/"+last+".json":
			linked = hdr.Typeflag == tar.TypeLink && strings.HasPrefix(hdr.Linkname, "metadata/") && strings.HasSuffix(hdr.Linkname, ".claimed.json")
		case strings.HasSuffix(hdr.Name, transcripts.DeltaSuffix):
			deltas++
			var d struct {
				Base string `json:"base"`
			}
			data, err := io.ReadAll(tr)
			if err != nil || json.Unmarshal(data, &d) != nil {
				t.Fatalf("%s: %v", hdr.Name, err)
			}
			if hdr.Name != "transcript/states/"+initial+transcripts.DeltaSuffix || d.Base != last || hdr.Size > 1024 {
				t.Errorf("%s: a difference of %d bytes from %s; want init's state %s from the signed state", hdr.Name, hdr.Size, d.Base, initial)
			}
		case hdr.Name == "trusted/claimed.json":
			trusted = hdr.Size
		}
	}
	if !linked || deltas != 1 {
		t.Errorf("the signed state is a hard link to the metadata: %v; differences: %d, want init's", linked, deltas)
	}
	// claimed v1 (trusted/) and v2 once, and less than a MiB besides.
	if trusted == 0 || fi.Size() > trusted+int64(len(signed))+1<<20 {
		t.Errorf("the bundle is %d bytes; claimed v1 is %d and v2 %d", fi.Size(), trusted, len(signed))
	}

	b, err := bundle.Read(c.bundle, bundle.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := b.ReadAll()
	b.Close()
	if err != nil {
		t.Fatal(err)
	}
	var old []bundle.Entry
	for _, e := range entries {
		if !strings.HasPrefix(e.Name, "transcript/states/") {
			old = append(old, e)
		}
	}
	statesDir := filepath.Join(c.ws, "transcript", transcripts.StatesDir)
	files, err := os.ReadDir(statesDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sf := range files {
		data, err := os.ReadFile(filepath.Join(statesDir, sf.Name()))
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, bundle.Entry{Name: path.Join("transcript/states", sf.Name()), Data: data})
	}
	oldPath := filepath.Join(t.TempDir(), "old.tar")
	if _, err := bundle.Write(oldPath, old); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyBundle(ceremonytest.Engine, oldPath, "", c.now)
	if err != nil || !rep.OK() {
		t.Fatalf("a bundle with the workspace's states: %v %v", err, rep.Errors())
	}
	replayed, err := audit.ReplayBundle(ceremonytest.Engine, oldPath)
	if err != nil || !replayed.OK() {
		t.Fatalf("a bundle with the workspace's states does not replay: %v %+v", err, replayed.FirstBad)
	}
}
