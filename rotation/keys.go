package rotation

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// RSTUF's vendor fields on root keys.
const (
	rstufKeyName      = "x-rstuf-key-name"
	rstufOnlineKeyURI = "x-rstuf-online-key-uri"
)

// Key is one key the trusted metadata lists (or a replacement), with what
// is known of who holds it.
type Key struct {
	ID  string        `json:"keyid"`
	Key *metadata.Key `json:"-"`
	// Holder is the keyholder's name, "" if no plan or workspace names it.
	Holder string `json:"holder,omitempty"`
	// URI is the key's URI (file:, pkcs11:, yubikey:), if known.
	URI string `json:"uri,omitempty"`
	// Online marks a key the online server signs with.
	Online bool `json:"online,omitempty"`
}

// Name is what a plan or a workspace says of a key: who holds it and where.
type Name struct {
	Key    *metadata.Key
	Holder string
	URI    string
	Online bool
	// Contact and Attestation are the workspace's for the key (a plan's
	// contact; the device attestation checked at init), kept by a
	// rotation's workspace.
	Contact     string
	Attestation string
}

// Label names a key for people: "bob (3f1c9e0a1b2c)", "key 3f1c9e0a1b2c".
func (k Key) Label() string {
	if k.Holder != "" {
		return fmt.Sprintf("%s (%s)", k.Holder, short(k.ID))
	}
	if k.Online {
		return "online key " + short(k.ID)
	}
	return "key " + short(k.ID)
}

// Device describes the device a key's URI names, "" if none.
func (k Key) Device() string {
	u, err := keys.ParseURI(k.URI)
	if err != nil {
		return ""
	}
	switch u.Scheme {
	case "yubikey":
		return "YubiKey serial " + u.Attrs["serial"]
	case "pkcs11":
		if s := u.Attrs["serial"]; s != "" {
			return "PKCS#11 token serial " + s
		}
		return "PKCS#11 token " + u.Attrs["token"]
	case "file":
		return "key file " + u.Path
	}
	return ""
}

func short(id string) string { return id[:min(12, len(id))] }

// ring is every key the state's metadata lists, by key ID, with names.
type ring struct {
	byID map[string]*Key
	ids  []string // sorted
	// byIdentity holds the key IDs of each public key (keys.Identity),
	// sorted: one key may be listed under several IDs.
	byIdentity map[string][]string
}

// Keys returns every key the state's metadata lists (the root's and every
// delegation's at hand), named from s.Names, sorted by key ID.
func (s *State) Keys() []Key {
	r := s.ring()
	out := make([]Key, 0, len(r.ids))
	for _, id := range r.ids {
		out = append(out, *r.byID[id])
	}
	return out
}

func (s *State) ring() *ring {
	r := &ring{byID: map[string]*Key{}, byIdentity: map[string][]string{}}
	online := onlineKeys(s.Root)
	names := map[string][]Name{}
	for _, n := range s.Names {
		if n.Key != nil {
			names[keys.Identity(n.Key)] = append(names[keys.Identity(n.Key)], n)
		}
	}
	add := func(id string, k *metadata.Key) {
		if k == nil || r.byID[id] != nil {
			return
		}
		e := &Key{ID: id, Key: k, Online: online[id]}
		if name, _ := k.UnrecognizedFields[rstufKeyName].(string); name != "" {
			e.Holder = name
		}
		if uri, _ := k.UnrecognizedFields[rstufOnlineKeyURI].(string); uri != "" {
			e.URI, e.Online = uri, true
		}
		identity := keys.Identity(k)
		for _, n := range names[identity] {
			e.Holder, e.Online = n.Holder, e.Online || n.Online
			if n.URI != "" {
				e.URI = n.URI
			}
		}
		r.byID[id] = e
		r.byIdentity[identity] = append(r.byIdentity[identity], id)
	}
	for id, k := range s.Root.Keys {
		add(id, k)
	}
	for _, name := range slices.Sorted(maps.Keys(s.Targets)) {
		if d := s.Targets[name].Delegations; d != nil {
			for id, k := range d.Keys {
				add(id, k)
			}
		}
	}
	for id := range r.byID {
		r.ids = append(r.ids, id)
	}
	sort.Strings(r.ids)
	for _, ids := range r.byIdentity {
		sort.Strings(ids)
	}
	return r
}

// onlineKeys are the key IDs root lists for timestamp and snapshot.
func onlineKeys(root *metadata.RootType) map[string]bool {
	out := map[string]bool{}
	for _, role := range []string{metadata.TIMESTAMP, metadata.SNAPSHOT} {
		if r := root.Roles[role]; r != nil {
			for _, id := range r.KeyIDs {
				out[id] = true
			}
		}
	}
	return out
}

// same returns every key ID of the ring that holds the same public key as
// id (the key itself included).
func (r *ring) same(id string) []string {
	k := r.byID[id]
	if k == nil {
		return nil
	}
	return slices.Clone(r.byIdentity[keys.Identity(k.Key)])
}

var hexRE = regexp.MustCompile(`^[0-9a-f]+$`)

// Resolve finds the keys a person names: a key ID, a prefix of one (at
// least 8 hex digits), a keyholder's name, or a device serial (YubiKey
// serial, PKCS#11 token serial or label). "online" names every online key.
// It fails when nothing matches or a prefix matches more than one key, and
// says which keys there are.
func (s *State) Resolve(ref string) ([]Key, error) {
	r := s.ring()
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil, fmt.Errorf("an empty key name: give a key ID, a keyholder's name or a device serial")
	}
	var out []Key
	pick := func(match func(*Key) bool) {
		for _, id := range r.ids {
			if match(r.byID[id]) {
				out = append(out, *r.byID[id])
			}
		}
	}
	lower := strings.ToLower(ref)
	if hexRE.MatchString(lower) && len(lower) >= 8 {
		pick(func(k *Key) bool { return strings.HasPrefix(k.ID, lower) })
		if len(out) > 1 {
			var labels []string
			for _, k := range out {
				labels = append(labels, k.Label())
			}
			return nil, fmt.Errorf("key ID prefix %q matches %d keys (%s): give more digits", ref, len(out), strings.Join(labels, ", "))
		}
	}
	if len(out) == 0 {
		pick(func(k *Key) bool { return k.Holder != "" && strings.EqualFold(k.Holder, ref) })
	}
	if len(out) == 0 && lower == "online" {
		pick(func(k *Key) bool { return k.Online })
	}
	if len(out) == 0 {
		pick(func(k *Key) bool { return deviceMatches(k.URI, ref) })
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no key in %s is %q; the keys are: %s", s.Source, ref, s.describeKeys(r))
	}
	return out, nil
}

func deviceMatches(uri, ref string) bool {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "yubikey":
		return u.Attrs["serial"] == ref
	case "pkcs11":
		return u.Attrs["serial"] == ref || u.Attrs["token"] == ref
	}
	return false
}

func (s *State) describeKeys(r *ring) string {
	var parts []string
	for _, id := range r.ids {
		k := r.byID[id]
		p := k.Label()
		if d := k.Device(); d != "" {
			p += " on " + d
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}
