package p11_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/hsm/p11"
	"github.com/tuf-ceremony/ceremony/keys"
)

var ceremonyNow = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// A whole pep458 bootstrap where two of the five root keyholders hold
// their keys on PKCS#11 tokens (Ed25519 on one, P-384 on the other) and
// the rest in encrypted files: every threshold is reached through
// ceremony.Sign with key URIs, and the workspace verifies. On the way, the
// refusals a ceremony with tokens meets: a key the plan does not name, a
// token answering with the wrong key, a token pulled out mid-signature.
func TestCeremonyWithTokens(t *testing.T) {
	edTok, p384Tok, otherTok := emptyToken(t, "e2e-ed25519"), emptyToken(t, "e2e-p384"), emptyToken(t, "e2e-other")
	dir := t.TempDir()

	alice, bob := edTok.URI("alice"), p384Tok.URI("bob")
	generate(t, edTok, alice, keys.TypeEd25519)
	generate(t, p384Tok, bob, keys.TypeECDSAP384)
	stranger := otherTok.URI("stranger")
	generate(t, otherTok, stranger, keys.TypeEd25519)

	uris := map[string]string{"alice": alice, "bob": bob}
	for _, name := range []string{"carol", "dave", "erin"} {
		pass := filepath.Join(dir, name+".pass")
		writeFile(t, pass, "passphrase of "+name+"\n")
		uris[name] = "file:" + filepath.Join(dir, name+".key") + "?pin-source=" + pass
		if _, err := backends.Generate(uris[name], keys.TypeECDSAP256, nil); err != nil {
			t.Fatal(err)
		}
	}
	online, err := keys.GenerateSoftware("memory:online", keys.TypeEd25519)
	if err != nil {
		t.Fatal(err)
	}
	onlinePub, _ := keys.MarshalKeyJSON(online.TUFKey())
	writeFile(t, filepath.Join(dir, "online.pub"), string(onlinePub))

	var plan strings.Builder
	plan.WriteString("profile: pep458\nrepository: test.example\nkeyholders:\n")
	for _, name := range []string{"alice", "bob", "carol", "dave", "erin"} {
		fmt.Fprintf(&plan, "  - {name: %s, contact: %s@test.example, key: %q}\n", name, name, uris[name])
	}
	plan.WriteString("roles:\n" +
		"  root: {keyholders: [alice, bob, carol, dave, erin], threshold: 3, expires_days: 365}\n" +
		"  targets: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 365}\n" +
		"  bins: {count: 16}\n" +
		"online:\n  - {name: online, public_key: online.pub, uri: \"test:online\"}\n")
	planPath := filepath.Join(dir, "plan.yaml")
	writeFile(t, planPath, plan.String())
	ws := filepath.Join(dir, "ws")
	if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planPath, Dir: ws, Now: ceremonyNow}); err != nil {
		t.Fatal(err)
	}

	// The review before alice's PIN names the module her key's code is
	// loaded from.
	rev, err := eng.Review(ws, alice, ceremonyNow)
	if err != nil {
		t.Fatal(err)
	}
	if want := "the key's PKCS#11 module, whose code runs in this process to sign: " + edTok.Module; !slices.Contains(rev.Lines, want) {
		t.Errorf("review lines %q lack %q", rev.Lines, want)
	}

	// A token key the plan does not name: refused before any PIN is asked.
	before := snapshot(t, ws)
	p := &prompter{pin: otherTok.PIN}
	_, err = eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: stranger, Prompter: p, Now: ceremonyNow})
	if !errors.Is(err, ceremony.ErrNotAuthorized) || len(p.requests) != 0 {
		t.Errorf("signing with a key the plan does not name: %v (%d PIN requests)", err, len(p.requests))
	}
	requireUnchanged(t, ws, before)

	// A token that answers for alice's key but signs with another: caught
	// by the verification after signing, nothing written.
	aliceSigner := open(t, edTok, alice)
	strangerSigner := open(t, otherTok, stranger)
	_, err = eng.Sign(ceremony.SignOptions{Dir: ws, Signer: otherKeySigner{Signer: strangerSigner, claimed: aliceSigner}, Now: ceremonyNow})
	if !errors.Is(err, keys.ErrBadSignature) {
		t.Errorf("signing with the wrong token: %v", err)
	}
	requireUnchanged(t, ws, before)
	aliceSigner.(keys.Closer).Close()

	// Bob's token pulled out after it was opened: nothing written.
	bobSigner := open(t, p384Tok, bob)
	if err := p11.PullOut(bobSigner); err != nil {
		t.Fatal(err)
	}
	_, err = eng.Sign(ceremony.SignOptions{Dir: ws, Signer: bobSigner, Now: ceremonyNow})
	if !errors.Is(err, p11.ErrTokenAbsent) {
		t.Errorf("signing with a token pulled out: %v", err)
	}
	requireUnchanged(t, ws, before)
	bobSigner.(keys.Closer).Close()

	// The keyholders sign, each by URI: alice and bob on their tokens
	// (PIN through the prompter), carol from her file.
	for _, name := range []string{"alice", "bob", "carol"} {
		pin := map[string]string{"alice": edTok.PIN, "bob": p384Tok.PIN}[name]
		p := &prompter{pin: pin}
		res, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: uris[name], Prompter: p, Now: ceremonyNow})
		if err != nil {
			t.Fatalf("%s signs: %v", name, err)
		}
		var roles []string
		for _, s := range res.Signed {
			roles = append(roles, s.Role)
			if s.Holder != name {
				t.Errorf("signed %s as %q, want %q", s.Role, s.Holder, name)
			}
		}
		if strings.Join(roles, " ") != "root targets" {
			t.Errorf("%s signed %q, want root and targets", name, roles)
		}
		if pin != "" && len(p.requests) != 1 {
			t.Errorf("%s: %d PIN requests, want 1", name, len(p.requests))
		}
	}

	st, err := ceremony.GetStatus(ws)
	if err != nil {
		t.Fatal(err)
	}
	if !st.AllMet() {
		t.Errorf("thresholds not met: %+v", st)
	}
	report, err := audit.VerifyWorkspace(eng, ws, "", ceremonyNow)
	if err != nil {
		t.Fatal(err)
	}
	if !report.OK() {
		var b bytes.Buffer
		report.Print(&b)
		t.Errorf("workspace does not verify:\n%s", b.String())
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && fi.IsDir() && fi.Name() == "transcript" {
			return filepath.SkipDir // refusals are recorded there
		}
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		out[path] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func requireUnchanged(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("workspace has %d files, had %d", len(after), len(before))
	}
	for path, b := range before {
		if after[path] != b {
			t.Errorf("%s changed", path)
		}
	}
}
