package keys

import (
	"crypto"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/atomicfile"
)

// fileKeyType marks an encrypted key file written by this tool.
const fileKeyType = "ceremony-encrypted-key"

// fileKey is the on-disk form of a file: key. The private key (PKCS#8 DER)
// is sealed with scrypt and NaCl secretbox under the passphrase
// (go-securesystemslib's encrypted package); the public key sits beside it
// in the clear so a plan can name the key without the passphrase.
type fileKey struct {
	Type      string          `json:"type"`
	Public    *metadata.Key   `json:"public"`
	Encrypted json.RawMessage `json:"encrypted"`
}

// PublicKeyPath is where keygen writes the TUF public key of a file key.
func PublicKeyPath(keyPath string) string { return keyPath + ".pub" }

type fileBackend struct{}

func (fileBackend) Scheme() string { return "file" }

var fileAttrs = []string{"pin-source"}

// maxKeyFile bounds an encrypted key file: a key, its public half and
// the scrypt parameters are well under a kilobyte.
const maxKeyFile = 64 << 10

func (fileBackend) read(u *URI) (*fileKey, error) {
	if err := u.CheckAttrs(nil, fileAttrs); err != nil {
		return nil, err
	}
	data, err := bounded.ReadFile(u.Path, maxKeyFile)
	if err != nil {
		return nil, fmt.Errorf("failed to read key file %q: %w", u.Path, err)
	}
	var fk fileKey
	if err := json.Unmarshal(data, &fk); err != nil || fk.Type != fileKeyType || fk.Public == nil || len(fk.Encrypted) == 0 {
		return nil, fmt.Errorf("key file %q is not an encrypted ceremony key (want a key file this tool made)", u.Path)
	}
	if _, err := PublicKeyOf(fk.Public); err != nil {
		return nil, fmt.Errorf("key file %q: public: %w", u.Path, err)
	}
	return &fk, nil
}

func (b fileBackend) PublicKey(u *URI) (*metadata.Key, error) {
	fk, err := b.read(u)
	if err != nil {
		return nil, err
	}
	return fk.Public, nil
}

func (b fileBackend) Open(u *URI, p Prompter) (Signer, error) {
	fk, err := b.read(u)
	if err != nil {
		return nil, err
	}
	pass, err := secretFor(u, p, SecretRequest{Kind: Passphrase, URI: u.String(), TriesLeft: -1})
	if err != nil {
		return nil, err
	}
	der, err := encrypted.Decrypt(fk.Encrypted, pass)
	clear(pass)
	// scrypt's working memory (128 MB at securesystemslib's cost) is
	// garbage now: collected here, it is not held beside the role of
	// 77 MB the key goes on to sign.
	runtime.GC()
	if err != nil {
		return nil, fmt.Errorf("failed to unlock key file %q: wrong passphrase or damaged file", u.Path)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	clear(der)
	if err != nil {
		return nil, fmt.Errorf("key file %q: failed to parse private key: %w", u.Path, err)
	}
	cs, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key file %q: unsupported private key %T", u.Path, priv)
	}
	s, err := NewSoftwareSigner(u.String(), cs)
	if err != nil {
		return nil, fmt.Errorf("key file %q: %w", u.Path, err)
	}
	if !SameKey(s.TUFKey(), fk.Public) {
		return nil, fmt.Errorf("key file %q: private key does not match the public key stored beside it", u.Path)
	}
	return s, nil
}

func (b fileBackend) Generate(u *URI, t KeyType, p Prompter) (*metadata.Key, error) {
	if err := u.CheckAttrs(nil, fileAttrs); err != nil {
		return nil, err
	}
	for _, path := range []string{u.Path, PublicKeyPath(u.Path)} {
		if _, err := os.Lstat(path); err == nil {
			return nil, fmt.Errorf("refusing to overwrite %q: %w", path, fs.ErrExist)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("failed to check %q: %w", path, err)
		}
	}
	pass, err := secretFor(u, p, SecretRequest{Kind: Passphrase, URI: u.String(), Confirm: true, TriesLeft: -1})
	if err != nil {
		return nil, err
	}
	defer clear(pass)
	if len(pass) < 8 {
		return nil, fmt.Errorf("passphrase for %q is too short: use at least 8 characters", u.String())
	}
	s, err := GenerateSoftware(u.String(), t)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(s.(*softwareSigner).priv)
	if err != nil {
		return nil, fmt.Errorf("failed to encode private key: %w", err)
	}
	sealed, err := encrypted.EncryptWithCustomKDFParameters(der, pass, encrypted.OWASP)
	clear(der)
	if err != nil {
		return nil, fmt.Errorf("failed to encrypt private key: %w", err)
	}
	data, err := json.MarshalIndent(fileKey{Type: fileKeyType, Public: s.TUFKey(), Encrypted: sealed}, "", "  ")
	if err != nil {
		return nil, err
	}
	pub, err := MarshalKeyJSON(s.TUFKey())
	if err != nil {
		return nil, err
	}
	if err := atomicfile.MkdirAll(filepath.Dir(u.Path), 0o700); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteNew(u.Path, append(data, '\n'), 0o600); err != nil {
		return nil, err
	}
	if err := atomicfile.WriteNew(PublicKeyPath(u.Path), pub, 0o644); err != nil {
		return nil, err
	}
	return s.TUFKey(), nil
}
