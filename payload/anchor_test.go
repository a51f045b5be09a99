package payload_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
)

// pendingAnswer is RSTUF's pending answer for root (and its trusted root).
func pendingAnswer(t *testing.T, root, trusted []byte) []byte {
	t.Helper()
	md := map[string]json.RawMessage{"root": root}
	if trusted != nil {
		md["trusted_root"] = trusted
	}
	b, err := json.Marshal(map[string]any{"data": map[string]any{"metadata": md}, "message": "Metadata role(s) pending signing"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A pending root is signed only against the keyholder's own root: the one
// it carries must be theirs; a root v1 only when nothing is trusted yet.
func TestAnchorPending(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws1 := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws1", "").Dir
	f.Sign(ws1, "alice", "bob", "carol")
	ws2 := f.Init(f.Plan("plan.yaml.2", ceremonytest.StandardPlan()), "ws2", ceremonytest.MetaPath(ws1, "root")).Dir
	// Another repository's root v1: the same keys, another expiry.
	otherPlan := ceremonytest.StandardPlan()
	otherPlan.RootDays = 300
	other := f.Init(f.Plan("plan.yaml.3", otherPlan), "other", "").Dir
	f.Sign(other, "alice", "bob", "carol")

	mine := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws1, "root"))
	root2 := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws2, "root"))
	read := func(answer []byte) error {
		t.Helper()
		p, err := payloadfile.ReadPending(answer, ceremonytest.Now)
		if err != nil {
			t.Fatal(err)
		}
		a, err := payloadfile.AnchorPending(p, mine)
		if (a == nil) == (err == nil) {
			t.Fatalf("AnchorPending: anchored %v, error %v: want one of them", a != nil, err)
		}
		return err
	}
	if err := read(pendingAnswer(t, root2, ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root")))); err != nil {
		t.Errorf("root v2 over my root v1: %v", err)
	}
	otherRoot := ceremonytest.ReadFile(t, ceremonytest.MetaPath(other, "root"))
	if sameBytes(t, otherRoot, ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root"))) {
		t.Fatal("the other repository's root is mine")
	}
	if err := read(pendingAnswer(t, root2, otherRoot)); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("root v2 over another root v1: %v, want ErrNotTrusted", err)
	}
	if err := read(pendingAnswer(t, ceremonytest.ReadFile(t, ceremonytest.MetaPath(other, "root")), nil)); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("a pending root v1 while I trust a root: %v, want ErrNotTrusted", err)
	}
	p, err := payloadfile.ReadPending(pendingAnswer(t, root2, ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root"))), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := payloadfile.AnchorPending(p, nil); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("a pending root v2 with nothing trusted: %v, want ErrNotTrusted", err)
	}
}

func sameBytes(t *testing.T, a, b []byte) bool {
	t.Helper()
	fa, err := metafile.Parse(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := metafile.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := fa.Canonical()
	cb, _ := fb.Canonical()
	return string(ca) == string(cb)
}

// TestNothingUnanchoredIsSigned: an Anchored or AnchoredPending not made
// by Anchor or AnchorPending holds nothing, and nothing is signed from it.
func TestNothingUnanchoredIsSigned(t *testing.T) {
	s, err := keys.GenerateSoftware("test:k", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := payloadfile.Sign(&payloadfile.Anchored{}, s, time.Time{}); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("Sign of a zero Anchored: %v, want ErrNotTrusted", err)
	}
	if _, err := payloadfile.SignRSTUFPending(&payloadfile.AnchoredPending{}, s); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("SignRSTUFPending of a zero AnchoredPending: %v, want ErrNotTrusted", err)
	}
	if _, err := payloadfile.Sign(nil, s, time.Time{}); !errors.Is(err, payloadfile.ErrNotTrusted) {
		t.Errorf("Sign of nil: %v, want ErrNotTrusted", err)
	}
}
