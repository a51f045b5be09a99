package ceremonytest

import (
	"encoding/hex"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// HandRoot is a root signed by its own threshold, like one made by another
// tool (Fixture.HandRoot builds it): holders sign root and targets; IDs may
// override a holder's key ID and Extra adds vendor fields to a holder's key.
type HandRoot struct {
	Holders   []string
	Threshold int
	Version   int64
	IDs       map[string]string
	Keys      map[string]*metadata.Key // a holder's key as this root encodes it
	Extra     map[string]map[string]any
	Signers   []string // who signs; the first threshold holders by default
}

// HandRoot builds the root h describes; ids are the key IDs it lists each
// holder's key under.
func (f *Fixture) HandRoot(h HandRoot) (root []byte, ids map[string]string) {
	f.t.Helper()
	if h.Version == 0 {
		h.Version = 1
	}
	r := &metadata.RootType{Type: metadata.ROOT, SpecVersion: "1.0.31", ConsistentSnapshot: true, Version: h.Version,
		Expires: Now.Add(365 * 24 * time.Hour), Keys: map[string]*metadata.Key{}, Roles: map[string]*metadata.Role{}}
	ids = map[string]string{}
	var list []string
	for _, name := range h.Holders {
		k := keys.Copy(f.Signers[name].TUFKey())
		if h.Keys[name] != nil {
			k = keys.Copy(h.Keys[name])
		}
		if x := h.Extra[name]; x != nil {
			k.UnrecognizedFields = x
		}
		id := f.ID(name)
		if h.IDs[name] != "" {
			id = h.IDs[name]
		}
		r.Keys[id] = k
		ids[name] = id
		list = append(list, id)
	}
	r.Roles[metadata.ROOT] = &metadata.Role{KeyIDs: list, Threshold: h.Threshold}
	r.Roles[metadata.TARGETS] = &metadata.Role{KeyIDs: list, Threshold: h.Threshold}
	onlineID := f.ID("online")
	r.Keys[onlineID] = keys.Copy(f.Online.TUFKey())
	r.Roles[metadata.SNAPSHOT] = &metadata.Role{KeyIDs: []string{onlineID}, Threshold: 1}
	r.Roles[metadata.TIMESTAMP] = &metadata.Role{KeyIDs: []string{onlineID}, Threshold: 1}
	file, err := metafile.FromSigned(r)
	if err != nil {
		f.t.Fatal(err)
	}
	msg, err := file.Canonical()
	if err != nil {
		f.t.Fatal(err)
	}
	signers := h.Signers
	if signers == nil {
		signers = h.Holders[:h.Threshold]
	}
	for _, name := range signers {
		sig, err := keys.SignMessage(f.Signers[name], msg)
		if err != nil {
			f.t.Fatal(err)
		}
		file.AddSignature(ids[name], hex.EncodeToString(sig))
	}
	b, err := file.Marshal()
	if err != nil {
		f.t.Fatal(err)
	}
	return b, ids
}
