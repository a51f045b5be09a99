// Package p11test gives tests real SoftHSM2 tokens in a private directory.
//
// SoftHSM2 reads its configuration (SOFTHSM2_CONF, a process-wide
// environment variable) and finds its tokens when the module is
// initialized, and a token made afterwards by softhsm2-util is not seen by
// a module already loaded. So one test binary shares one configuration,
// and every token it needs is made before any test runs:
//
//	func TestMain(m *testing.M) {
//		os.Exit(p11test.Main(m, p11test.Spec{Label: "alpha"}, p11test.Spec{Label: "beta"}))
//	}
//
//	func TestX(t *testing.T) {
//		tok := p11test.Get(t, "alpha") // fails the test if SoftHSM2 is missing
//		uri := tok.URI("my-key") + "&pin-source=" + tok.PINFile(t)
//	}
//
// Tests do not skip without SoftHSM2: they fail and say to run
// scripts/setup.
package p11test

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Spec is a token to make.
type Spec struct {
	// Name is what Get finds the token by; the label when empty. Two
	// tokens may share a label (to test ambiguity), never a name.
	Name  string
	Label string
	// UserPINFlags are CKF_USER_PIN_* flags (COUNT_LOW 0x10000, FINAL_TRY
	// 0x20000, LOCKED 0x40000) written into the token's file before any
	// module loads it. SoftHSM2 never counts PIN tries itself; this is how
	// tests get a token that reports a PIN on its final try or blocked.
	UserPINFlags uint
}

// Token is a SoftHSM2 token made by Main.
type Token struct {
	// Module is the path of libsofthsm2.so.
	Module string
	Label  string
	Serial string
	// PIN and SOPIN are random, different for every token.
	PIN, SOPIN string
}

// URI is the pkcs11: URI of the key labelled object on the token, named
// by token label, without pin-source. Labels go in as they are: give
// tokens and keys plain labels, or escape them yourself.
func (tk *Token) URI(object string) string {
	return fmt.Sprintf("pkcs11:token=%s;object=%s?module-path=%s", tk.Label, object, tk.Module)
}

// URIWith is the pkcs11: URI with the token's label and the given path
// attributes ("object=a;id=%01"), without pin-source.
func (tk *Token) URIWith(attrs string) string {
	return fmt.Sprintf("pkcs11:token=%s;%s?module-path=%s", tk.Label, attrs, tk.Module)
}

// PINFile writes the token's PIN to a file in a test directory and returns
// its path, for pin-source=.
func (tk *Token) PINFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pin")
	if err := os.WriteFile(path, []byte(tk.PIN+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// modulePaths are where distributions put libsofthsm2.so.
var modulePaths = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
}

var (
	tokens   map[string]*Token
	setupErr = errors.New("p11test.Main did not run: call it from TestMain")
)

// Main makes a private SoftHSM2 configuration and token directory, points
// SOFTHSM2_CONF at it, makes the tokens, runs the tests and removes it
// all. If SoftHSM2 is missing or a token cannot be made, the tests still
// run and every Get fails its test with the reason.
func Main(m *testing.M, specs ...Spec) int {
	dir, err := os.MkdirTemp("", "p11test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "p11test:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	tokens, setupErr = setup(dir, specs)
	return m.Run()
}

// Get returns the token made by Main under this name, or fails the test.
func Get(t testing.TB, name string) *Token {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("SoftHSM2 tokens for this test: %v", setupErr)
	}
	tk, ok := tokens[name]
	if !ok {
		t.Fatalf("no SoftHSM2 token named %q: add it to p11test.Main in TestMain", name)
	}
	return tk
}

func setup(dir string, specs []Spec) (map[string]*Token, error) {
	util, err := exec.LookPath("softhsm2-util")
	if err != nil {
		return nil, errors.New("softhsm2-util is not installed: run scripts/setup (Debian package softhsm2)")
	}
	module := ""
	for _, p := range modulePaths {
		if _, err := os.Stat(p); err == nil {
			module = p
			break
		}
	}
	if module == "" {
		return nil, fmt.Errorf("libsofthsm2.so is not in %s: run scripts/setup (Debian package softhsm2)", strings.Join(modulePaths, ", "))
	}
	tokenDir := filepath.Join(dir, "tokens")
	if err := os.Mkdir(tokenDir, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(dir, "softhsm2.conf")
	confText := "directories.tokendir = " + tokenDir + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	if err := os.WriteFile(conf, []byte(confText), 0o600); err != nil {
		return nil, err
	}
	if err := os.Setenv("SOFTHSM2_CONF", conf); err != nil {
		return nil, err
	}
	toks := map[string]*Token{}
	for _, s := range specs {
		name := s.Name
		if name == "" {
			name = s.Label
		}
		if _, dup := toks[name]; dup {
			return nil, fmt.Errorf("token name %q given twice", name)
		}
		before, _ := filepath.Glob(filepath.Join(tokenDir, "*", "token.object"))
		tk := &Token{Module: module, Label: s.Label, PIN: randomPIN(), SOPIN: randomPIN()}
		out, err := exec.Command(util, "--init-token", "--free", "--label", s.Label, "--so-pin", tk.SOPIN, "--pin", tk.PIN).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("softhsm2-util --init-token --label %q: %v: %s", s.Label, err, bytes.TrimSpace(out))
		}
		after, _ := filepath.Glob(filepath.Join(tokenDir, "*", "token.object"))
		file := ""
		for _, f := range after {
			if !slices.Contains(before, f) {
				file = f
			}
		}
		if file == "" {
			return nil, fmt.Errorf("softhsm2-util made no token file for %q in %s", s.Label, tokenDir)
		}
		if tk.Serial, err = tokenSerial(file); err != nil {
			return nil, err
		}
		if s.UserPINFlags != 0 {
			if err := setTokenFlags(file, s.UserPINFlags); err != nil {
				return nil, err
			}
		}
		toks[name] = tk
	}
	return toks, nil
}

func randomPIN() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1e8))
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%08d", n)
}

// SoftHSM2's token file (token.object) holds its attributes as big-endian
// 64-bit type, kind (2: unsigned long, 3: byte string) and value (a byte
// string with its length first). These are its vendor attributes for the
// token's serial and flags (OSAttributes.h).
const (
	ckaOSTokenSerial = 0x8000534A
	ckaOSTokenFlags  = 0x8000534B
)

// attr finds the value of attribute typ of the given kind in a token file.
func attr(b []byte, typ, kind uint64) ([]byte, error) {
	head := binary.BigEndian.AppendUint64(nil, typ)
	head = binary.BigEndian.AppendUint64(head, kind)
	i := bytes.Index(b, head)
	if i < 0 {
		return nil, fmt.Errorf("no attribute 0x%x (SoftHSM2 file format changed?)", typ)
	}
	v := b[i+len(head):]
	n := uint64(8)
	if kind == 3 {
		if len(v) < 8 {
			return nil, errors.New("truncated token file")
		}
		n, v = binary.BigEndian.Uint64(v), v[8:]
	}
	if uint64(len(v)) < n {
		return nil, errors.New("truncated token file")
	}
	return v[:n], nil
}

func tokenSerial(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	v, err := attr(b, ckaOSTokenSerial, 3)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	return strings.TrimRight(string(v), " "), nil
}

// setTokenFlags ORs flags into the CKF_ flags kept in a token file.
func setTokenFlags(file string, flags uint) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	v, err := attr(b, ckaOSTokenFlags, 2)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	binary.BigEndian.PutUint64(v, binary.BigEndian.Uint64(v)|uint64(flags))
	return os.WriteFile(file, b, 0o600)
}
