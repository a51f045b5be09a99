package metafile

import (
	"bytes"

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
// document it cannot narrow is decoded whole (Targets).
func (f *File) TargetsDelegating(role string) (*metadata.TargetsType, error) {
	if err := checkDecodableHeader(f, metadata.TARGETS); err != nil {
		return nil, err
	}
	narrowed, ok := narrowDelegations(f.Signed, role)
	if !ok {
		return f.Targets()
	}
	return (&File{Signed: narrowed}).Targets()
}

// narrowDelegations is the object signed with its "delegations" narrowed
// to role (narrowedDelegations); false if signed is not an object it can
// walk.
func narrowDelegations(signed []byte, role string) ([]byte, bool) {
	out := []byte{'{'}
	narrowed := true
	walked := eachMemberOf(signed, true, func(name string, quoted, value []byte) bool {
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(out, quoted...), ':')
		if name != "delegations" {
			out = append(out, value...)
			return true
		}
		var d []byte
		if d, narrowed = narrowedDelegations(value, role); narrowed {
			out = append(out, d...)
		}
		return narrowed
	})
	if !walked || !narrowed {
		return nil, false
	}
	return append(out, '}'), true
}

// narrowedDelegations is a delegations value with "roles" narrowed to
// the delegations named role and "keys" to the keys they list; every
// other member, and a "roles" that is no array or a "keys" that is no
// object, as written (the decoder says what it makes of them). A value
// that is not an object (null) is as written.
func narrowedDelegations(value []byte, role string) ([]byte, bool) {
	if (&walk{doc: value}).next() != '{' {
		return value, true
	}
	type member struct {
		name          string
		quoted, value []byte
	}
	var members []member
	if !eachMemberOf(value, true, func(name string, quoted, value []byte) bool {
		members = append(members, member{name, quoted, value})
		return true
	}) {
		return nil, false
	}
	// The roles first: the keys kept are those the kept roles list.
	listed := map[string]bool{}
	for i, m := range members {
		if m.name != "roles" {
			continue
		}
		kept, ok := rolesNamed(m.value, role, listed)
		if !ok {
			return nil, false
		}
		members[i].value = kept
	}
	out := []byte{'{'}
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(append(out, m.quoted...), ':')
		if m.name != "keys" {
			out = append(out, m.value...)
			continue
		}
		kept, ok := keysListed(m.value, listed)
		if !ok {
			return nil, false
		}
		out = append(out, kept...)
	}
	return append(out, '}'), true
}

// rolesNamed is the array roles narrowed to the elements that are objects
// with a member "name" whose value is role, as written; it adds the key
// IDs each lists (as StringList decodes them, where it can) to listed. A
// roles that is not an array is as written.
func rolesNamed(roles []byte, role string, listed map[string]bool) ([]byte, bool) {
	if (&walk{doc: roles}).next() != '[' {
		return roles, true
	}
	elems, err := Elements(roles)
	if err != nil {
		return nil, false
	}
	out := []byte{'['}
	for _, e := range elems {
		var keyIDs [][]byte
		named := false
		EachRawMember(e, func(quoted, value []byte) bool {
			switch {
			case sameName(quoted, "name") && sameName(value, role):
				named = true
			case sameName(quoted, "keyids"):
				keyIDs = append(keyIDs, value)
			}
			return true
		})
		if !named {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, e...)
		for _, v := range keyIDs {
			ids, err := StringList(v)
			if err != nil {
				continue // the decoder of the narrowed role says so
			}
			for _, id := range ids {
				listed[id] = true
			}
		}
	}
	return append(out, ']'), true
}

// keysListed is the object keys narrowed to the members whose names are
// in listed, and those whose names do not decode (the decoder refuses
// them as it refuses them in the whole). A keys that is not an object is
// as written.
func keysListed(keys []byte, listed map[string]bool) ([]byte, bool) {
	if (&walk{doc: keys}).next() != '{' {
		return keys, true
	}
	out := []byte{'{'}
	if !EachRawMember(keys, func(quoted, value []byte) bool {
		if id, ok := nameOf(quoted); ok && !listed[id] {
			return true
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(append(append(out, quoted...), ':'), value...)
		return true
	}) {
		return nil, false
	}
	return append(out, '}'), true
}

// sameName says whether quoted, a JSON string as written (quotes
// included), decodes to s: compared as bytes when it holds no escape.
func sameName(quoted []byte, s string) bool {
	if len(quoted) < 2 || quoted[0] != '"' {
		return false
	}
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1:len(quoted)-1]) == s
	}
	decoded, ok := decodeString(quoted)
	return ok && decoded == s
}

// nameOf is quoted, a member's name as written, decoded; false if it
// does not decode.
func nameOf(quoted []byte) (string, bool) {
	if bytes.IndexByte(quoted, '\\') < 0 {
		return string(quoted[1 : len(quoted)-1]), true
	}
	return decodeString(quoted)
}
