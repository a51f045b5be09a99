package claimed_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony/claimed"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestClaimsInitCheckDecodesWhatItHashed: the replay's check of a claims
// workspace's init decodes the trusted claimed it hashed against the init
// record, not the file read again: a trusted claimed that changes on disk
// once it was hashed (here, while the init state is read) is not what the
// check decides on.
func TestClaimsInitCheckDecodesWhatItHashed(t *testing.T) {
	w := ceremonytest.NewClaimsWorld(t)
	w.ClaimsInit("claims")
	dir := w.WS("claims")
	ws, err := workspace.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := transcripts.ReadRecords(ws.TranscriptPath())
	if err != nil || len(recs) == 0 || recs[0].Kind != transcripts.Init {
		t.Fatalf("no init record: %v", err)
	}
	trusted := filepath.Join(dir, filepath.FromSlash(workspace.TrustedPath(plan.RoleClaimed)))
	initial := func() (*metafile.File, string) {
		if err := os.WriteFile(trusted, []byte("{"), 0o644); err != nil {
			t.Fatal(err)
		}
		return ceremonytest.ParseFile(t, ceremonytest.MetaPath(dir, plan.RoleClaimed)), ""
	}
	if why := (claimed.Kind{}).CheckInit(ws, recs[0], initial); why != "" {
		t.Errorf("the check read the trusted claimed again after it was hashed: %s", why)
	}
	// Read again, the changed file is refused.
	if why := (claimed.Kind{}).CheckInit(ws, recs[0], initial); why == "" {
		t.Error("a trusted claimed changed after init passes the init check")
	}
}
