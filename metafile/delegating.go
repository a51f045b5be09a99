package metafile

import (
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Decoding a targets role for one of its delegations.
//
// A project's ceremony needs of claimed its delegation to the project (the
// keys and threshold that sign the project's role, the paths it may list),
// not the other 100,000 (1,000,000 at PyPI's scale), which take seconds and
// gigabytes to decode. TargetsDelegating walks past them as JSON (Parse
// checked the whole document) and decodes a smaller document: "signed" as
// it is but for delegations.roles, narrowed to the delegations named role,
// and delegations.keys, narrowed to the keys those list.

// TargetsDelegating decodes "signed" as targets metadata (Targets) with
// its delegations narrowed to role: "roles" holds only the delegations
// named role (every one so named, in order), "keys" only the keys they
// list, and every other member is decoded as Targets decodes it. What
// the narrowed roles and keys hold is decoded as Targets decodes it too,
// errors and all; a malformed delegation to another role, or a key no
// delegation to role lists, is passed over unseen (Targets sees it). A
// document it cannot narrow in one walk (a member name or a delegation's
// name written with escapes, say) is decoded whole and then narrowed.
func (f *File) TargetsDelegating(role string) (*metadata.TargetsType, error) {
	if err := checkDecodableHeader(f, metadata.TARGETS); err != nil {
		return nil, err
	}
	if narrowed, ok := narrowDelegations(f.Signed, role); ok {
		return (&File{Signed: narrowed}).Targets()
	}
	t, err := f.Targets()
	if err != nil {
		return nil, err
	}
	narrowDecoded(t, role)
	return t, nil
}

// narrowDecoded cuts t's delegations down to those named role and the
// keys they list.
func narrowDecoded(t *metadata.TargetsType, role string) {
	d := t.Delegations
	if d == nil {
		return
	}
	listed := map[string]bool{}
	if d.Roles != nil {
		roles := []metadata.DelegatedRole{}
		for _, r := range d.Roles {
			if r.Name == role {
				roles = append(roles, r)
				for _, id := range r.KeyIDs {
					listed[id] = true
				}
			}
		}
		d.Roles = roles
	}
	if d.Keys != nil {
		keys := map[string]*metadata.Key{}
		for id, k := range d.Keys {
			if listed[id] {
				keys[id] = k
			}
		}
		d.Keys = keys
	}
}

// narrowDelegations is the object signed with its "delegations" narrowed
// to role, made in one walk over it; false if a member's name, or a
// delegation's, is written with escapes, if a member that decides what is
// kept is there twice (delegations; its keys or roles; a delegation's name
// or keyids), or if signed is no object.
func narrowDelegations(signed []byte, role string) ([]byte, bool) {
	w := &walk{doc: signed}
	out := []byte{'{'}
	delegations := 0
	w.object(func(name []byte) {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = appendMemberName(out, name)
		if string(name) == "delegations" {
			if delegations++; delegations > 1 {
				w.give = true // the decoder takes the last: left to it
				return
			}
			out = w.appendNarrowed(out, role)
		} else {
			out = append(out, w.rawValue()...)
		}
	})
	if w.give || skipSpace(signed, w.i) != len(signed) {
		return nil, false
	}
	return append(out, '}'), true
}

// appendNarrowed appends the delegations value at the cursor with "roles"
// narrowed to the delegations named role and "keys" to the keys they
// list; every other member, and a "roles" that is no array or a "keys"
// that is no object, as written (the decoder says what it makes of
// them). A value that is not an object (null) is as written.
func (w *walk) appendNarrowed(out []byte, role string) []byte {
	if w.next() != '{' {
		return append(out, w.rawValue()...)
	}
	type member struct {
		name, value []byte
		keys        bool // "keys" as an object, to narrow once roles are read
	}
	var members []member
	listed := map[string]bool{}
	seen := map[string]bool{}
	w.object(func(name []byte) {
		m := member{name: name}
		if n := string(name); n == "keys" || n == "roles" {
			if seen[n] {
				w.give = true
				return
			}
			seen[n] = true
		}
		switch {
		case string(name) == "roles" && w.next() == '[':
			m.value = w.rolesNamed(role, listed)
		default:
			m.keys = string(name) == "keys" && w.next() == '{'
			m.value = w.rawValue()
		}
		members = append(members, m)
	})
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = appendMemberName(out, m.name)
		if m.keys {
			out = appendKeysListed(out, m.value, listed, &w.give)
		} else {
			out = append(out, m.value...)
		}
	}
	return append(out, '}')
}

// appendKeysListed appends the object keys narrowed to the members whose
// names are in listed: walked once the roles that list them are read
// (they come after keys), and kept as they are written, not gathered.
func appendKeysListed(out, keys []byte, listed map[string]bool, give *bool) []byte {
	k := &walk{doc: keys}
	out = append(out, '{')
	n := 0
	k.object(func(id []byte) {
		value := k.rawValue()
		if !listed[string(id)] {
			return
		}
		if n++; n > 1 {
			out = append(out, ',')
		}
		out = append(appendMemberName(out, id), value...)
	})
	if k.give || skipSpace(keys, k.i) != len(keys) {
		*give = true
	}
	return append(out, '}')
}

// rolesNamed reads the array at the cursor and returns it narrowed to the
// elements that are objects whose "name" is role; it adds the key IDs each
// lists (as StringList decodes them, where it can) to listed. A name that
// is not a string free of escapes, or a delegation with two names or two
// keyids, gives up the walk.
func (w *walk) rolesNamed(role string, listed map[string]bool) []byte {
	out := []byte{'['}
	w.array(func() {
		if w.next() != '{' {
			w.skipValue()
			return
		}
		start := w.i
		named, names := false, 0
		var keyIDs []byte
		w.object(func(name []byte) {
			switch string(name) {
			case "name":
				s, ok := w.plain()
				if names++; !ok || names > 1 {
					w.give = true
					return
				}
				named = string(s) == role
			case "keyids":
				if keyIDs != nil {
					w.give = true
					return
				}
				keyIDs = w.rawValue()
			default:
				w.skipValue()
			}
		})
		if !named || w.give {
			return
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, w.doc[start:w.i]...)
		ids, err := StringList(keyIDs)
		if err != nil {
			return // the decoder of the narrowed role says so
		}
		for _, id := range ids {
			listed[id] = true
		}
	})
	return append(out, ']')
}

// rawValue passes over the value at the cursor and returns it as written.
func (w *walk) rawValue() []byte {
	w.next()
	start := w.i
	w.skipValue()
	if w.give {
		return nil
	}
	return w.doc[start:w.i]
}

// appendMemberName appends a member's name, free of escapes, and a colon.
func appendMemberName(out, name []byte) []byte {
	out = append(append(append(out, '"'), name...), '"')
	return append(out, ':')
}
