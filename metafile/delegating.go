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
	t, _, err := f.TargetsDelegatingTo(map[string]bool{role: true}, false)
	return t, err
}

// Listed is a delegation's name and the key IDs it lists, as Targets
// decodes them.
type Listed struct {
	Name   string
	KeyIDs []string
}

// TargetsDelegatingTo is TargetsDelegating for every delegation whose
// name is in roles. With list, it also gives the name and key IDs of
// every delegation, in roles or not, in the order written: what a claims
// review looks up in the 100,000 it does not decode. Listing, the walk
// takes nothing it cannot read as Targets would decode it (a delegation
// that is no object, or has no name, or key IDs that are no list of
// strings): such a document is decoded whole, listed and narrowed.
func (f *File) TargetsDelegatingTo(roles map[string]bool, list bool) (*metadata.TargetsType, []Listed, error) {
	if err := checkDecodableHeader(f, metadata.TARGETS); err != nil {
		return nil, nil, err
	}
	n := &narrowing{keep: roles, list: list}
	if narrowed, ok := n.delegations(f.Signed); ok {
		t, err := (&File{Signed: narrowed}).Targets()
		if err != nil {
			return nil, nil, err
		}
		return t, n.listed, nil
	}
	t, err := f.Targets()
	if err != nil {
		return nil, nil, err
	}
	var listed []Listed
	if list && t.Delegations != nil {
		listed = make([]Listed, 0, len(t.Delegations.Roles))
		for _, r := range t.Delegations.Roles {
			listed = append(listed, Listed{Name: r.Name, KeyIDs: r.KeyIDs})
		}
	}
	narrowDecoded(t, roles)
	return t, listed, nil
}

// narrowDecoded cuts t's delegations down to those named in roles and
// the keys they list.
func narrowDecoded(t *metadata.TargetsType, roles map[string]bool) {
	d := t.Delegations
	if d == nil {
		return
	}
	listed := map[string]bool{}
	if d.Roles != nil {
		kept := []metadata.DelegatedRole{}
		for _, r := range d.Roles {
			if roles[r.Name] {
				kept = append(kept, r)
				for _, id := range r.KeyIDs {
					listed[id] = true
				}
			}
		}
		d.Roles = kept
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

// narrowing is one walk of TargetsDelegatingTo: the delegations kept, and
// whether every delegation is listed (into listed).
type narrowing struct {
	keep   map[string]bool
	list   bool
	listed []Listed
}

// delegations is the object signed with its "delegations" narrowed to
// the roles kept, made in one walk over it; false if a member's name, or
// a delegation's, is written with escapes, if a member that decides what
// is kept is there twice (delegations; its keys or roles; a delegation's
// name or keyids), or if signed is no object.
func (n *narrowing) delegations(signed []byte) ([]byte, bool) {
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
			out = n.appendNarrowed(w, out)
		} else {
			out = append(out, w.rawValue()...)
		}
	})
	if w.give || skipSpace(signed, w.i) != len(signed) {
		n.listed = nil
		return nil, false
	}
	return append(out, '}'), true
}

// appendNarrowed appends the delegations value at the cursor with "roles"
// narrowed to the delegations kept and "keys" to the keys they list;
// every other member, and a "roles" that is no array or a "keys" that is
// no object, as written (the decoder says what it makes of them). A value
// that is not an object (null) is as written.
func (n *narrowing) appendNarrowed(w *walk, out []byte) []byte {
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
		if s := string(name); s == "keys" || s == "roles" {
			if seen[s] {
				w.give = true
				return
			}
			seen[s] = true
		}
		switch {
		case string(name) == "roles" && w.next() == '[':
			m.value = n.roles(w, listed)
		case string(name) == "roles" && n.list && w.next() != 'n':
			w.give = true // no array, no null: the decoder's to refuse
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

// roles reads the array at the cursor and returns it narrowed to the
// elements that are objects whose "name" is kept; it adds the key IDs
// each lists (as StringList decodes them, where it can) to listed, and,
// listing, every element's name and key IDs to n.listed. A name that is
// not a string free of escapes, or a delegation with two names or two
// keyids, gives up the walk; listing, so does an element that is no
// object, has no name, or key IDs StringList cannot read.
func (n *narrowing) roles(w *walk, listed map[string]bool) []byte {
	out := []byte{'['}
	w.array(func() {
		if w.next() != '{' {
			w.give = w.give || n.list
			w.skipValue()
			return
		}
		start := w.i
		var name, keyIDs []byte
		names := 0
		w.object(func(member []byte) {
			switch string(member) {
			case "name":
				s, ok := w.plain()
				if names++; !ok || names > 1 {
					w.give = true
					return
				}
				name = s
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
		if w.give {
			return
		}
		kept := names == 1 && n.keep[string(name)]
		var ids []string
		if kept || n.list {
			var err error
			if ids, err = listedKeyIDs(keyIDs); err != nil || names == 0 {
				// Listing, the decoder says what is wrong; kept, the
				// decoder of the narrowed role does.
				w.give = w.give || n.list
				ids = nil
			}
		}
		if n.list && !w.give {
			n.listed = append(n.listed, Listed{Name: string(name), KeyIDs: ids})
		}
		if !kept {
			return
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, w.doc[start:w.i]...)
		for _, id := range ids {
			listed[id] = true
		}
	})
	return append(out, ']')
}

// listedKeyIDs decodes a delegation's keyids as Targets does: absent,
// none.
func listedKeyIDs(v []byte) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	return StringList(v)
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
