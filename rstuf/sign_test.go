package rstuf_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
)

func TestParsePendingRSTUFExample(t *testing.T) {
	data := readTestdata(t, "cli/sign_pending_roles.json")
	p, err := rstuf.ParsePending(data)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.RoleNames(); len(got) != 1 || got[0] != "root" {
		t.Fatalf("pending roles are %v, want [root]", got)
	}
	root := p.Roles["root"]
	if !bytes.Contains(data, root.Signed) {
		t.Errorf("pending root's signed is not kept byte for byte")
	}
	h, err := root.Header()
	if err != nil {
		t.Fatal(err)
	}
	if h.Version != 2 || len(root.Signatures) != 2 {
		t.Errorf("pending root is v%d with %d signatures, want v2 with 2", h.Version, len(root.Signatures))
	}
	if p.TrustedRoot == nil {
		t.Fatal("no trusted root")
	}
	if th, _ := p.TrustedRoot.Header(); th.Version != 1 {
		t.Errorf("trusted root is v%d, want v1", th.Version)
	}
	if p.TrustedTargets != nil {
		t.Errorf("trusted targets came from nowhere")
	}
	// RSTUF's saved example has no "message" (its API always sends one).
	if p.Message != "" {
		t.Errorf("message is %q", p.Message)
	}

	// A key neither root lists may not sign.
	stranger, err := keys.GenerateSoftware("memory:stranger", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	out, err := rstuf.SignPending(p, stranger)
	if !errors.Is(err, rstuf.ErrNotAuthorized) || out != nil {
		t.Fatalf("stranger's key: %v, %d payloads; want ErrNotAuthorized and none", err, len(out))
	}
	for _, who := range []string{"previous root v1 allows JimiHendrix's Key", "JanisJoplin's Key", "root v2 allows"} {
		if !strings.Contains(err.Error(), who) {
			t.Errorf("refusal does not say %q: %v", who, err)
		}
	}

	// The example expired at the end of 2025.
	if err := p.CheckExpiry(testNow); err == nil {
		t.Errorf("CheckExpiry passed a root that expired in 2025")
	}
	if err := p.CheckExpiry(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("CheckExpiry before expiry: %v", err)
	}
}

// TestSignPayloadAgainstRSTUFExample: RSTUF's sign.json is the signature
// JimiHendrix's key (in the trusted root v1 only) made over the pending
// root v2 of sign_pending_roles.json. It verifies over the canonical bytes
// of the pending "signed" (the bytes SignPending signs); with it the
// pending root meets both thresholds and becomes update.json's root; and
// SignPayload writes the same payload.
func TestSignPayloadAgainstRSTUFExample(t *testing.T) {
	example := readTestdata(t, "cli/sign.json")
	doc := decode(t, example)
	role := at(t, doc, "role").(string)
	keyID := at(t, doc, "signature", "keyid").(string)
	sigHex := at(t, doc, "signature", "sig").(string)
	sig, err := hex.DecodeString(sigHex)
	if err != nil {
		t.Fatal(err)
	}

	p, err := rstuf.ParsePending(readTestdata(t, "cli/sign_pending_roles.json"))
	if err != nil {
		t.Fatal(err)
	}
	pending := p.Roles[role]
	trusted, err := p.TrustedRoot.Root()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := pending.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Verify(trusted.Keys[keyID], msg, sig); err != nil {
		t.Fatalf("sign.json's signature does not verify over the pending root's canonical bytes: %v", err)
	}
	next, err := pending.Root()
	if err != nil {
		t.Fatal(err)
	}
	rules, err := threshold.RootRules(next, trusted)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		tally, err := threshold.Count(r, pending)
		if err != nil {
			t.Fatal(err)
		}
		if r.Delegator == "previous root v1" && tally.Met() {
			t.Errorf("the pending root already meets %s", r.Delegator)
		}
	}
	pending.AddSignature(keyID, sigHex)
	for _, r := range rules {
		if tally, err := threshold.Count(r, pending); err != nil || !tally.Met() {
			t.Errorf("with sign.json's signature, %s is not met: %v", r.Delegator, err)
		}
	}
	update, err := rstuf.Update(pending)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rstuf.CheckUpdate(update, parseTestdataFile(t, "cli/root/v1.json")))
	updateExample := decode(t, readTestdata(t, "cli/update.json"))
	var want []string
	for _, s := range at(t, updateExample, "metadata", "root", "signatures").([]any) {
		want = append(want, fmt.Sprint(obj(t, s)["keyid"]))
	}
	var got []string
	for _, s := range pending.Signatures {
		got = append(got, s.KeyID)
	}
	if strings.Join(sorted(got), ",") != strings.Join(sorted(want), ",") {
		t.Errorf("signed by %v, update.json's root by %v", got, want)
	}

	out, err := rstuf.SignPayload(role, keyID, sig)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := canonical(t, out), canonical(t, example); !bytes.Equal(got, want) {
		t.Errorf("sign payload differs from RSTUF's sign.json:\n got %s\nwant %s", got, want)
	}
	o, e := readOrdered(t, out), readOrdered(t, example)
	if fmt.Sprint(o.names) != fmt.Sprint(e.names) || fmt.Sprint(o.members["signature"].names) != fmt.Sprint(e.members["signature"].names) {
		t.Errorf("member order %v %v, RSTUF's CLI writes %v %v", o.names, o.members["signature"].names, e.names, e.members["signature"].names)
	}

	for _, bad := range []struct {
		role, keyID string
		sig         []byte
	}{{"", keyID, sig}, {role, "", sig}, {role, keyID, nil}} {
		if _, err := rstuf.SignPayload(bad.role, bad.keyID, bad.sig); err == nil {
			t.Errorf("SignPayload(%q, %q, %d bytes) passed", bad.role, bad.keyID, len(bad.sig))
		}
	}
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// pendingAnswer writes RSTUF's pending signing answer around metadata.
func pendingAnswer(t *testing.T, roles map[string]*metafile.File) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(`{"data": {"metadata": {`)
	first := true
	for name, f := range roles {
		if !first {
			b.WriteString(",")
		}
		first = false
		m, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%q: %s", name, m)
	}
	b.WriteString(`}}, "message": "Metadata role(s) pending signing"}`)
	return b.Bytes()
}

// signPayloadOf reads a sign payload and checks its shape.
func signPayloadOf(t *testing.T, b []byte) (role, keyID string, sig []byte) {
	t.Helper()
	doc := decode(t, b)
	wantMembers(t, obj(t, doc), "sign payload", "signature", "role")
	wantMembers(t, obj(t, doc, "signature"), "sign payload signature", "keyid", "sig")
	sig, err := hex.DecodeString(at(t, doc, "signature", "sig").(string))
	if err != nil {
		t.Fatalf("sig is not hex: %v", err)
	}
	return at(t, doc, "role").(string), at(t, doc, "signature", "keyid").(string), sig
}

func TestSignPendingRoot(t *testing.T) {
	r := newRotation(t, "bob")
	root2 := r.fixture.root(r.ws2)
	p, err := rstuf.ParsePending(pendingAnswer(t, map[string]*metafile.File{"root": root2, "trusted_root": r.root}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Message != "Metadata role(s) pending signing" {
		t.Errorf("message is %q", p.Message)
	}
	msg, err := root2.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	// carol is in the trusted root v1 only, dave in v2 only: each may sign.
	for _, name := range []string{"carol", "dave"} {
		out, err := rstuf.SignPending(p, r.signer(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(out) != 1 {
			t.Fatalf("%s: %d payloads, want 1", name, len(out))
		}
		role, keyID, sig := signPayloadOf(t, out[0])
		if role != "root" || keyID != r.id(name) {
			t.Errorf("%s: payload for %s by %s", name, role, keyID)
		}
		if err := keys.Verify(r.signer(name).TUFKey(), msg, sig); err != nil {
			t.Errorf("%s's signature does not verify over the pending root: %v", name, err)
		}
	}
	out, err := rstuf.SignPending(p, r.signer("bob"))
	if !errors.Is(err, rstuf.ErrAlreadySigned) || out != nil {
		t.Errorf("bob signs again: %v, %d payloads; want ErrAlreadySigned", err, len(out))
	}
	for _, name := range []string{"erin", "online"} {
		out, err := rstuf.SignPending(p, r.signer(name))
		if !errors.Is(err, rstuf.ErrNotAuthorized) || out != nil {
			t.Errorf("%s: %v, %d payloads; want ErrNotAuthorized", name, err, len(out))
		}
	}

	// RSTUF adds carol's signature: v1 met (bob, carol), v2 not (bob).
	// alice, in both, still may sign; once dave has too, nothing is left.
	sign := func(name string) {
		out, err := rstuf.SignPending(p, r.signer(name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		_, keyID, sig := signPayloadOf(t, out[0])
		p.Roles["root"].AddSignature(keyID, hex.EncodeToString(sig))
	}
	sign("carol")
	if out, err := rstuf.SignPending(p, r.signer("alice")); err != nil || len(out) != 1 {
		t.Errorf("alice after carol: %v, %d payloads; want 1", err, len(out))
	}
	sign("dave")
	out, err = rstuf.SignPending(p, r.signer("alice"))
	if err == nil || !strings.Contains(err.Error(), "fully signed") || out != nil {
		t.Errorf("alice once both thresholds are met: %v, %d payloads; want a refusal", err, len(out))
	}
	update, err := rstuf.Update(p.Roles["root"])
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rstuf.CheckUpdate(update, r.root))
}

// A key the trusted and the new root list under different key IDs signs
// once and is sent under each ID (RSTUF keeps one signature per key ID).
func TestSignPendingKeyUnderTwoIDs(t *testing.T) {
	r := newRotation(t)
	trusted := r.root
	tr, err := trusted.Root()
	if err != nil {
		t.Fatal(err)
	}
	// Root v2 lists alice under her full-object key ID (names included),
	// as some tools compute IDs.
	next := *tr
	next.Version = 2
	next.Keys = map[string]*metadata.Key{}
	next.Roles = map[string]*metadata.Role{}
	for id, k := range tr.Keys {
		next.Keys[id] = k
	}
	for name, role := range tr.Roles {
		c := *role
		next.Roles[name] = &c
	}
	aliceID := r.id("alice")
	otherID, err := keys.FullID(tr.Keys[aliceID])
	if err != nil {
		t.Fatal(err)
	}
	next.Keys[otherID] = tr.Keys[aliceID]
	delete(next.Keys, aliceID)
	ids := next.Roles["root"].KeyIDs
	next.Roles["root"].KeyIDs = nil
	for _, id := range ids {
		if id == aliceID {
			id = otherID
		}
		next.Roles["root"].KeyIDs = append(next.Roles["root"].KeyIDs, id)
	}
	root2, err := metafile.FromSigned(&next)
	if err != nil {
		t.Fatal(err)
	}
	p, err := rstuf.ParsePending(pendingAnswer(t, map[string]*metafile.File{"root": root2, "trusted_root": trusted}))
	if err != nil {
		t.Fatal(err)
	}
	out, err := rstuf.SignPending(p, r.signer("alice"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range out {
		_, keyID, _ := signPayloadOf(t, b)
		got = append(got, keyID)
	}
	if strings.Join(sorted(got), ",") != strings.Join(sorted([]string{aliceID, otherID}), ",") {
		t.Errorf("alice's payloads are under %v, want %s and %s", got, aliceID, otherID)
	}
}

// A delegated targets role pending signing, with the trusted targets that
// delegates it (RSTUF's custom delegations with offline keys).
func TestSignPendingDelegatedRole(t *testing.T) {
	f := newFixture(t)
	expires := testNow.AddDate(0, 0, 30)
	trustedTargets := &metadata.TargetsType{
		Type: metadata.TARGETS, SpecVersion: "1.0.31", Version: 1, Expires: expires,
		Targets: map[string]*metadata.TargetFiles{},
		Delegations: &metadata.Delegations{
			Keys: map[string]*metadata.Key{f.id("alice"): f.signer("alice").TUFKey(), f.id("bob"): f.signer("bob").TUFKey()},
			Roles: []metadata.DelegatedRole{{
				Name: "production", KeyIDs: []string{f.id("alice"), f.id("bob")}, Threshold: 2, Terminating: true, Paths: []string{"production/*"},
			}},
		},
	}
	production := &metadata.TargetsType{
		Type: metadata.TARGETS, SpecVersion: "1.0.31", Version: 2, Expires: expires,
		Targets: map[string]*metadata.TargetFiles{},
	}
	tt, err := metafile.FromSigned(trustedTargets)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := metafile.FromSigned(production)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rstuf.ParsePending(pendingAnswer(t, map[string]*metafile.File{"production": prod})); err == nil {
		t.Errorf("a pending delegated role without trusted_targets was accepted")
	}
	p, err := rstuf.ParsePending(pendingAnswer(t, map[string]*metafile.File{"production": prod, "trusted_targets": tt}))
	if err != nil {
		t.Fatal(err)
	}
	out, err := rstuf.SignPending(p, f.signer("bob"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 {
		t.Fatalf("%d payloads, want 1", len(out))
	}
	role, keyID, sig := signPayloadOf(t, out[0])
	msg, err := prod.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if role != "production" || keyID != f.id("bob") || keys.Verify(f.signer("bob").TUFKey(), msg, sig) != nil {
		t.Errorf("payload for %s by %s, want a valid signature for production by bob", role, keyID)
	}
	if _, err := rstuf.SignPending(p, f.signer("carol")); !errors.Is(err, rstuf.ErrNotAuthorized) {
		t.Errorf("carol: %v, want ErrNotAuthorized", err)
	}
	if err := p.CheckExpiry(testNow); err != nil {
		t.Errorf("CheckExpiry: %v", err)
	}
}

func TestParsePendingRefuses(t *testing.T) {
	r := newRotation(t, "bob")
	root2 := r.fixture.root(r.ws2)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"nothing pending", []byte(`{"data": null, "message": "No metadata pending signing available"}`), "No metadata pending signing available"},
		{"no metadata", []byte(`{"data": {}, "message": "x"}`), "data.metadata"},
		{"only trusted metadata", pendingAnswer(t, map[string]*metafile.File{"trusted_root": r.root}), "no metadata is pending"},
		{"root v2 without the trusted root", pendingAnswer(t, map[string]*metafile.File{"root": root2}), "trusted_root is missing"},
		{"trusted root of the wrong version", pendingAnswer(t, map[string]*metafile.File{"root": root2, "trusted_root": root2}), "want v1"},
		{"unknown trusted metadata", pendingAnswer(t, map[string]*metafile.File{"root": r.root, "trusted_snapshot": r.root}), "trusted_snapshot"},
		{"root that is not root", pendingAnswer(t, map[string]*metafile.File{"production": r.root}), `want "targets"`},
		{"not JSON", []byte(`pending`), "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rstuf.ParsePending(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error is %v, want one saying %q", err, tc.want)
			}
		})
	}
	// A pending root v1 (a bootstrap being signed) needs no trusted root.
	p, err := rstuf.ParsePending(pendingAnswer(t, map[string]*metafile.File{"root": r.root}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rstuf.SignPending(p, r.signer("carol")); err == nil || !strings.Contains(err.Error(), "fully signed") {
		t.Errorf("carol on the fully signed root v1: %v", err)
	}
}
