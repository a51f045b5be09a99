package plan

// Resolving the plan's keys: public key files and key URIs read, key IDs
// checked, paths rebased on the plan's directory.

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/bounded"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/keys"
)

// found is a key the plan resolved, for the check that no key is listed
// twice.
type found struct {
	label, field string
	key          *metadata.Key
	uri          *keys.URI
}

// resolveKeys reads the public key of every keyholder and online key,
// sets TUFKey and KeyID, and refuses a key listed twice.
func (r *reader) resolveKeys(p *Plan) {
	var all []found
	// resolveOne resolves the key at path and points the entry's fields at
	// the result.
	resolveOne := func(path, name string, uri *string, pub string, tufKey **metadata.Key, keyID *string) {
		if r.bad[path] {
			return
		}
		resolved, key, field := r.resolve(path, *uri, pub)
		*uri = resolved
		if key == nil {
			return
		}
		*tufKey, *keyID = r.keyID(field, key)
		if *tufKey != nil {
			u, _ := keys.ParseURI(*uri)
			all = append(all, found{fmt.Sprintf("%s (%s)", path, name), field, *tufKey, u})
		}
	}
	for i := range p.Keyholders {
		k := &p.Keyholders[i]
		resolveOne(index("keyholders", i), k.Name, &k.Key, k.PublicKey, &k.TUFKey, &k.KeyID)
	}
	for i := range p.Online {
		k := &p.Online[i]
		resolveOne(index("online", i), k.Name, &k.Key, k.PublicKey, &k.TUFKey, &k.KeyID)
	}
	for i := range p.Witnesses {
		w := &p.Witnesses[i]
		resolveOne(index("witnesses", i), w.Name, &w.Key, w.PublicKey, &w.TUFKey, &w.KeyID)
	}
	for j := range all {
		for i := 0; i < j; i++ {
			if keys.SameKey(all[i].key, all[j].key) {
				r.problem(all[j].field, "%s and %s hold the same public key; every keyholder, online key and witness needs a key of its own", all[j].label, all[i].label)
				break
			}
			if hidesKeys(all[i].uri) && all[j].uri != nil && all[i].uri.NamesSameKey(all[j].uri) {
				r.problem(join(parent(all[j].field), "key"), "%s and %s give the same key URI, and a YubiHSM 2 shows no key before login to tell them apart; name each key's device and key (serial=, object= or id=)", all[j].label, all[i].label)
				break
			}
		}
	}
}

func (r *reader) keyID(field string, k *metadata.Key) (*metadata.Key, string) {
	id, err := keys.ID(k)
	if err != nil {
		r.problem(field, "%v; use an ed25519 or ecdsa P-256/P-384 key", err)
		return nil, ""
	}
	return k, id
}

// resolve finds the public key of the entry at path from its key URI and
// its public key file. It returns the key URI with relative paths taken
// against the plan's directory, the key in the form we write into
// metadata, and the field the key came from. A key URI that cannot be
// read is accepted when a public key file stands in for it and the key is
// on a device (or in a file) that is not here.
func (r *reader) resolve(path, uri, pub string) (string, *metadata.Key, string) {
	kf, pf := join(path, "key"), join(path, "public_key")
	var u *keys.URI
	if r.usable(kf) && uri != "" {
		var err error
		if u, err = keys.ParseURI(uri); err != nil {
			u = nil // reported by checkKeySource
		}
	}
	havePub := r.usable(pf) && pub != ""
	if u == nil && !havePub {
		return uri, nil, ""
	}

	var fromFile, fromURI *metadata.Key
	if havePub {
		if fromFile = r.readPublicKey(pf, pub); fromFile == nil {
			return uri, nil, ""
		}
	}
	if u != nil {
		uri = rebase(uri, u, r.dir)
		k, err := r.publicKeyOf(uri)
		switch {
		case err == nil:
			fromURI = k
		case havePub && absent(u, err):
			// The device (or key file) is not here; public_key stands in.
		case u.Scheme == "file":
			r.problem(kf, "%v; check the path (relative to the plan's directory)", err)
			return uri, nil, ""
		case errors.Is(err, keys.ErrNotSupported):
			r.problem(kf, "cannot read the key's public key: %v; add public_key: with the key's TUF public key file", err)
			return uri, nil, ""
		default:
			r.problem(kf, "cannot read the key's public key: %v; connect the device, or add public_key: with the key's TUF public key file", err)
			r.hints = append(r.hints, hint.Commands(err)...)
			return uri, nil, ""
		}
	}
	if fromFile != nil && fromURI != nil && !keys.SameKey(fromFile, fromURI) {
		r.problem(kf, "the key at %q is not the key in public_key %q; fix whichever is wrong", uri, pub)
		return uri, nil, ""
	}
	k, field := fromFile, pf
	if k == nil {
		k, field = fromURI, kf
	}
	norm, err := forMetadata(k)
	if err != nil {
		r.problem(field, "%v", err)
		return uri, nil, ""
	}
	return uri, norm, field
}

// absent reports whether err from reading the key at u means only that the
// key is not here: a file that does not exist, or any failure of a device
// backend (not built in, device not connected).
func absent(u *keys.URI, err error) bool {
	if u.Scheme == "file" {
		return errors.Is(err, fs.ErrNotExist)
	}
	return true
}

// publicKeyOf reads the public key uri names, refusing first what is not a
// plain, small file for file: URIs so that a plan naming a device or a
// pipe cannot hang the tool.
func (r *reader) publicKeyOf(uri string) (*metadata.Key, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		if err := plainFile(u.Path); err != nil {
			return nil, fmt.Errorf("key file %q: %w", u.Path, err)
		}
	}
	if r.keys == nil {
		return nil, errors.New("this step reads no keys from devices: give the keyholder's public_key")
	}
	return r.keys.PublicKey(uri)
}

func plainFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err // the caller names the path
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if fi.Size() > maxKeyFileSize {
		return fmt.Errorf("%d bytes is too large for a key file", fi.Size())
	}
	return nil
}

// readPublicKey reads a TUF public key file named in the plan.
func (r *reader) readPublicKey(field, name string) *metadata.Key {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	if err := plainFile(path); err != nil {
		r.problem(field, "failed to read public key file %q: %v; give the path of the key's TUF public key file, relative to the plan", path, err)
		return nil
	}
	data, err := bounded.ReadFile(path, maxKeyFileSize)
	if err != nil {
		r.problem(field, "failed to read public key file %q: %v; give the path of the key's TUF public key file, relative to the plan", path, err)
		return nil
	}
	k, err := keys.ParseKeyJSON(data)
	if err != nil {
		r.problem(field, "public key file %q: %v; give the TUF public key file (NAME.pub) written when the key was made", path, err)
		return nil
	}
	return k
}

// forMetadata returns k as this tool writes keys into metadata: Ed25519 as
// hex, ECDSA P-256 and P-384 as PEM, no vendor fields. Other key types are
// read from others' metadata but never put into ours.
func forMetadata(k *metadata.Key) (*metadata.Key, error) {
	pub, err := keys.PublicKeyOf(k)
	if err != nil {
		return nil, fmt.Errorf("unusable key: %w; use an ed25519 or ecdsa P-256/P-384 key", err)
	}
	if _, ok := pub.(*rsa.PublicKey); ok {
		return nil, errors.New("rsa keys are not accepted for new metadata; use an ed25519 or ecdsa P-256/P-384 key")
	}
	out, err := keys.FromPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w; use an ed25519 or ecdsa P-256/P-384 key", err)
	}
	return out, nil
}

// rebase takes the relative paths in a key URI (a file: key's path and a
// pin-source file) against the plan's directory, so the key is the same
// wherever the tool runs from.
func rebase(raw string, u *keys.URI, dir string) string {
	if dir == "." {
		return raw
	}
	scheme, rest, _ := strings.Cut(raw, ":")
	path, query, hasQuery := strings.Cut(rest, "?")
	changed := false
	if scheme == "file" && !filepath.IsAbs(u.Path) {
		path = escapePath(filepath.Join(dir, u.Path))
		changed = true
	}
	if src := u.Query["pin-source"]; hasQuery && src != "" && !filepath.IsAbs(src) {
		parts := strings.Split(query, "&")
		for i, part := range parts {
			if name, _, _ := strings.Cut(part, "="); name == "pin-source" {
				parts[i] = "pin-source=" + escapePath(filepath.Join(dir, src))
				changed = true
			}
		}
		query = strings.Join(parts, "&")
	}
	if !changed {
		return raw
	}
	out := scheme + ":" + path
	if hasQuery {
		out += "?" + query
	}
	if _, err := keys.ParseURI(out); err != nil {
		return raw
	}
	return out
}

// escapePath percent-encodes what would end a path or attribute in a key
// URI, leaving ordinary path characters as they are.
func escapePath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/:+@,", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// hidesKeys: u names a key through yubihsm_pkcs11, whose devices show no
// key before login, so that two keys named by one URI cannot be told apart
// until a PIN is given.
func hidesKeys(u *keys.URI) bool {
	return u != nil && u.Scheme == "pkcs11" && strings.HasPrefix(filepath.Base(u.Query["module-path"]), "yubihsm_pkcs11")
}
