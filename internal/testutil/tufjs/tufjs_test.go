package tufjs_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
)

// key is a test signing key with its TUF public key.
type key struct {
	crypto.Signer
	id  string
	tuf *metadata.Key
}

func newKey(t *testing.T, p256 bool) key {
	t.Helper()
	var s crypto.Signer
	var err error
	if p256 {
		s, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		_, s, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	k, err := metadata.KeyFromPublicKey(s.Public())
	if err != nil {
		t.Fatal(err)
	}
	id, err := k.ID()
	if err != nil {
		t.Fatal(err)
	}
	return key{s, id, k}
}

// sign appends signatures by keys over md's canonical signed part, as TUF
// schemes want: Ed25519 over the message, ECDSA P-256 over its SHA-256.
func sign[T metadata.Roles](t *testing.T, md *metadata.Metadata[T], keys ...key) {
	t.Helper()
	msg, err := cjson.EncodeCanonical(md.Signed)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		digest, opts := msg, crypto.SignerOpts(crypto.Hash(0))
		if _, ok := k.Signer.(*ecdsa.PrivateKey); ok {
			sum := sha256.Sum256(msg)
			digest, opts = sum[:], crypto.SHA256
		}
		sig, err := k.Sign(rand.Reader, digest, opts)
		if err != nil {
			t.Fatal(err)
		}
		md.Signatures = append(md.Signatures, metadata.Signature{KeyID: k.id, Signature: sig})
	}
}

func write[T metadata.Roles](t *testing.T, md *metadata.Metadata[T], path string) {
	t.Helper()
	if err := md.ToFile(path, true); err != nil {
		t.Fatal(err)
	}
}

// testRepo is a consistent-snapshot repository with one target,
// files/hello.txt, and a root of threshold 2 (one Ed25519, one P-256 key).
type testRepo struct {
	dir      string
	rootKeys []key
	target   string // the file served for files/hello.txt
}

func newRepo(t *testing.T) testRepo {
	t.Helper()
	r := testRepo{dir: t.TempDir(), rootKeys: []key{newKey(t, false), newKey(t, true)}}
	online := newKey(t, true)
	expires := time.Now().Add(24 * time.Hour)
	meta := filepath.Join(r.dir, "metadata")
	targets := filepath.Join(r.dir, "targets", "files")
	for _, d := range []string{meta, targets} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}

	root := metadata.Root(expires)
	root.Signed.ConsistentSnapshot = true
	for _, k := range r.rootKeys {
		if err := root.Signed.AddKey(k.tuf, metadata.ROOT); err != nil {
			t.Fatal(err)
		}
	}
	root.Signed.Roles[metadata.ROOT].Threshold = 2
	for _, role := range []string{metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		if err := root.Signed.AddKey(online.tuf, role); err != nil {
			t.Fatal(err)
		}
	}
	sign(t, root, r.rootKeys...)
	write(t, root, filepath.Join(meta, "1.root.json"))

	content := []byte("hello from a key ceremony\n")
	sum := sha256.Sum256(content)
	r.target = filepath.Join(targets, hex.EncodeToString(sum[:])+".hello.txt")
	if err := os.WriteFile(r.target, content, 0o644); err != nil {
		t.Fatal(err)
	}
	tg := metadata.Targets(expires)
	tg.Signed.Targets["files/hello.txt"] = &metadata.TargetFiles{
		Length: int64(len(content)),
		Hashes: metadata.Hashes{"sha256": sum[:]},
		Path:   "files/hello.txt",
	}
	sign(t, tg, online)
	write(t, tg, filepath.Join(meta, "1.targets.json"))

	sn := metadata.Snapshot(expires)
	sign(t, sn, online)
	write(t, sn, filepath.Join(meta, "1.snapshot.json"))
	ts := metadata.Timestamp(expires)
	sign(t, ts, online)
	write(t, ts, filepath.Join(meta, "timestamp.json"))
	return r
}

// rotatedRoot returns root v2 with both root keys replaced by new ones,
// signed by signers.
func (r testRepo) rotatedRoot(t *testing.T, newKeys []key, signers ...key) *metadata.Metadata[metadata.RootType] {
	t.Helper()
	root, err := metadata.Root().FromFile(filepath.Join(r.dir, "metadata", "1.root.json"))
	if err != nil {
		t.Fatal(err)
	}
	root.Signatures = nil
	root.Signed.Version = 2
	for i := range r.rootKeys {
		if err := root.Signed.RevokeKey(r.rootKeys[i].id, metadata.ROOT); err != nil {
			t.Fatal(err)
		}
		if err := root.Signed.AddKey(newKeys[i].tuf, metadata.ROOT); err != nil {
			t.Fatal(err)
		}
	}
	sign(t, root, signers...)
	return root
}

func TestRefresh(t *testing.T) {
	r := newRepo(t)
	if v := tufjs.Refresh(t, r.dir, "files/hello.txt"); v != 1 {
		t.Errorf("root version = %d, want 1", v)
	}
}

func TestRefreshRejectsTamperedTarget(t *testing.T) {
	r := newRepo(t)
	b, err := os.ReadFile(r.target)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if err := os.WriteFile(r.target, b, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = tufjs.TryRefresh(t, r.dir, "files/hello.txt")
	if err == nil || !strings.Contains(err.Error(), "hash") {
		t.Fatalf("tampered target: err = %v, want a hash mismatch", err)
	}
}

func TestRootRotation(t *testing.T) {
	r := newRepo(t)
	newKeys := []key{newKey(t, false), newKey(t, true)}
	v1 := filepath.Join(r.dir, "metadata", "1.root.json")

	// Signed by the old and the new thresholds: accepted, and a client
	// refreshing the repository moves to it.
	good := filepath.Join(r.dir, "metadata", "2.root.json")
	write(t, r.rotatedRoot(t, newKeys, append(r.rootKeys, newKeys...)...), good)
	if err := tufjs.VerifyRootChain(t, v1, good); err != nil {
		t.Fatalf("rotated root signed by old and new keys: %v", err)
	}
	if v := tufjs.Refresh(t, r.dir, "files/hello.txt"); v != 2 {
		t.Errorf("root version after rotation = %d, want 2", v)
	}

	// Signed by the new keys only, or by one old key short of the old
	// threshold: rejected.
	for name, signers := range map[string][]key{
		"new keys only":    newKeys,
		"one old key only": append([]key{r.rootKeys[0]}, newKeys...),
	} {
		bad := filepath.Join(t.TempDir(), "2.root.json")
		write(t, r.rotatedRoot(t, newKeys, signers...), bad)
		err := tufjs.VerifyRootChain(t, v1, bad)
		if err == nil || !strings.Contains(err.Error(), "signed by") {
			t.Errorf("%s: err = %v, want a threshold failure", name, err)
		}
	}
}
