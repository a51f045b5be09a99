package rstuf

import (
	"encoding/hex"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// Vendor fields RSTUF reads from keys in root.
const (
	// KeyNameField names a key for people. RSTUF's CLI sets it on every key
	// it puts in root, root keys and online key alike, non-empty and unique.
	KeyNameField = "x-rstuf-key-name"
	// OnlineKeyURIField tells RSTUF's worker where the online key's private
	// half is (fn:<file>, awskms:..., gcpkms:..., azurekms:..., hv:...).
	OnlineKeyURIField = "x-rstuf-online-key-uri"
)

// MinRootThreshold is the smallest root threshold RSTUF's CLI lets a
// ceremony set.
const MinRootThreshold = 2

// rootFields are the fields of root's "signed" (TUF specification); the API
// also lets meta, targets and delegations through, which have no place in
// a root.
var rootFields = []string{"_type", "spec_version", "version", "expires", "consistent_snapshot", "keys", "roles"}

// topLevelRoles are the roles a root must delegate, exactly (python-tuf's
// Root refuses any other set, and RSTUF reads root with python-tuf).
var topLevelRoles = []string{metadata.ROOT, metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS}

// onlineRoles are signed by RSTUF with the one online key.
var onlineRoles = []string{metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS}

var (
	// vendorField is x-<vendor>-<name>, both parts non-empty.
	vendorField = regexp.MustCompile(`^x-[^-]+-.+$`)
	// specVersion is what python-tuf accepts: major 1, X.Y or X.Y.Z.
	specVersion = regexp.MustCompile(`^1\.[0-9]+(\.[0-9]+)?$`)
	// expiresForm is the only form python-tuf reads ("%Y-%m-%dT%H:%M:%SZ").
	expiresForm = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)
)

type mode int

const (
	forBootstrap mode = iota
	forUpdate
)

// rootRole is one entry of signed.roles, as read.
type rootRole struct {
	keyIDs    []string
	threshold int64
}

// checkRoot checks a root metadata file f found at path (metadata.root) by
// RSTUF's rules. trusted is the root f must follow (update) or nil. It
// returns the decoded root when its signatures could be counted.
func (c *checker) checkRoot(path string, f *metafile.File, m mode, trusted *metadata.RootType) *metadata.RootType {
	sp := join(path, "signed")
	s, ok := asObject(f.Signed)
	if !ok {
		c.add(sp, "is not a JSON object")
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(s)) {
		if slices.Contains(rootFields, name) || vendorField.MatchString(name) {
			continue
		}
		c.add(join(sp, name), "is not a root field and is not named x-<vendor>-<name>; RSTUF refuses other extra fields in signed: rename it x-<vendor>-<name> before signing, or remove it")
	}
	if typ, ok := asString(s["_type"]); !ok || typ != metadata.ROOT {
		c.add(join(sp, "_type"), "is %s; want \"root\"", trim(s["_type"]))
	}
	version, versionOK := asInt(s["version"])
	switch {
	case !versionOK || version < 1:
		c.add(join(sp, "version"), "is %s, not a positive integer", trim(s["version"]))
		versionOK = false
	case m == forBootstrap && version != 1:
		c.add(join(sp, "version"), "is %d; RSTUF is bootstrapped with root version 1, and a later root goes in the update payload", version)
	case m == forUpdate && trusted != nil && version != trusted.Version+1:
		c.add(join(sp, "version"), "is %d, but the trusted root is version %d; RSTUF takes only version %d", version, trusted.Version, trusted.Version+1)
	case m == forUpdate && trusted == nil && version < 2:
		c.add(join(sp, "version"), "is %d; root version 1 goes in the bootstrap payload, not an update", version)
	}
	if v, ok := asString(s["spec_version"]); !ok || !specVersion.MatchString(v) {
		c.add(join(sp, "spec_version"), "is %s; RSTUF (python-tuf) reads spec versions 1.X or 1.X.Y", trim(s["spec_version"]))
	}
	if e, ok := asString(s["expires"]); !ok || !expiresForm.MatchString(e) {
		c.add(join(sp, "expires"), "is %s; RSTUF (python-tuf) reads only YYYY-MM-DDTHH:MM:SSZ (UTC, whole seconds)", trim(s["expires"]))
	} else if _, err := time.Parse(time.RFC3339, e); err != nil {
		c.add(join(sp, "expires"), "is %q, not a valid time", e)
	}
	if raw, ok := s["consistent_snapshot"]; ok {
		if _, ok := asBool(raw); !ok {
			c.add(join(sp, "consistent_snapshot"), "is %s, not true or false", trim(raw))
		}
	}

	keyObjs := c.checkKeys(join(sp, "keys"), s["keys"], m)
	roles := c.checkRoles(join(sp, "roles"), s["roles"], keyObjs)
	c.checkOnlineKey(sp, roles, keyObjs)

	root, err := f.Root()
	if err != nil {
		if len(c.problems) == 0 {
			c.add(sp, "%v", err)
		}
		return nil
	}
	if _, err := threshold.FromRoot(root, metadata.ROOT, "root"); err != nil {
		// The structure checks above have said why.
		if len(c.problems) == 0 {
			c.add(join(sp, "roles.root"), "%v", err)
		}
		return nil
	}
	return root
}

// checkKeys checks signed.keys and returns each key object by key ID.
func (c *checker) checkKeys(path string, raw []byte, m mode) map[string]object {
	ko, ok := asObject(raw)
	if !ok {
		c.add(path, "is missing or not an object")
		return nil
	}
	out := map[string]object{}
	names := map[string]string{}
	for _, id := range slices.Sorted(maps.Keys(ko)) {
		kp := join(path, id)
		k, ok := asObject(ko[id])
		if !ok {
			c.add(kp, "is not a key object")
			continue
		}
		out[id] = k
		for _, f := range []string{"keytype", "scheme"} {
			if v, ok := asString(k[f]); !ok || v == "" {
				c.add(join(kp, f), "is missing or not a string")
			}
		}
		kv, ok := asObject(k["keyval"])
		if !ok {
			c.add(join(kp, "keyval"), "is missing or not an object")
		} else if pub, ok := asString(kv["public"]); !ok || pub == "" {
			c.add(join(kp, "keyval.public"), "is missing or not a string")
		}
		if m == forUpdate {
			// The API reads an update's root into pydantic models that
			// keep only these fields and then writes it out again for the
			// worker: any other key field would vanish and the
			// signatures over root would no longer verify.
			c.checkFields(kp, k, []string{"keytype", "scheme", "keyval", "name", KeyNameField, OnlineKeyURIField},
				"RSTUF's API keeps in a key (it drops the rest when it re-reads the root, which breaks the signatures)")
			if kv != nil {
				c.checkFields(join(kp, "keyval"), kv, []string{"public", "issuer", "identity"}, "RSTUF's API keeps in keyval")
			}
		}
		name, ok := asString(k[KeyNameField])
		switch {
		case !ok && k[KeyNameField] == nil:
			c.add(join(kp, KeyNameField), "is missing; RSTUF names every key of root by x-rstuf-key-name (its CLI asks for a name for each): add the keyholder's name before signing")
		case !ok || strings.TrimSpace(name) == "":
			c.add(join(kp, KeyNameField), "is %s, not a non-empty string", trim(k[KeyNameField]))
		case names[name] != "":
			c.add(join(kp, KeyNameField), "is %q, already the name of key %s; RSTUF's CLI refuses a key name twice: give each key its own name", name, short(names[name]))
		default:
			names[name] = id
		}
		if raw, ok := k[OnlineKeyURIField]; ok {
			if uri, ok := asString(raw); !ok || strings.TrimSpace(uri) == "" {
				c.add(join(kp, OnlineKeyURIField), "is %s, not a non-empty string", trim(raw))
			}
		}
	}
	return out
}

// checkRoles checks signed.roles: the four top-level roles, each with
// unique key IDs of defined keys and a threshold it can reach.
func (c *checker) checkRoles(path string, raw []byte, keyObjs map[string]object) map[string]rootRole {
	ro, ok := asObject(raw)
	if !ok {
		c.add(path, "is missing or not an object")
		return nil
	}
	for _, name := range slices.Sorted(maps.Keys(ro)) {
		if !slices.Contains(topLevelRoles, name) {
			c.add(join(path, name), "is not a top-level role; RSTUF (python-tuf) takes exactly root, timestamp, snapshot and targets here")
		}
	}
	out := map[string]rootRole{}
	for _, name := range topLevelRoles {
		rp := join(path, name)
		raw, ok := ro[name]
		if !ok {
			c.add(rp, "is missing; root must delegate root, timestamp, snapshot and targets")
			continue
		}
		r, ok := asObject(raw)
		if !ok {
			c.add(rp, "is not an object")
			continue
		}
		c.checkFields(rp, r, []string{"keyids", "threshold"}, "of a role (RSTUF's API drops it when it re-reads a root)")
		var role rootRole
		ids, bad, ok := asStrings(r["keyids"])
		if !ok {
			if bad >= 0 {
				c.add(index(join(rp, "keyids"), bad), "is not a key ID string")
			} else {
				c.add(join(rp, "keyids"), "is missing or not a list")
			}
		}
		seen := map[string]bool{}
		for i, id := range ids {
			switch {
			case seen[id]:
				c.add(index(join(rp, "keyids"), i), "lists key %s twice; RSTUF (python-tuf) refuses duplicate key IDs", short(id))
			case keyObjs != nil && keyObjs[id] == nil:
				c.add(index(join(rp, "keyids"), i), "is key %s, which signed.keys does not define", short(id))
			}
			seen[id] = true
		}
		role.keyIDs = ids
		t, ok := asInt(r["threshold"])
		switch {
		case !ok || t < 1:
			c.add(join(rp, "threshold"), "is %s, not a positive integer", trim(r["threshold"]))
		case name == metadata.ROOT && t < MinRootThreshold:
			c.add(join(rp, "threshold"), "is %d, RSTUF requires at least %d (its ceremony refuses a lower root threshold): one lost or stolen key must not be able to sign a new root", t, MinRootThreshold)
		case int(t) > len(ids):
			c.add(join(rp, "threshold"), "is %d, but the role lists only %d keys, so it can never be met", t, len(ids))
		}
		role.threshold = t
		out[name] = role
	}
	return out
}

// checkOnlineKey checks RSTUF's online key: roles.timestamp.keyids[0], the
// one key of timestamp, snapshot and targets, with threshold 1, carrying
// x-rstuf-online-key-uri, and not a root key.
func (c *checker) checkOnlineKey(sp string, roles map[string]rootRole, keyObjs map[string]object) {
	ts, ok := roles[metadata.TIMESTAMP]
	if !ok {
		return
	}
	if len(ts.keyIDs) == 0 {
		c.add(join(sp, "roles.timestamp.keyids"), "is empty; RSTUF takes its online key from roles.timestamp.keyids[0]: list the online key")
		return
	}
	online := ts.keyIDs[0]
	if k := keyObjs[online]; k != nil {
		if _, ok := k[OnlineKeyURIField]; !ok {
			c.add(join(sp, "keys."+online+"."+OnlineKeyURIField), "is missing; the online key (roles.timestamp.keyids[0]) must tell RSTUF where its private key is, such as fn:<file> or awskms:<key>; without it RSTUF accepts the bootstrap and then cannot sign the online roles")
		}
	}
	for _, name := range onlineRoles {
		r, ok := roles[name]
		if !ok {
			continue
		}
		rp := join(sp, "roles."+name)
		if name != metadata.TIMESTAMP && len(r.keyIDs) > 0 && r.keyIDs[0] != online {
			c.add(join(rp, "keyids[0]"), "is key %s, not the online key %s (roles.timestamp.keyids[0]); RSTUF signs %s with the online key, so clients would refuse it: list the online key", short(r.keyIDs[0]), short(online), name)
		}
		if len(r.keyIDs) != 1 {
			c.add(join(rp, "keyids"), "lists %d keys; RSTUF signs %s with its one online key: list only the online key %s", len(r.keyIDs), name, short(online))
		}
		if r.threshold != 1 {
			c.add(join(rp, "threshold"), "is %d; RSTUF signs %s with one online key, so the threshold must be 1", r.threshold, name)
		}
	}
	if root, ok := roles[metadata.ROOT]; ok && slices.Contains(root.keyIDs, online) {
		c.add(join(sp, "roles.root.keyids"), "lists the online key %s; RSTUF's ceremony refuses an online key that is also a root key: root keys stay offline", short(online))
	}
}

// checkSignatures checks every signature of f against the rules that bind
// it (bootstrap: root's own; update: the trusted root's and the new root's)
// and that each rule's threshold is met.
//
// unknownKeysOK lets through signatures by keys none of the rules lists:
// an update checked without its trusted root carries signatures by keys of
// that root, which cannot be checked here.
func (c *checker) checkSignatures(path string, f *metafile.File, rules []threshold.Rule, what string, unknownKeysOK bool) {
	sp := join(path, "signatures")
	if len(f.Signatures) == 0 {
		c.add(sp, "is empty; RSTUF requires at least one valid signature")
		return
	}
	msg, err := f.Canonical()
	if err != nil {
		c.add(join(path, "signed"), "%v", err)
		return
	}
	seen := map[string]bool{}
	for i, s := range f.Signatures {
		p := index(sp, i)
		if seen[s.KeyID] {
			c.add(join(p, "keyid"), "is key %s a second time; RSTUF (python-tuf) refuses two signatures under one key ID: keep one", short(s.KeyID))
			continue
		}
		seen[s.KeyID] = true
		var listing []threshold.Rule
		for _, r := range rules {
			if r.Keys[s.KeyID] != nil {
				listing = append(listing, r)
			}
		}
		if len(listing) == 0 && unknownKeysOK {
			continue
		}
		if len(listing) == 0 {
			c.add(join(p, "keyid"), "is key %s, which is not a root key of %s; RSTUF refuses a signature by a key root does not trust for root: remove it", short(s.KeyID), what)
			continue
		}
		if s.Sig == "" {
			c.add(join(p, "sig"), "is empty (a placeholder for a key that has not signed); RSTUF counts it as an invalid signature: remove it, or have the key sign")
			continue
		}
		raw, err := hex.DecodeString(s.Sig)
		if err != nil {
			c.add(join(p, "sig"), "is not hex")
			continue
		}
		for _, r := range listing {
			if err := keys.Verify(r.Keys[s.KeyID], msg, raw); err != nil {
				c.add(join(p, "sig"), "does not verify over the canonical bytes of signed with key %s (%s): %v; the metadata changed after signing, or the signature is damaged", short(s.KeyID), r.Delegator, err)
				break
			}
		}
	}
	for _, r := range rules {
		t, err := threshold.Count(r, f)
		if err != nil {
			c.add(sp, "%v", err)
			continue
		}
		if !t.Met() {
			c.add(sp, "has %d valid signature%s of the %d that %s requires; RSTUF would hold the root pending more signatures, and this tool hands over only fully signed roots: collect the missing signatures (ceremony sign) and build the payload again", len(t.Signed), plural(len(t.Signed)), r.Threshold, r.Delegator)
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func describeVersion(r *metadata.RootType, prefix string) string {
	return fmt.Sprintf("%sroot v%d", prefix, r.Version)
}
