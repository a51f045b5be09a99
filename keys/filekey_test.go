package keys

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

const testPassphrase = "correct horse battery"

// fakePrompter answers every Secret request with the same secret and
// records the requests.
type fakePrompter struct {
	secret string
	err    error
	reqs   []SecretRequest
	notes  []string
}

func (p *fakePrompter) Secret(req SecretRequest) ([]byte, error) {
	p.reqs = append(p.reqs, req)
	if p.err != nil {
		return nil, p.err
	}
	// A fresh slice each time: the caller clears what it gets.
	return []byte(p.secret), nil
}

func (p *fakePrompter) Notify(message string) { p.notes = append(p.notes, message) }

var _ Prompter = (*fakePrompter)(nil)

func writePassFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

// privateForms are the encodings under which a private key could leak into
// a file: its PKCS#8 DER and its raw scalar (Ed25519 seed), as bytes, hex
// and base64.
func privateForms(t *testing.T, priv any) map[string][]byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	var raw []byte
	switch k := priv.(type) {
	case ed25519.PrivateKey:
		raw = k.Seed()
	case *ecdsa.PrivateKey:
		if raw, err = k.Bytes(); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("private key %T", priv)
	}
	forms := map[string][]byte{}
	for name, b := range map[string][]byte{"PKCS#8 DER": der, "raw scalar": raw} {
		forms[name] = b
		forms[name+" hex"] = []byte(hex.EncodeToString(b))
		forms[name+" HEX"] = []byte(strings.ToUpper(hex.EncodeToString(b)))
		forms[name+" base64"] = []byte(base64.StdEncoding.EncodeToString(b))
		forms[name+" base64 raw"] = []byte(base64.RawStdEncoding.EncodeToString(b))
		forms[name+" base64url"] = []byte(base64.RawURLEncoding.EncodeToString(b))
	}
	return forms
}

func TestFileKeyGenerateOpenSign(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{TypeEd25519, TypeECDSAP256, TypeECDSAP384} {
		t.Run(string(kt), func(t *testing.T) {
			dir := t.TempDir()
			pass := writePassFile(t, dir, "pass", testPassphrase+"\n")
			keyPath := filepath.Join(dir, "alice.key")
			uri := "file:" + keyPath + "?pin-source=" + pass

			pub, err := Generate(uri, kt, nil)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if got := dirNames(t, dir); strings.Join(got, " ") != "alice.key alice.key.pub pass" {
				t.Errorf("directory holds %q, want alice.key, alice.key.pub, pass", got)
			}
			fi, err := os.Stat(keyPath)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
			}
			pfi, err := os.Stat(keyPath + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			if pfi.Mode().Perm()&0o022 != 0 {
				t.Errorf("public key file mode = %v, writable by others", pfi.Mode().Perm())
			}
			if PublicKeyPath(keyPath) != keyPath+".pub" {
				t.Errorf("PublicKeyPath = %q", PublicKeyPath(keyPath))
			}

			// PATH.pub is a TUF key object.
			pubData, err := os.ReadFile(keyPath + ".pub")
			if err != nil {
				t.Fatal(err)
			}
			fromFile, err := ParseKeyJSON(pubData)
			if err != nil {
				t.Fatalf("PATH.pub does not parse: %v", err)
			}
			if fromFile.Type != pub.Type || fromFile.Scheme != pub.Scheme || fromFile.Value.PublicKey != pub.Value.PublicKey {
				t.Errorf("PATH.pub = %+v, Generate returned %+v", fromFile, pub)
			}
			wantScheme := map[KeyType]string{TypeEd25519: "ed25519", TypeECDSAP256: "ecdsa-sha2-nistp256", TypeECDSAP384: "ecdsa-sha2-nistp384"}[kt]
			if pub.Scheme != wantScheme {
				t.Errorf("scheme = %q, want %q", pub.Scheme, wantScheme)
			}

			// The public key is readable without the passphrase.
			noSecret, err := PublicKey("file:" + keyPath)
			if err != nil {
				t.Fatalf("PublicKey: %v", err)
			}
			if !SameKey(noSecret, pub) {
				t.Error("PublicKey returned another key")
			}

			s, err := Open(uri, nil)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if s.URI() != uri {
				t.Errorf("URI = %q, want %q", s.URI(), uri)
			}
			if !SameKey(s.TUFKey(), fromFile) {
				t.Error("opened key is not the key in PATH.pub")
			}
			msg := []byte(`{"_type":"root"}`)
			sig, err := SignMessage(s, msg)
			if err != nil {
				t.Fatalf("SignMessage: %v", err)
			}
			if err := Verify(fromFile, msg, sig); err != nil {
				t.Errorf("signature does not verify under PATH.pub: %v", err)
			}

			// The private key is not in the file in the clear, under any
			// common encoding.
			keyFile, err := os.ReadFile(keyPath)
			if err != nil {
				t.Fatal(err)
			}
			priv := s.(*softwareSigner).priv
			for name, form := range privateForms(t, priv) {
				if bytes.Contains(keyFile, form) {
					t.Errorf("key file contains the private key (%s)", name)
				}
			}
			// It is sealed under the passphrase: the encrypted package,
			// used directly, opens it with the passphrase (trailing newline
			// of the pin-source file not included) and not without.
			var onDisk struct {
				Type      string          `json:"type"`
				Encrypted json.RawMessage `json:"encrypted"`
			}
			if err := json.Unmarshal(keyFile, &onDisk); err != nil {
				t.Fatal(err)
			}
			der, err := encrypted.Decrypt(onDisk.Encrypted, []byte(testPassphrase))
			if err != nil {
				t.Fatalf("decrypting with the passphrase: %v", err)
			}
			wantDER, _ := x509.MarshalPKCS8PrivateKey(priv)
			if !bytes.Equal(der, wantDER) {
				t.Error("the sealed private key is not the opened key's PKCS#8")
			}
			if _, err := encrypted.Decrypt(onDisk.Encrypted, []byte(testPassphrase+"\n")); err == nil {
				t.Error("the pin-source file's trailing newline is part of the passphrase")
			}
			// scrypt at OWASP's parameters (N 2^17, r 8, p 1).
			var sealed struct {
				KDF struct {
					Name   string                `json:"name"`
					Params struct{ N, R, P int } `json:"params"`
				} `json:"kdf"`
			}
			if err := json.Unmarshal(onDisk.Encrypted, &sealed); err != nil {
				t.Fatal(err)
			}
			if k := sealed.KDF; k.Name != "scrypt" || k.Params.N != 1<<17 || k.Params.R != 8 || k.Params.P != 1 {
				t.Errorf("kdf %+v, want scrypt N 2^17, r 8, p 1", k)
			}
		})
	}
}

func TestFileKeyGenerateAsksOnceWithConfirm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	uri := "file:" + filepath.Join(dir, "k.key")
	p := &fakePrompter{secret: testPassphrase}
	if _, err := Generate(uri, TypeEd25519, p); err != nil {
		t.Fatal(err)
	}
	if len(p.reqs) != 1 {
		t.Fatalf("Generate asked %d times, want once", len(p.reqs))
	}
	if r := p.reqs[0]; r.Kind != Passphrase || r.URI != uri || !r.Confirm {
		t.Errorf("request = %+v, want a passphrase to confirm for %q", r, uri)
	}
	open := &fakePrompter{secret: testPassphrase}
	if _, err := Open(uri, open); err != nil {
		t.Fatalf("Open with the prompted passphrase: %v", err)
	}
	if len(open.reqs) != 1 || open.reqs[0].Confirm || open.reqs[0].Kind != Passphrase {
		t.Errorf("Open requests = %+v, want one passphrase without confirmation", open.reqs)
	}
}

func TestFileKeyGenerateRefusesExistingOutputs(t *testing.T) {
	t.Parallel()
	for _, existing := range []string{"k.key", "k.key.pub"} {
		t.Run(existing, func(t *testing.T) {
			dir := t.TempDir()
			keyPath := filepath.Join(dir, "k.key")
			precious := []byte("precious content\n")
			if err := os.WriteFile(filepath.Join(dir, existing), precious, 0o600); err != nil {
				t.Fatal(err)
			}
			p := &fakePrompter{secret: testPassphrase}
			_, err := Generate("file:"+keyPath, TypeEd25519, p)
			if err == nil {
				t.Fatal("Generate over an existing file succeeded")
			}
			if !errors.Is(err, fs.ErrExist) {
				t.Errorf("err = %v, want fs.ErrExist", err)
			}
			if got, _ := os.ReadFile(filepath.Join(dir, existing)); !bytes.Equal(got, precious) {
				t.Errorf("%s changed to %q", existing, got)
			}
			if got := dirNames(t, dir); len(got) != 1 || got[0] != existing {
				t.Errorf("directory holds %q, want only %s", got, existing)
			}
			if len(p.reqs) != 0 {
				t.Errorf("asked for a passphrase %d times before refusing", len(p.reqs))
			}
		})
	}
}

func TestFileKeyWrongPassphrase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "k.key")
	uri := "file:" + keyPath
	if _, err := Generate(uri, TypeECDSAP256, &fakePrompter{secret: testPassphrase}); err != nil {
		t.Fatal(err)
	}
	const wrong = "Tr0ub4dor&3-wrong"
	p := &fakePrompter{secret: wrong}
	s, err := Open(uri, p)
	if err == nil {
		t.Fatal("Open with a wrong passphrase succeeded")
	}
	if s != nil {
		t.Error("a signer came back with the error")
	}
	if len(p.reqs) != 1 {
		t.Errorf("prompter asked %d times, want exactly once (no retry by itself)", len(p.reqs))
	}
	if r := p.reqs[0]; r.Kind != Passphrase || r.URI != uri || r.Confirm {
		t.Errorf("request = %+v", r)
	}
	for _, secret := range []string{wrong, testPassphrase} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q contains a passphrase", err)
		}
	}
	if !strings.Contains(err.Error(), keyPath) {
		t.Errorf("error %q does not name the key file", err)
	}

	// The same through pin-source.
	pass := writePassFile(t, dir, "wrong.pass", wrong+"\n")
	_, err = Open(uri+"?pin-source="+pass, nil)
	if err == nil {
		t.Fatal("Open with a wrong pin-source succeeded")
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("error %q contains the passphrase", err)
	}

	// And the right one, typed without the pin-source file's newline.
	right := &fakePrompter{secret: testPassphrase}
	if _, err := Open(uri, right); err != nil {
		t.Errorf("Open with the right passphrase: %v", err)
	}
}

func TestFileKeyPassphraseLength(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	short := writePassFile(t, dir, "short", "1234567\n")
	_, err := Generate("file:"+filepath.Join(dir, "short.key")+"?pin-source="+short, TypeEd25519, nil)
	if err == nil || !strings.Contains(err.Error(), "too short") {
		t.Errorf("7-character passphrase: err = %v, want too short", err)
	}
	if err != nil && strings.Contains(err.Error(), "1234567") {
		t.Errorf("error %q contains the passphrase", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "short.key")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("short passphrase left a key file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "short.key.pub")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("short passphrase left a public key file: %v", err)
	}
	// eight characters are enough.
	eight := writePassFile(t, dir, "eight", "12345678")
	if _, err := Generate("file:"+filepath.Join(dir, "eight.key")+"?pin-source="+eight, TypeEd25519, nil); err != nil {
		t.Errorf("8-character passphrase: %v", err)
	}
}

func TestFileKeyTamperedPublicPart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := writePassFile(t, dir, "pass", testPassphrase)
	a := filepath.Join(dir, "a.key")
	b := filepath.Join(dir, "b.key")
	if _, err := Generate("file:"+a+"?pin-source="+pass, TypeEd25519, nil); err != nil {
		t.Fatal(err)
	}
	bPub, err := Generate("file:"+b+"?pin-source="+pass, TypeEd25519, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Put b's public key beside a's private key.
	data, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	if obj["public"], err = json.Marshal(bPub); err != nil {
		t.Fatal(err)
	}
	tampered, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a, tampered, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open("file:"+a+"?pin-source="+pass, nil)
	if err == nil {
		t.Fatalf("Open of a key file whose public part was swapped succeeded (%v)", s.TUFKey())
	}
	if !strings.Contains(err.Error(), "does not match") {
		t.Errorf("err = %v, want a mismatch error", err)
	}

	// A public part that does not decode is refused even without the
	// passphrase.
	obj["public"] = json.RawMessage(`{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"abcd"}}`)
	broken, _ := json.Marshal(obj)
	if err := os.WriteFile(a, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := PublicKey("file:" + a); err == nil {
		t.Error("PublicKey of a key file with a broken public part succeeded")
	}
	if _, err := Open("file:"+a+"?pin-source="+pass, nil); err == nil {
		t.Error("Open of a key file with a broken public part succeeded")
	}
}

func TestFileKeyDamagedCiphertext(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := writePassFile(t, dir, "pass", testPassphrase)
	k := filepath.Join(dir, "k.key")
	if _, err := Generate("file:"+k+"?pin-source="+pass, TypeECDSAP384, nil); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(k)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		t.Fatal(err)
	}
	var enc map[string]json.RawMessage
	if err := json.Unmarshal(obj["encrypted"], &enc); err != nil {
		t.Fatal(err)
	}
	var ct []byte
	if err := json.Unmarshal(enc["ciphertext"], &ct); err != nil {
		t.Fatalf("ciphertext: %v", err)
	}
	ct[len(ct)/2] ^= 0x01
	enc["ciphertext"], _ = json.Marshal(ct)
	obj["encrypted"], _ = json.Marshal(enc)
	damaged, _ := json.Marshal(obj)
	if err := os.WriteFile(k, damaged, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open("file:"+k+"?pin-source="+pass, nil); err == nil {
		t.Error("Open of a damaged key file succeeded")
	}
}

func TestFileKeyNotAKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"json":      `{"hello":"world"}`,
		"other":     `{"type":"something-else","public":{},"encrypted":{}}`,
		"no public": `{"type":"ceremony-encrypted-key","encrypted":{"a":1}}`,
		"garbage":   "-----BEGIN PRIVATE KEY-----\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_"))
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := PublicKey("file:" + p); err == nil {
			t.Errorf("%s: PublicKey succeeded", name)
		}
		prompter := &fakePrompter{secret: testPassphrase}
		if _, err := Open("file:"+p, prompter); err == nil {
			t.Errorf("%s: Open succeeded", name)
		}
		if len(prompter.reqs) != 0 {
			t.Errorf("%s: asked for a passphrase for a file that is not a key", name)
		}
	}
	_, err := Open("file:"+filepath.Join(dir, "missing.key"), &fakePrompter{secret: testPassphrase})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: err = %v, want fs.ErrNotExist", err)
	}
}

func TestFileKeySecretSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "k.key")

	// No terminal and no pin-source: refused, pointing to pin-source,
	// nothing written.
	_, err := Generate("file:"+keyPath, TypeEd25519, nil)
	if err == nil || !strings.Contains(err.Error(), "pin-source") {
		t.Errorf("Generate without prompter: err = %v, want a hint about pin-source", err)
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("directory holds %q after a refused Generate", got)
	}

	// The prompter's own error (the user cancelled) comes back as is.
	cancelled := errors.New("cancelled by user")
	if _, err := Generate("file:"+keyPath, TypeEd25519, &fakePrompter{err: cancelled}); !errors.Is(err, cancelled) {
		t.Errorf("Generate: err = %v, want the prompter's error", err)
	}

	// empty and missing pin-source files.
	empty := writePassFile(t, dir, "empty", "\r\n")
	if _, err := Generate("file:"+keyPath+"?pin-source="+empty, TypeEd25519, nil); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty pin-source: err = %v", err)
	}
	if _, err := Generate("file:"+keyPath+"?pin-source="+filepath.Join(dir, "nope"), TypeEd25519, nil); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing pin-source: err = %v, want fs.ErrNotExist", err)
	}
	// pin-source wins over the prompter.
	pass := writePassFile(t, dir, "pass", testPassphrase)
	p := &fakePrompter{secret: "ignored-passphrase"}
	if _, err := Generate("file:"+keyPath+"?pin-source="+pass, TypeEd25519, p); err != nil {
		t.Fatal(err)
	}
	if len(p.reqs) != 0 {
		t.Errorf("prompter asked %d times though pin-source was given", len(p.reqs))
	}
	if _, err := Open("file:"+keyPath, &fakePrompter{secret: testPassphrase}); err != nil {
		t.Errorf("the key was not sealed with the pin-source passphrase: %v", err)
	}
	if _, err := Open("file:"+keyPath, nil); err == nil || !strings.Contains(err.Error(), "pin-source") {
		t.Errorf("Open without prompter: err = %v, want a hint about pin-source", err)
	}

	// Attributes the file backend does not know are refused.
	for _, u := range []string{"file:" + keyPath + "?module-path=/x", "file:" + keyPath + "?slot-id=9c"} {
		if _, err := PublicKey(u); err == nil || !strings.Contains(err.Error(), "unknown attribute") {
			t.Errorf("PublicKey(%q): err = %v", u, err)
		}
		if _, err := Open(u, &fakePrompter{secret: testPassphrase}); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
		if _, err := Generate(u+"2", TypeEd25519, &fakePrompter{secret: testPassphrase}); err == nil {
			t.Errorf("Generate(%q) succeeded", u)
		}
	}
}

func TestFileKeyGenerateUnknownType(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := Generate("file:"+filepath.Join(dir, "k.key"), KeyType("rsa"), &fakePrompter{secret: testPassphrase})
	if err == nil {
		t.Fatal("Generate of an rsa key succeeded")
	}
	if got := dirNames(t, dir); len(got) != 0 {
		t.Errorf("directory holds %q after a refused Generate", got)
	}
}

// stubBackend records what the package-level functions route to it.
type stubBackend struct {
	got []*URI
	key *metadata.Key
}

func (b *stubBackend) Scheme() string { return "yubikey" }

func (b *stubBackend) PublicKey(u *URI) (*metadata.Key, error) {
	b.got = append(b.got, u)
	return b.key, nil
}

func (b *stubBackend) Open(u *URI, p Prompter) (Signer, error) {
	b.got = append(b.got, u)
	return nil, errors.New("stub open")
}

func (b *stubBackend) Generate(u *URI, t KeyType, p Prompter) (*metadata.Key, error) {
	b.got = append(b.got, u)
	return b.key, nil
}

func TestBackendRouting(t *testing.T) {
	// No hardware backend is registered in this package's tests.
	for _, u := range []string{"pkcs11:token=t;object=o"} {
		if _, err := PublicKey(u); err == nil || !strings.Contains(err.Error(), "not supported by this build") {
			t.Errorf("PublicKey(%q): err = %v", u, err)
		}
		if _, err := Open(u, nil); err == nil || !strings.Contains(err.Error(), "not supported by this build") {
			t.Errorf("Open(%q): err = %v", u, err)
		}
		if _, err := Generate(u, TypeEd25519, nil); err == nil || !strings.Contains(err.Error(), "not supported by this build") {
			t.Errorf("Generate(%q): err = %v", u, err)
		}
	}
	// Malformed URIs never reach a backend.
	for _, u := range []string{"nope", "pkcs11:token=t?pin-value=1234"} {
		if _, err := PublicKey(u); err == nil {
			t.Errorf("PublicKey(%q) succeeded", u)
		}
		if _, err := Open(u, nil); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
		if _, err := Generate(u, TypeEd25519, nil); err == nil {
			t.Errorf("Generate(%q) succeeded", u)
		}
	}

	stub := &stubBackend{key: &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: rfc8032Pub}}}
	const u = "yubikey:serial=19088743;slot-id=9c"
	// The package-level functions open file keys only.
	if _, err := PublicKey(u); err == nil || !strings.Contains(err.Error(), "not supported by this build") {
		t.Errorf("PublicKey of a yubikey: URI without its backend: err = %v", err)
	}
	b := NewBackends(stub)
	if k, err := b.PublicKey(u); err != nil || k != stub.key {
		t.Errorf("PublicKey via the backend handed in = %v, %v", k, err)
	}
	if _, err := b.Open(u, nil); err == nil || err.Error() != "stub open" {
		t.Errorf("Open via the backend handed in: err = %v, want the backend's", err)
	}
	if k, err := b.Generate(u, TypeEd25519, nil); err != nil || k != stub.key {
		t.Errorf("Generate via the backend handed in = %v, %v", k, err)
	}
	if _, err := NewBackends().PublicKey(u); err == nil {
		t.Error("a Backends without the yubikey backend opened a yubikey: URI")
	}
	if len(stub.got) != 3 {
		t.Fatalf("backend called %d times, want 3", len(stub.got))
	}
	for _, g := range stub.got {
		if g.Scheme != "yubikey" || g.Attrs["serial"] != "19088743" || g.Attrs["slot-id"] != "9c" || g.String() != u {
			t.Errorf("backend got %+v", g)
		}
	}
}

func TestSecretKindString(t *testing.T) {
	if Passphrase.String() != "passphrase" || PIN.String() != "PIN" {
		t.Errorf("SecretKind strings: %q, %q", Passphrase, PIN)
	}
}

// TestFileKeyOlderScryptParameters: a key file sealed with
// securesystemslib's older scrypt parameters (Legacy, N 2^15; Standard,
// N 2^16), as earlier versions of this tool wrote them, still opens.
func TestFileKeyOlderScryptParameters(t *testing.T) {
	for _, level := range []encrypted.KDFParameterStrength{encrypted.Legacy, encrypted.Standard} {
		dir := t.TempDir()
		pass := writePassFile(t, dir, "pass", testPassphrase+"\n")
		s, err := GenerateSoftware("test:old", TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(s.(*softwareSigner).priv)
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := encrypted.EncryptWithCustomKDFParameters(der, []byte(testPassphrase), level)
		if err != nil {
			t.Fatal(err)
		}
		data, err := json.Marshal(fileKey{Type: fileKeyType, Public: s.TUFKey(), Encrypted: sealed})
		if err != nil {
			t.Fatal(err)
		}
		keyPath := filepath.Join(dir, "old.key")
		if err := os.WriteFile(keyPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		opened, err := Open("file:"+keyPath+"?pin-source="+pass, nil)
		if err != nil {
			t.Fatalf("level %d: %v", level, err)
		}
		if !SameKey(opened.TUFKey(), s.TUFKey()) {
			t.Errorf("level %d: opened another key", level)
		}
	}
}
