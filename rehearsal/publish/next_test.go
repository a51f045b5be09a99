package publish_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/verify"
)

// TestPublishNextAddsTarget: the next state of a published repository has
// the new target in its bin, that bin, snapshot and timestamp one version
// up, every other bin as it was; it verifies, and go-tuf downloads the
// target from it.
func TestPublishNextAddsTarget(t *testing.T) {
	for _, p := range []plan.Profile{plan.ProfileRSTUF, plan.ProfilePEP458} {
		t.Run(string(p), func(t *testing.T) {
			r := ceremonyRepo(t, p, true, someTargets)
			if err := publish.Write(r); err != nil {
				t.Fatal(err)
			}
			added := publish.Target{Path: "packages/new-3.0.tar.gz", Data: []byte("new\n")}
			if err := (&publish.Next{Dir: r.Dir, Online: r.Online, Now: testNow, AddTargets: []publish.Target{added}}).Publish(); err != nil {
				t.Fatal(err)
			}
			rep, err := verify.Repository(r.Dir, verify.Options{At: testNow})
			if err != nil || !rep.OK() {
				t.Fatalf("verify: %v %v", err, rep.Errors())
			}
			bin := binFor(added.Path, 8)
			names := strings.Join(metadataFiles(t, r.Dir), " ")
			for _, want := range []string{"2." + bin + ".json", "2.snapshot.json"} {
				if !strings.Contains(names, want) {
					t.Errorf("no %s in %s", want, names)
				}
			}
			if strings.Contains(names, "2.bins-00.json") && bin != "bins-00" {
				t.Errorf("a bin without the new target was signed again: %s", names)
			}
			res, err := gotufclient.Refresh(t, r.Dir, filepath.Join(r.Dir, "metadata", "1.root.json"), added.Path)
			if err != nil || string(res.Target) != "new\n" {
				t.Fatalf("go-tuf: %v %v", err, res)
			}
		})
	}
}

// TestPublishNextNeverOverwrites: a version that is already published is
// refused, not replaced.
func TestPublishNextNeverOverwrites(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP458, true, someTargets)
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	taken := filepath.Join(r.Dir, "metadata", "2.snapshot.json")
	if err := os.WriteFile(taken, []byte("someone else's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := (&publish.Next{Dir: r.Dir, Online: r.Online, Now: testNow}).Publish(); err == nil {
		t.Fatal("snapshot v2 was written over")
	}
	if string(readFile(t, taken)) != "someone else's" {
		t.Fatal("snapshot v2 was replaced")
	}
}
