package ceremony_test

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/testutil/ceremonytest"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func signedRoles(res *ceremony.SignResult) []string {
	var out []string
	for _, s := range res.Signed {
		out = append(out, s.Role)
	}
	return out
}

func TestSignSignsEveryRoleTheKeyMaySign(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")

	// alice is in root and targets.
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := signedRoles(res); strings.Join(got, ",") != "root,targets" {
		t.Fatalf("alice signed %v, want root then targets", got)
	}
	for _, s := range res.Signed {
		if len(s.KeyIDs) != 1 || s.KeyIDs[0] != f.ID("alice") || s.Holder != "alice" {
			t.Errorf("signature for %s: key IDs %v holder %q, want [%s] alice", s.Role, s.KeyIDs, s.Holder, f.ID("alice"))
		}
	}
	for _, role := range []string{"root", "targets"} {
		if !verifies(t, ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, role)), f.ID("alice"), f.Signers["alice"].TUFKey()) {
			t.Errorf("%s.json has no valid signature by alice", role)
		}
	}

	// dave is in root only: targets is left alone.
	targetsBefore := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "targets"))
	res, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["dave"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := signedRoles(res); strings.Join(got, ",") != "root" {
		t.Fatalf("dave signed %v, want root only", got)
	}
	if string(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "targets"))) != string(targetsBefore) {
		t.Error("targets.json changed when a root-only key signed")
	}
	root := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "root"))
	if !verifies(t, root, f.ID("dave"), f.Signers["dave"].TUFKey()) || !verifies(t, root, f.ID("alice"), f.Signers["alice"].TUFKey()) {
		t.Error("root.json does not hold valid signatures by alice and dave")
	}
	if len(root.Signatures) != 2 {
		t.Errorf("root.json has %d signatures, want 2", len(root.Signatures))
	}
}

func TestSignRoleOption(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")

	rootBefore := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Role: "targets", Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := signedRoles(res); strings.Join(got, ",") != "targets" {
		t.Fatalf("--role targets signed %v", got)
	}
	if string(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "root"))) != string(rootBefore) {
		t.Error("root.json changed although only targets was asked for")
	}

	// Without --role, the same key now signs what is left, and says what it
	// had signed before.
	res, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatalf("second sign, of the roles left: %v", err)
	}
	if got := signedRoles(res); strings.Join(got, ",") != "root" {
		t.Errorf("second sign signed %v, want root only", got)
	}
	if strings.Join(res.AlreadySigned, ",") != "targets" {
		t.Errorf("AlreadySigned = %v, want [targets]", res.AlreadySigned)
	}

	// A role the workspace does not sign.
	before := ceremonytest.SnapshotFiles(t, ws)
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["bob"], Role: "snapshot", Now: ceremonytest.Now}); err == nil {
		t.Error("signing role snapshot (online, not in the workspace) succeeded")
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
}

func TestSignRefusesExpiredMetadata(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	spec := ceremonytest.StandardPlan()
	spec.TargetsDays = 30 // targets expires long before root
	f.Init(f.Plan("plan.yaml", spec), "ws", "")
	ws := f.WS("ws")
	before := ceremonytest.SnapshotFiles(t, ws)

	rootExpiry := ceremonytest.Now.Add(365 * 24 * time.Hour)
	for _, tc := range []struct {
		name    string
		now     time.Time
		expired string
	}{
		// Refused as a whole, before anything is signed: root, which is
		// still valid, is not signed either.
		{"targets expired", ceremonytest.Now.Add(31 * 24 * time.Hour), "targets.json"},
		{"root expired", rootExpiry.Add(time.Second), "root.json"},
		// At the expiry instant, metadata is expired (TUF 5.3.10: expires
		// at or before now).
		{"root at its expiry instant", rootExpiry, "root.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: tc.now}
			if tc.expired == "root.json" {
				opts.Role = "root"
			}
			res, err := ceremonytest.Engine.Sign(opts)
			if err == nil {
				t.Fatalf("signing at %s succeeded (signed %v); want a refusal of expired metadata", tc.now, signedRoles(res))
			}
			if !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), tc.expired) {
				t.Errorf("error %q does not say that %s is expired", err, tc.expired)
			}
			if errors.Is(err, ceremony.ErrNotAuthorized) || errors.Is(err, ceremony.ErrAlreadySigned) {
				t.Errorf("expiry refusal %q is reported as an authorization problem", err)
			}
			ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
		})
	}

	// One second before root's expiry, root is still signed.
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Role: "root", Now: rootExpiry.Add(-time.Second)}); err != nil {
		t.Errorf("signing root one second before it expires: %v", err)
	}
}

func TestSignRefusesRootVersionThatDoesNotFollow(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	planPath := f.Plan("plan.yaml", ceremonytest.StandardPlan())
	f.Init(planPath, "ws1", "")
	f.Sign(f.WS("ws1"), "alice", "bob", "carol")

	t.Run("next root", func(t *testing.T) {
		f.Init(planPath, "ws2", ceremonytest.MetaPath(f.WS("ws1"), "root"))
		ws := f.WS("ws2")
		ceremonytest.SetSigned(t, ws, "root", "version", 3)
		before := ceremonytest.SnapshotFiles(t, ws)
		_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
		if err == nil {
			t.Fatal("a root v3 following trusted root v1 was signed")
		}
		if !strings.Contains(err.Error(), "does not follow") || !strings.Contains(err.Error(), "want 2") {
			t.Errorf("error %q does not say that version 3 does not follow 1 (want 2)", err)
		}
		ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
	})

	t.Run("bootstrap", func(t *testing.T) {
		f.Init(planPath, "ws3", "")
		ws := f.WS("ws3")
		ceremonytest.SetSigned(t, ws, "root", "version", 2)
		before := ceremonytest.SnapshotFiles(t, ws)
		_, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["dave"], Now: ceremonytest.Now})
		if err == nil {
			t.Fatal("a bootstrap root v2 (no trusted root: must be v1) was signed")
		}
		if !strings.Contains(err.Error(), "want 1") {
			t.Errorf("error %q does not say version 1 is wanted", err)
		}
		ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
	})
}

func TestSignRefusesUnauthorizedKey(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin", "mallory")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	before := ceremonytest.SnapshotFiles(t, ws)

	// dave may sign root only.
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["dave"], Role: "targets", Now: ceremonytest.Now})
	if !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("dave signing targets: err = %v, want ErrNotAuthorized", err)
	}
	if res != nil && len(res.Signed) > 0 {
		t.Errorf("refused sign reports signatures %v", signedRoles(res))
	}
	if !strings.Contains(err.Error(), "dave") {
		t.Errorf("error %q does not name the key's holder", err)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))

	// mallory is in no plan at all.
	_, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["mallory"], Now: ceremonytest.Now})
	if !errors.Is(err, ceremony.ErrNotAuthorized) {
		t.Fatalf("a key no role lists: err = %v, want ErrNotAuthorized", err)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
}

func TestSignRefusesSameKeyTwice(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice")
	before := ceremonytest.SnapshotFiles(t, ws)

	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if !errors.Is(err, ceremony.ErrAlreadySigned) {
		t.Fatalf("alice signing twice: err = %v, want ErrAlreadySigned", err)
	}
	if res == nil || strings.Join(res.AlreadySigned, ",") != "root,targets" || len(res.Signed) != 0 {
		t.Errorf("result = %+v, want AlreadySigned [root targets] and nothing signed", res)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))

	_, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Role: "root", Now: ceremonytest.Now})
	if !errors.Is(err, ceremony.ErrAlreadySigned) {
		t.Fatalf("alice signing root twice with --role: err = %v, want ErrAlreadySigned", err)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
	if n := len(ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "root")).Signatures); n != 1 {
		t.Errorf("root.json has %d signatures after alice signed once and was refused twice, want 1", n)
	}
}

// A keyholder who leaves (listed by the previous root, not the new one)
// signs the next root for the previous root's rule only; one who joins,
// for the new root's only.
func TestSignLeavingAndJoiningKeyholders(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin", "frank")
	f.Init(f.Plan("plan1.yaml", ceremonytest.StandardPlan()), "ws1", "")
	f.Sign(f.WS("ws1"), "alice", "bob", "carol")

	next := ceremonytest.StandardPlan()
	next.Keyholders = []string{"alice", "bob", "carol", "dave", "erin", "frank"} // erin stays, in no role
	next.Root = []string{"alice", "bob", "carol", "dave", "frank"}
	f.Init(f.Plan("plan2.yaml", next), "ws2", ceremonytest.MetaPath(f.WS("ws1"), "root"))
	ws := f.WS("ws2")

	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["erin"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatalf("erin (previous root only) signing the next root: %v", err)
	}
	if len(res.Signed) != 1 || res.Signed[0].Role != "root" || strings.Join(res.Signed[0].KeyIDs, ",") != f.ID("erin") || res.Signed[0].Holder != "erin" {
		t.Fatalf("erin's signing result = %+v, want root under her key ID, held by erin", res.Signed)
	}

	st := ceremonytest.GetStatus(t, ws)
	root := ceremonytest.RoleStatus(t, st, "root")
	if len(root.Thresholds) != 2 {
		t.Fatalf("next root has %d threshold counts, want 2 (previous root's, then its own)", len(root.Thresholds))
	}
	prev, own := root.Thresholds[0], root.Thresholds[1]
	if !strings.Contains(prev.Delegator, "previous") || !strings.Contains(prev.Delegator, "v1") || !strings.Contains(own.Delegator, "v2") {
		t.Errorf("delegators %q, %q: want the previous root v1 first, then root v2", prev.Delegator, own.Delegator)
	}
	if prev.Threshold != 3 || own.Threshold != 3 {
		t.Errorf("thresholds %d and %d, want 3 and 3", prev.Threshold, own.Threshold)
	}
	if !ceremonytest.SameSet(partyIDs(prev.Signed), []string{f.ID("erin")}) || len(own.Signed) != 0 {
		t.Errorf("after erin: previous root signed by %v, new root by %v; want erin for the previous root only", ceremonytest.PartyNames(prev.Signed), ceremonytest.PartyNames(own.Signed))
	}
	if !ceremonytest.SameSet(ceremonytest.PartyNames(prev.Signed), []string{"erin"}) {
		t.Errorf("erin's signature for the previous root is shown as %v, want her name", ceremonytest.PartyNames(prev.Signed))
	}

	f.Sign(ws, "frank")
	st = ceremonytest.GetStatus(t, ws)
	prev, own = ceremonytest.RoleStatus(t, st, "root").Thresholds[0], ceremonytest.RoleStatus(t, st, "root").Thresholds[1]
	if !ceremonytest.SameSet(ceremonytest.PartyNames(prev.Signed), []string{"erin"}) || !ceremonytest.SameSet(ceremonytest.PartyNames(own.Signed), []string{"frank"}) {
		t.Errorf("after frank: previous root signed by %v, new root by %v; want [erin] and [frank]", ceremonytest.PartyNames(prev.Signed), ceremonytest.PartyNames(own.Signed))
	}

	f.Sign(ws, "alice", "bob")
	st = ceremonytest.GetStatus(t, ws)
	r := ceremonytest.RoleStatus(t, st, "root")
	prev, own = r.Thresholds[0], r.Thresholds[1]
	if !ceremonytest.SameSet(ceremonytest.PartyNames(prev.Signed), []string{"erin", "alice", "bob"}) || !prev.Met {
		t.Errorf("previous root: signed by %v met=%v, want erin, alice, bob and met", ceremonytest.PartyNames(prev.Signed), prev.Met)
	}
	if !ceremonytest.SameSet(ceremonytest.PartyNames(own.Signed), []string{"frank", "alice", "bob"}) || !own.Met {
		t.Errorf("new root: signed by %v met=%v, want frank, alice, bob and met", ceremonytest.PartyNames(own.Signed), own.Met)
	}
	if !r.Met || !st.AllMet() {
		t.Error("both root thresholds met, but the status does not say so")
	}
	if !ceremonytest.SameSet(ceremonytest.PartyNames(own.Missing), []string{"carol", "dave"}) || !ceremonytest.SameSet(ceremonytest.PartyNames(prev.Missing), []string{"carol", "dave"}) {
		t.Errorf("missing: previous %v, new %v; want carol and dave for both", ceremonytest.PartyNames(prev.Missing), ceremonytest.PartyNames(own.Missing))
	}
}

// A key that the trusted root lists under another key ID (here the ID
// of the whole key object with a vendor field, as some tools compute it)
// signs the next root under both IDs, so that each root's rule finds it.
func TestSignUnderEachKeyIDOfPreviousAndNewRoot(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	aliceKey := keys.Copy(f.Signers["alice"].TUFKey())
	aliceKey.UnrecognizedFields = map[string]any{"x-othertool-origin": "hsm"}
	oddID, err := keys.FullID(aliceKey)
	if err != nil {
		t.Fatal(err)
	}
	if oddID == f.ID("alice") {
		t.Fatal("test set-up: the odd key ID equals the standard one")
	}
	trusted, ids := f.HandRoot(ceremonytest.HandRoot{
		Holders: []string{"alice", "bob", "carol", "dave", "erin"}, Threshold: 3,
		IDs:   map[string]string{"alice": oddID},
		Extra: map[string]map[string]any{"alice": {"x-othertool-origin": "hsm"}},
	})
	if ids["alice"] != oddID {
		t.Fatal("test set-up: alice's key ID in the trusted root is not the odd one")
	}
	trustedPath := filepath.Join(f.Dir, "trusted-1.root.json")
	if err := ceremonytest.WriteFile(trustedPath, trusted); err != nil {
		t.Fatal(err)
	}
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", trustedPath)
	ws := f.WS("ws")

	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signed) != 1 || !ceremonytest.SameSet(res.Signed[0].KeyIDs, []string{oddID, f.ID("alice")}) {
		t.Fatalf("alice signed %+v, want root under both %s (previous root) and %s (new root)", res.Signed, oddID[:12], f.ID("alice")[:12])
	}
	root := ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "root"))
	for _, id := range []string{oddID, f.ID("alice")} {
		if !verifies(t, root, id, f.Signers["alice"].TUFKey()) {
			t.Errorf("root.json has no valid signature under key ID %s", id[:12])
		}
	}
	if len(root.Signatures) != 2 {
		t.Errorf("root.json has %d signatures, want 2 (one per key ID)", len(root.Signatures))
	}

	st := ceremonytest.GetStatus(t, ws)
	r := ceremonytest.RoleStatus(t, st, "root")
	if len(r.Thresholds) != 2 {
		t.Fatalf("%d threshold counts, want 2", len(r.Thresholds))
	}
	if got := partyIDs(r.Thresholds[0].Signed); !ceremonytest.SameSet(got, []string{oddID}) {
		t.Errorf("previous root counts %v, want alice under %s", got, oddID[:12])
	}
	if got := partyIDs(r.Thresholds[1].Signed); !ceremonytest.SameSet(got, []string{f.ID("alice")}) {
		t.Errorf("new root counts %v, want alice under %s", got, f.ID("alice")[:12])
	}

	// A second sign is refused whichever ID is looked at.
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now}); !errors.Is(err, ceremony.ErrAlreadySigned) {
		t.Errorf("alice signing again: err = %v, want ErrAlreadySigned", err)
	}
}

// A plan keyholder whose key the previous root lists under another key ID
// (here bob's P-256 key in the legacy encoding older tools wrote: keytype
// ecdsa-sha2-nistp256, the point in hex; its key ID is the SHA-256 of that
// canonical key, so it is compliant, just not ours) must still be named
// by sign and status: the plan names him.
func TestSignNamesKeyholderUnderPreviousRootKeyID(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	pub, err := keys.PublicKeyOf(f.Signers["bob"].TUFKey())
	if err != nil {
		t.Fatal(err)
	}
	point, err := pub.(*ecdsa.PublicKey).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	legacy := &metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256", Value: metadata.KeyVal{PublicKey: hex.EncodeToString(point)}}
	legacyID := ceremonytest.CanonicalKeyID(legacy)
	if legacyID == f.ID("bob") {
		t.Fatal("test set-up: the legacy encoding has our key ID")
	}
	trusted, _ := f.HandRoot(ceremonytest.HandRoot{
		Holders: []string{"alice", "bob", "carol", "dave", "erin"}, Threshold: 3,
		IDs:  map[string]string{"bob": legacyID},
		Keys: map[string]*metadata.Key{"bob": legacy},
	})
	trustedPath := filepath.Join(f.Dir, "trusted-1.root.json")
	if err := ceremonytest.WriteFile(trustedPath, trusted); err != nil {
		t.Fatal(err)
	}
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", trustedPath)
	ws := f.WS("ws")
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["bob"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signed) != 1 || !ceremonytest.SameSet(res.Signed[0].KeyIDs, []string{legacyID, f.ID("bob")}) {
		t.Fatalf("bob signed %+v, want root under the previous root's and the new root's key IDs", res.Signed)
	}
	st := ceremonytest.GetStatus(t, ws)
	prev, own := ceremonytest.RoleStatus(t, st, "root").Thresholds[0], ceremonytest.RoleStatus(t, st, "root").Thresholds[1]
	if !ceremonytest.SameSet(partyIDs(prev.Signed), []string{legacyID}) || !ceremonytest.SameSet(partyIDs(own.Signed), []string{f.ID("bob")}) {
		t.Fatalf("bob's signature counted as %v (previous root) and %v (new root)", partyIDs(prev.Signed), partyIDs(own.Signed))
	}

	t.Run("sign result", func(t *testing.T) {
		if h := res.Signed[0].Holder; h != "bob" {
			t.Fatalf("Sign reports the holder as %q, want \"bob\": Signature.Holder is looked up by KeyIDs[0], the "+
				"previous root's ID for his key, so ceremony.json's keys must tie that ID to bob too", h)
		}
	})
	t.Run("status", func(t *testing.T) {
		if got := ceremonytest.PartyNames(prev.Signed); !ceremonytest.SameSet(got, []string{"bob"}) {
			t.Fatalf("status shows bob's signature for the previous root as %v, want [bob]: ceremony.json's keys must "+
				"name the previous root's key ID %s after the plan keyholder who holds the key", got, legacyID[:12])
		}
	})
}

// failingSigner fails on its failOn-th signature, as a token pulled out
// in the middle of a sign would.
type failingSigner struct {
	keys.Signer
	calls, failOn int
}

func (s *failingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.calls++
	if s.calls == s.failOn {
		return nil, errors.New("token removed")
	}
	return s.Signer.Sign(r, digest, opts)
}

func TestSignWritesEachRoleAsSoonAsSigned(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	targetsBefore := ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "targets"))

	s := &failingSigner{Signer: f.Signers["alice"], failOn: 2}
	res, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: s, Now: ceremonytest.Now})
	if err == nil {
		t.Fatal("sign with a signer that fails on its second signature succeeded")
	}
	if !strings.Contains(err.Error(), "token removed") {
		t.Errorf("error %q hides the signer's error", err)
	}
	if res == nil || strings.Join(signedRoles(res), ",") != "root" {
		t.Errorf("result %+v, want root reported as signed", res)
	}
	if !verifies(t, ceremonytest.ParseFile(t, ceremonytest.MetaPath(ws, "root")), f.ID("alice"), f.Signers["alice"].TUFKey()) {
		t.Error("root.json does not hold alice's signature, made before the failure")
	}
	if string(ceremonytest.ReadFile(t, ceremonytest.MetaPath(ws, "targets"))) != string(targetsBefore) {
		t.Error("targets.json changed although its signature failed")
	}

	// Signing again picks up where it stopped.
	res, err = ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: f.Signers["alice"], Now: ceremonytest.Now})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(signedRoles(res), ",") != "targets" || strings.Join(res.AlreadySigned, ",") != "root" {
		t.Errorf("resumed sign: signed %v, already signed %v; want targets, root", signedRoles(res), res.AlreadySigned)
	}
}

// wrongKeySigner signs with one key but names another: a wrong device.
type wrongKeySigner struct {
	keys.Signer
	other keys.Signer
}

func (s *wrongKeySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.other.Sign(r, digest, opts)
}

func TestSignRefusesSignatureThatDoesNotVerify(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	before := ceremonytest.SnapshotFiles(t, ws)
	// dave's and erin's keys are both Ed25519, so erin's signature has the
	// right shape but does not verify under dave's key.
	s := &wrongKeySigner{Signer: f.Signers["dave"], other: f.Signers["erin"]}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, Signer: s, Now: ceremonytest.Now}); err == nil {
		t.Fatal("a signature by another key than the one named was written")
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
	// The signature is verified beside the storing of its state: the
	// transcript records the failure, and no signing.
	rep, err := transcripts.Verify(filepath.Join(ws, workspace.TranscriptDir))
	if err != nil {
		t.Fatal(err)
	}
	last := rep.Records[len(rep.Records)-1]
	for _, r := range rep.Records {
		if r.Kind == transcripts.Sign {
			t.Errorf("record %d signs %v with a signature that does not verify", r.Seq, r.Signature)
		}
	}
	if last.Kind != transcripts.Error || !strings.Contains(last.Message, "does not verify") {
		t.Errorf("the last record is %s %q, want the error of a signature that does not verify", last.Kind, last.Message)
	}
}

// recordingPrompter counts the secrets asked for and gives none.
type recordingPrompter struct{ asked int }

func (p *recordingPrompter) Secret(keys.SecretRequest) ([]byte, error) {
	p.asked++
	return nil, errors.New("no passphrase in this test")
}

func (p *recordingPrompter) Notify(string) {}

// A refusal comes before the key is opened, so no passphrase or PIN is
// asked for a key that may not sign. The key file here holds a real public
// key and an encrypted part that is never read unless the key is opened.
func TestSignRefusesBeforeAskingForSecret(t *testing.T) {
	f := ceremonytest.NewFixture(t, "alice", "bob", "carol", "dave", "erin")
	f.Init(f.Plan("plan.yaml", ceremonytest.StandardPlan()), "ws", "")
	ws := f.WS("ws")
	f.Sign(ws, "alice")

	keyFile := func(name string) string {
		pub, err := json.Marshal(f.Signers[name].TUFKey())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(f.Dir, name+".key")
		doc := `{"type": "ceremony-encrypted-key", "public": ` + string(pub) + `, "encrypted": {"never": "read"}}`
		if err := ceremonytest.WriteFile(path, []byte(doc)); err != nil {
			t.Fatal(err)
		}
		return "file:" + path
	}
	before := ceremonytest.SnapshotFiles(t, ws)
	for _, tc := range []struct {
		name string
		opts ceremony.SignOptions
		is   error
	}{
		{"already signed", ceremony.SignOptions{KeyURI: keyFile("alice"), Now: ceremonytest.Now}, ceremony.ErrAlreadySigned},
		{"not authorized for the role", ceremony.SignOptions{KeyURI: keyFile("dave"), Role: "targets", Now: ceremonytest.Now}, ceremony.ErrNotAuthorized},
		{"expired", ceremony.SignOptions{KeyURI: keyFile("bob"), Now: ceremonytest.Now.Add(400 * 24 * time.Hour)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &recordingPrompter{}
			tc.opts.Dir, tc.opts.Prompter = ws, p
			_, err := ceremonytest.Engine.Sign(tc.opts)
			if err == nil {
				t.Fatal("sign succeeded")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want %v", err, tc.is)
			}
			if p.asked != 0 {
				t.Errorf("a secret was asked %d times before the refusal", p.asked)
			}
			ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
		})
	}

	// An authorized key is opened, and so asks: the prompter above would
	// have seen it.
	p := &recordingPrompter{}
	if _, err := ceremonytest.Engine.Sign(ceremony.SignOptions{Dir: ws, KeyURI: keyFile("bob"), Prompter: p, Now: ceremonytest.Now}); err == nil {
		t.Fatal("sign with no passphrase succeeded")
	}
	if p.asked != 1 {
		t.Errorf("an authorized key asked for %d secrets, want 1", p.asked)
	}
	ceremonytest.RequireUnchanged(t, before, ceremonytest.SnapshotFiles(t, ws))
}
