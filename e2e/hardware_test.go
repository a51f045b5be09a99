package e2e

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-piv/piv-go/v2/piv"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/hsm/yubikey"
	"github.com/tuf-ceremony/ceremony/internal/testutil/gotufclient"
	"github.com/tuf-ceremony/ceremony/internal/testutil/p11test"
	"github.com/tuf-ceremony/ceremony/internal/testutil/pcsctest"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
	"github.com/tuf-ceremony/ceremony/rehearsal/vyubikey"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

const yubiPIN = "246810"

type holder struct {
	name string
	// signURI has the secrets' sources; planURI is what the plan names.
	signURI, planURI string
	pub, attestation string
}

func write(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// tokenHolder makes a key on a SoftHSM2 token.
func tokenHolder(t *testing.T, dir, name, token string, kt keys.KeyType) holder {
	tk := p11test.Get(t, token)
	h := holder{name: name, planURI: tk.URI(name)}
	h.signURI = h.planURI + "&pin-source=" + tk.PINFile(t)
	k, err := backends.Generate(h.signURI, kt, nil)
	if err != nil {
		t.Fatalf("keygen for %s on token %s: %v", name, token, err)
	}
	b, _ := keys.MarshalKeyJSON(k)
	h.pub = write(t, filepath.Join(dir, name+".pub"), b)
	return h
}

// yubiHolder prepares a virtual YubiKey as a keyholder would: new PIN and
// management key, a key in slot 9c, the attestation written beside it.
func yubiHolder(t *testing.T, dir, name string, env *pcsctest.Env, reader int, ca *vyubikey.CA, kt keys.KeyType) (holder, *vyubikey.Card) {
	card, err := vyubikey.New(vyubikey.Options{Attestation: ca})
	if err != nil {
		t.Fatal(err)
	}
	env.Insert(t, card, reader)
	h := holder{name: name, planURI: fmt.Sprintf("yubikey:serial=%d;slot-id=9c", card.Serial())}
	secret := func(n, v string) string { return write(t, filepath.Join(dir, name+"."+n), []byte(v+"\n")) }
	keygen := h.planURI + "?management-key-source=" + secret("mk", hex.EncodeToString(piv.DefaultManagementKey)) +
		"&new-management-key-source=" + secret("nmk", strings.Repeat("5a", 24)) +
		"&pin-source=" + secret("factorypin", piv.DefaultPIN) + "&new-pin-source=" + secret("pin", yubiPIN) +
		"&puk-source=" + secret("factorypuk", piv.DefaultPUK) + "&new-puk-source=" + secret("puk", "97531864")
	k, err := backends.Generate(keygen, kt, nil)
	if err != nil {
		t.Fatalf("keygen for %s on YubiKey %d: %v", name, card.Serial(), err)
	}
	b, _ := keys.MarshalKeyJSON(k)
	h.pub = write(t, filepath.Join(dir, name+".pub"), b)
	slot, device, err := yubikey.Attestation(h.planURI)
	if err != nil {
		t.Fatal(err)
	}
	att := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: slot.Raw}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: device.Raw})...)
	h.attestation = write(t, filepath.Join(dir, name+".attestation.pem"), att)
	h.signURI = h.planURI + "?pin-source=" + filepath.Join(dir, name+".pin")
	return h, card
}

func hwPlan(holders []holder, root []string, targets []string, roots, online string) string {
	var b strings.Builder
	b.WriteString("profile: pep458\nrepository: hardware.example\nkeyholders:\n")
	for _, h := range holders {
		fmt.Fprintf(&b, "  - name: %s\n    key: %q\n    public_key: %s\n", h.name, h.planURI, h.pub)
		if h.attestation != "" {
			fmt.Fprintf(&b, "    attestation: %s\n    require_attestation: true\n", h.attestation)
		}
	}
	fmt.Fprintf(&b, "roles:\n  root: {keyholders: [%s], threshold: 3}\n  targets: {keyholders: [%s], threshold: 2}\n  bins: {count: 16}\n",
		strings.Join(root, ", "), strings.Join(targets, ", "))
	fmt.Fprintf(&b, "online:\n  - {name: online, public_key: %s}\nrehearsal:\n  attestation_roots: %s\n", online, roots)
	return b.String()
}

// TestHardwareCeremony: a pep458 bootstrap (3 of 5) and a root rotation
// where the keys live on two SoftHSM2 tokens (Ed25519, P-384) and on
// virtual YubiKeys (P-256, P-384, Ed25519; frank's P-256 joins at the
// rotation) behind a real pcscd, attestations required; then go-tuf's
// updater and tuf-js refresh from 1.root.json and download the target.
func TestHardwareCeremony(t *testing.T) {
	env := pcsctest.Start(t)
	dir := t.TempDir()
	now := time.Now()
	ca, err := vyubikey.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	roots := write(t, filepath.Join(dir, "roots.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert().Raw}))

	alice := tokenHolder(t, dir, "alice", "hw-ed25519", keys.TypeEd25519)
	bob := tokenHolder(t, dir, "bob", "hw-p384", keys.TypeECDSAP384)
	carol, carolCard := yubiHolder(t, dir, "carol", env, 0, ca, keys.TypeECDSAP256)
	dave, _ := yubiHolder(t, dir, "dave", env, 1, ca, keys.TypeECDSAP384)
	erin, erinCard := yubiHolder(t, dir, "erin", env, 2, ca, keys.TypeEd25519)
	frank, _ := yubiHolder(t, dir, "frank", env, 3, ca, keys.TypeECDSAP256)

	online, err := keys.GenerateSoftware("memory:online", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	onlineJSON, _ := keys.MarshalKeyJSON(online.TUFKey())
	onlinePub := write(t, filepath.Join(dir, "online.pub"), onlineJSON)

	// An attestation that certifies another key is refused by init.
	swapped := []holder{alice, bob, carol, dave, erin}
	swapped[2].attestation = dave.attestation
	badPlan := write(t, filepath.Join(dir, "bad.yaml"), []byte(hwPlan(swapped, []string{"alice", "bob", "carol", "dave", "erin"}, []string{"alice", "carol", "erin"}, roots, onlinePub)))
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: badPlan, Dir: filepath.Join(dir, "bad"), Now: now}); err == nil || !strings.Contains(err.Error(), "keyholders[2].attestation (carol)") {
		t.Fatalf("init with carol's attestation swapped for dave's: got %v", err)
	}

	all := []holder{alice, bob, carol, dave, erin, frank}
	plan1 := write(t, filepath.Join(dir, "plan1.yaml"), []byte(hwPlan(all, []string{"alice", "bob", "carol", "dave", "erin"}, []string{"alice", "carol", "erin"}, roots, onlinePub)))
	ws1 := filepath.Join(dir, "ws1")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: plan1, Dir: ws1, Now: now}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []holder{alice, bob, carol, dave, erin} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws1, KeyURI: h.signURI, Now: now}); err != nil {
			t.Fatalf("%s signs: %v", h.name, err)
		}
	}
	requireMet(t, ws1)
	if carolCard.Touches() != 2 || erinCard.Touches() != 2 {
		t.Errorf("touches: carol %d, erin %d; want 2 each (root and targets, touch policy always)", carolCard.Touches(), erinCard.Touches())
	}
	rewrittenAttestation(t, ws1, alice, dave, now)

	// Root v2: bob leaves, frank joins.
	plan2 := write(t, filepath.Join(dir, "plan2.yaml"), []byte(hwPlan(all, []string{"alice", "carol", "dave", "erin", "frank"}, []string{"alice", "carol", "erin"}, roots, onlinePub)))
	ws2 := filepath.Join(dir, "ws2")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: plan2, Dir: ws2, TrustedRoot: filepath.Join(ws1, "metadata", "root.json"), Now: now}); err != nil {
		t.Fatal(err)
	}
	wrongPINRecorded(t, ws2, alice, now)
	for _, h := range []holder{alice, bob, carol, erin, frank} {
		if _, err := eng.Sign(ceremony.SignOptions{Dir: ws2, KeyURI: h.signURI, Now: now}); err != nil {
			t.Fatalf("%s signs root v2: %v", h.name, err)
		}
	}
	requireMet(t, ws2)

	p, err := plan.Load(plan2, keys.NewBackends())
	if err != nil {
		t.Fatal(err)
	}
	read := func(ws, role string) *metafile.File {
		w, err := workspace.Open(ws)
		if err != nil {
			t.Fatal(err)
		}
		f, err := w.Metadata(role)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	repo := filepath.Join(dir, "repository")
	target := "packages/hardware-1.0.tar.gz"
	if err := publish.Write(&publish.Repository{Dir: repo, Plan: p, Online: online, Now: now,
		Roots:   []*metafile.File{read(ws1, metadata.ROOT), read(ws2, metadata.ROOT)},
		Offline: map[string]*metafile.File{metadata.TARGETS: read(ws1, metadata.TARGETS)},
		Targets: []publish.Target{{Path: target, Data: []byte("signed at a hardware ceremony\n")}}}); err != nil {
		t.Fatal(err)
	}
	root1 := filepath.Join(repo, "metadata", "1.root.json")
	res, err := gotufclient.Refresh(t, repo, root1, target)
	if err != nil {
		t.Fatalf("go-tuf refused the hardware-signed repository: %v", err)
	}
	if res.RootVersion != 2 || !bytes.Contains(res.Target, []byte("hardware ceremony")) {
		t.Errorf("go-tuf: root v%d, target %q", res.RootVersion, res.Target)
	}
	if v := tufjs.Refresh(t, repo, target); v != 2 {
		t.Errorf("tuf-js trusts root v%d, want 2", v)
	}
	rep, err := verify.Repository(repo, verify.Options{})
	if err != nil || !rep.OK() {
		t.Fatalf("ceremony verify: %v %v", err, rep.Errors())
	}
}

func requireMet(t *testing.T, ws string) {
	t.Helper()
	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !st.AllMet() {
		t.Fatalf("thresholds not met in %s: %+v", ws, st.Roles)
	}
}

// rewrittenAttestation: the bundle of a ceremony whose keys were attested
// verifies; with carol's attestation replaced by dave's (the manifest made
// again, as a hostile online side would), verify names the entry.
func rewrittenAttestation(t *testing.T, ws string, sealer, other holder, now time.Time) {
	t.Helper()
	s, err := backends.Open(sealer.signURI, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := s.(keys.Closer); ok {
		defer c.Close()
	}
	if _, err := eng.Seal(ws, []keys.Signer{s}); err != nil {
		t.Fatalf("seal: %v", err)
	}
	out := filepath.Join(t.TempDir(), "ws1.tar")
	if _, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out, Now: now}); err != nil {
		t.Fatalf("bundle: %v", err)
	}
	if rep, err := audit.VerifyBundle(eng, out, "", now); err != nil || !rep.OK() {
		t.Fatalf("the bundle does not verify: %v %v", err, rep.Errors())
	}
	b, err := bundle.Read(out, bundle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	otherPEM, err := os.ReadFile(other.attestation)
	if err != nil {
		t.Fatal(err)
	}
	var entries []bundle.Entry
	swapped := false
	all, err := b.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	for _, e := range all {
		data := e.Data
		if e.Name == "attestations/carol.pem" {
			data, swapped = otherPEM, true
		}
		entries = append(entries, bundle.Entry{Name: e.Name, Data: data})
	}
	if !swapped {
		t.Fatalf("the bundle holds no attestations/carol.pem: %v", b.Manifest.Entries)
	}
	forged := filepath.Join(t.TempDir(), "forged.tar")
	if _, err := bundle.Write(forged, entries); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyBundle(eng, forged, "", now)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range rep.Errors() {
		found = found || (f.File == "attestations/carol.pem" && f.Check == "rebuild")
	}
	if !found {
		t.Errorf("carol's attestation swapped for dave's: findings %v, want attestations/carol.pem refused", rep.Errors())
	}
}

// wrongPINRecorded: a PIN typed as "wrong" on a SoftHSM2 token makes the
// token's answer ("wrong PIN ...") hold the secret; the failure is still
// recorded, the secret replaced, and the record says so.
func wrongPINRecorded(t *testing.T, ws string, h holder, now time.Time) {
	t.Helper()
	pin := write(t, filepath.Join(t.TempDir(), "typed.pin"), []byte("wrong\n"))
	before := len(readLines(t, filepath.Join(ws, "transcript", "transcript.jsonl")))
	if _, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: h.planURI + "&pin-source=" + pin, Now: now}); err == nil {
		t.Fatal("a wrong PIN signed")
	}
	lines := readLines(t, filepath.Join(ws, "transcript", "transcript.jsonl"))
	if len(lines) != before+1 {
		t.Fatalf("%d records after the wrong PIN, want %d: the failure went unrecorded", len(lines), before+1)
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"redacted":["message"]`) || !strings.Contains(last, "[redacted] PIN") || strings.Contains(last, "wrong") {
		t.Errorf("the failure's record: %s", last)
	}
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}
