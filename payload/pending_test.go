package payload_test

import (
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	payloadfile "github.com/tuf-ceremony/ceremony/payload"
)

// An RSTUF pending-signing answer for a new root version, built from a real
// rotation, is signed offline: the sign payload RSTUF takes comes out, its
// signature verifies over the pending root's canonical bytes, and a key of
// neither root is refused.
func TestSignRSTUFPendingFromARotation(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	ws1 := f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws1", "").Dir
	f.Sign(ws1, "alice", "bob", "carol")
	ws2 := f.Init(f.Plan("plan.yaml.2", ceremonytest.StandardPlan()), "ws2", ceremonytest.MetaPath(ws1, "root")).Dir
	f.Sign(ws2, "alice")

	answer, err := json.Marshal(map[string]any{
		"data": map[string]any{"metadata": map[string]json.RawMessage{
			"root":         ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws2, "root")),
			"trusted_root": ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws1, "root")),
		}},
		"message": "Metadata role(s) pending signing",
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := payloadfile.ReadPending(answer, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	anchored, err := payloadfile.AnchorPending(p, ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws1, "root")))
	if err != nil {
		t.Fatal(err)
	}
	out, err := payloadfile.SignRSTUFPending(anchored, f.Signers["dave"])
	if err != nil {
		t.Fatalf("dave signs the pending root: %v", err)
	}
	if len(out) != 1 {
		t.Fatalf("%d sign payloads, want 1", len(out))
	}
	var payload struct {
		Role      string `json:"role"`
		Signature struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		} `json:"signature"`
	}
	if err := json.Unmarshal(out[0], &payload); err != nil {
		t.Fatal(err)
	}
	if payload.Role != "root" || payload.Signature.KeyID != f.ID("dave") {
		t.Fatalf("payload %s", out[0])
	}
	sig, err := hex.DecodeString(payload.Signature.Sig)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws2, "root")).Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(f.Signers["dave"].TUFKey(), msg, sig); err != nil {
		t.Errorf("the signature does not verify over the pending root: %v", err)
	}

	stranger := f.NewKey("stranger", keys.TypeEd25519)
	if _, err := payloadfile.SignRSTUFPending(anchored, stranger); err == nil {
		t.Error("a key of neither root signed the pending root")
	}
}
