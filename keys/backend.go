package keys

import (
	"fmt"
	"sync"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Backend opens and makes keys for one URI scheme. The file backend lives in
// this package; hardware backends register themselves from package hsm.
type Backend interface {
	// PublicKey returns the TUF key named by u without asking for a secret
	// where the backend can.
	PublicKey(u *URI) (*metadata.Key, error)
	// Open returns a Signer for u, asking p for a secret if needed.
	Open(u *URI, p Prompter) (Signer, error)
	// Generate makes a new key at u and returns its TUF public key. It
	// refuses if a key already exists at u.
	Generate(u *URI, t KeyType, p Prompter) (*metadata.Key, error)
}

var (
	backendsMu sync.Mutex
	backends   = map[string]Backend{"file": fileBackend{}}
)

// Register makes a backend available for a URI scheme.
func Register(scheme string, b Backend) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	backends[scheme] = b
}

func backendFor(u *URI) (Backend, error) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	b, ok := backends[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("key URI %q: %s keys are not supported by this build", u.String(), u.Scheme)
	}
	return b, nil
}

// resolve parses uri and finds the backend of its scheme.
func resolve(uri string) (*URI, Backend, error) {
	u, err := ParseURI(uri)
	if err != nil {
		return nil, nil, err
	}
	b, err := backendFor(u)
	if err != nil {
		return nil, nil, err
	}
	return u, b, nil
}

// Open parses uri and opens the key it names.
func Open(uri string, p Prompter) (Signer, error) {
	u, b, err := resolve(uri)
	if err != nil {
		return nil, err
	}
	return b.Open(u, p)
}

// PublicKey parses uri and returns the TUF public key it names.
func PublicKey(uri string) (*metadata.Key, error) {
	u, b, err := resolve(uri)
	if err != nil {
		return nil, err
	}
	return b.PublicKey(u)
}

// Generate makes a new key of type t at uri.
func Generate(uri string, t KeyType, p Prompter) (*metadata.Key, error) {
	u, b, err := resolve(uri)
	if err != nil {
		return nil, err
	}
	return b.Generate(u, t, p)
}
