package audit_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
)

func TestBundleTamperedEntry(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob", "carol")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: good})
	if rep := ceremonytest.VerifyBundle(t, good, ""); !rep.OK() {
		t.Fatalf("untampered bundle: %v", rep.Errors())
	}
	for _, name := range []string{"metadata/1.root.json", "metadata/1.targets.json"} {
		t.Run(name, func(t *testing.T) {
			b := ceremonytest.ReadBundle(t, good)
			var entries []bundle.Entry
			for _, e := range ceremonytest.BundleEntries(t, b) {
				if e.Name == name {
					// Change one digit of the expiry: the signed bytes change.
					i := bytes.Index(e.Data, []byte(`"expires":"20`))
					if i < 0 {
						i = bytes.Index(e.Data, []byte(`"expires": "20`)) - 1
					}
					if i < 0 {
						t.Fatalf("%s has no expires field", name)
					}
					e.Data = bytes.Clone(e.Data)
					e.Data[i+len(`"expires":"20`)+1] ^= 1
				}
				entries = append(entries, e)
			}
			bad := filepath.Join(t.TempDir(), "bad.tar")
			if _, err := bundle.Write(bad, entries); err != nil {
				t.Fatal(err)
			}
			rep := ceremonytest.VerifyBundle(t, bad, "")
			if rep.OK() {
				t.Fatal("tampered bundle verifies")
			}
			var named bool
			for _, e := range rep.Errors() {
				named = named || e.File == name
			}
			if !named {
				t.Errorf("no error names %s: %v", name, rep.Errors())
			}
		})
	}
}

func TestVerifyBundleRefusesWhatIsNotABundle(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.tar")
	if err := ceremonytest.WriteFile(garbage, []byte("not a tar file at all")); err != nil {
		t.Fatal(err)
	}
	// Not a tar file at all: refused as no bundle, in one line that says
	// what it is not.
	if rep, err := audit.VerifyBundle(ceremonytest.Engine, garbage, "", ceremonytest.Now); err == nil || rep != nil || !strings.Contains(err.Error(), "is not a bundle") {
		t.Errorf("garbage: %v %v", rep, err)
	}
	// A well-formed bundle that is no ceremony's.
	other := filepath.Join(dir, "other.tar")
	if _, err := bundle.Write(other, []bundle.Entry{{Name: "hello.txt", Data: []byte("hi\n")}}); err != nil {
		t.Fatal(err)
	}
	if rep := ceremonytest.VerifyBundle(t, other, ""); rep.OK() {
		t.Error("a bundle without metadata verifies")
	}
}

// A file among the transcript's states that is no stored state is an
// entry the ceremony does not make: verify names it. (Before, it was
// unpacked with the states and made again as it was.)
func TestVerifyBundleRefusesAStrayState(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice", "bob", "carol")
	good := filepath.Join(t.TempDir(), "good.tar")
	ceremonytest.MakeBundle(t, ceremony.BundleOptions{Dir: ws, Out: good})
	const stray = "transcript/states/notes.txt"
	entries := append(ceremonytest.BundleEntries(t, ceremonytest.ReadBundle(t, good)), bundle.Entry{Name: stray, Data: []byte("x\n")})
	bad := filepath.Join(t.TempDir(), "bad.tar")
	if _, err := bundle.Write(bad, entries); err != nil {
		t.Fatal(err)
	}
	rep := ceremonytest.VerifyBundle(t, bad, "")
	var named bool
	for _, e := range rep.Errors() {
		named = named || (e.File == stray && strings.Contains(e.Message, "is not a stored state"))
	}
	if !named {
		t.Errorf("no error names %s as no stored state: %v", stray, rep.Errors())
	}
}
