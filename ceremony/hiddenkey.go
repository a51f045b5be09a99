package ceremony

import (
	"fmt"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// keyNamedBy is the key the workspace names by uri, for a device that
// shows its keys only after login (cause wraps keys.ErrKeysAfterLogin, as
// a YubiHSM 2's does): it stands in for the device's key until the device
// is open, and the caller checks the device's key against it then. URIs
// are compared as keys.URI.NamesSameKey does (a pin-source does not
// matter); find gives the key of a key ID. Two keys of the workspace named
// by uri are refused: the URI must name one device.
func keyNamedBy(ws *workspace.Workspace, uri string, find func(id string) *metadata.Key, cause error) (*metadata.Key, error) {
	given, err := keys.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	var found []workspace.KeyEntry
	for _, k := range ws.State.Keys {
		if u, err := keys.ParseURI(k.URI); err == nil && u.NamesSameKey(given) {
			found = append(found, k)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("%w, and workspace %q names no key by %q: give the key URI the plan gives", cause, ws.Dir, uri)
	case len(found) > 1:
		return nil, fmt.Errorf("%w, and workspace %q names %d keys by %q (%s's and %s's): give each key a URI of its own (serial=, object= or id=)", cause, ws.Dir, len(found), uri, found[0].Holder, found[1].Holder)
	}
	k := find(found[0].KeyID)
	if k == nil {
		return nil, fmt.Errorf("%w, and %s's key %s, which workspace %q names by %q, is in no metadata it signs", cause, found[0].Holder, AbbrevHash(found[0].KeyID), ws.Dir, uri)
	}
	return k, nil
}

// keyByID is the key of id as a role rule of l lists it, nil if none.
func (l *Loaded) keyByID(id string) *metadata.Key {
	for _, role := range l.WS.State.Roles {
		rules, err := l.Rules(role)
		if err != nil {
			continue
		}
		for _, r := range rules {
			if k := r.Keys[id]; k != nil {
				return k
			}
		}
	}
	return nil
}
