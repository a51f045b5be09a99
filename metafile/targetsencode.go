package metafile

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/tuf-ceremony/ceremony/internal/canonical"
)

// Writing a targets role's canonical JSON without encoding/json.
//
// FromSigned marshals a value with encoding/json (go-tuf's MarshalJSON
// builds a map for every object) and canonicalizes the result: 2 s and
// 0.7 GB for a claimed role of 100,000 projects. canonicalTargets writes
// the same bytes straight from go-tuf's TargetsType, member for member as
// go-tuf's MarshalJSON methods name them, sorted as canonical JSON sorts.
// Where it cannot be sure to write the same bytes (a string that is not
// valid UTF-8, a value of a vendor field that will not marshal or
// canonicalize, both paths and path_hash_prefixes) it says so, and
// FromSigned takes the slow path, which gives its value or error. The
// differential tests and FuzzCanonicalTargets hold the two to the same
// bytes.

// canonicalTargets is the canonical JSON of t as FromSigned writes it; ok
// is false when FromSigned must take the slow path.
func canonicalTargets(t *metadata.TargetsType) (c []byte, ok bool) {
	e := &canonicalWriter{}
	if d := t.Delegations; len(t.UnrecognizedFields) == 0 && (d == nil || len(d.UnrecognizedFields) == 0 && d.SuccinctRoles == nil) {
		return e.targetsInPlace(t)
	}
	o := e.object(t.UnrecognizedFields)
	o.member("_type", e.text(nil, t.Type))
	o.member("spec_version", e.text(nil, t.SpecVersion))
	o.member("version", strconv.AppendInt(nil, t.Version, 10))
	expires, err := t.Expires.MarshalJSON()
	if err != nil {
		return nil, false
	}
	o.member("expires", expires)
	o.member("targets", e.targetFiles(t.Targets))
	if t.Delegations != nil {
		o.member("delegations", e.delegations(t.Delegations))
	}
	out := o.close()
	return out, !e.bad
}

// targetsInPlace is canonicalTargets of t with no fields go-tuf does not
// know in it or its delegations: written into one buffer made at about its
// size, members in their canonical order, not gathered, sorted and copied
// object by object (a claimed role of 100,000 projects is 53 MB, made
// once).
func (e *canonicalWriter) targetsInPlace(t *metadata.TargetsType) ([]byte, bool) {
	expires, err := t.Expires.MarshalJSON()
	if err != nil {
		return nil, false
	}
	files := e.targetFiles(t.Targets)
	size := 128 + len(t.Type) + len(t.SpecVersion) + len(expires) + len(files)
	if d := t.Delegations; d != nil {
		size += keysSize(d.Keys) + rolesSize(d.Roles)
	}
	out := make([]byte, 0, size)
	out = append(out, `{"_type":`...)
	out = e.text(out, t.Type)
	if d := t.Delegations; d != nil {
		out = append(out, `,"delegations":{"keys":`...)
		out = e.appendKeys(out, d.Keys)
		if d.Roles != nil {
			out = append(out, `,"roles":`...)
			out = e.appendRoles(out, d.Roles)
		}
		out = append(out, '}')
	}
	out = append(out, `,"expires":`...)
	out = append(out, expires...)
	out = append(out, `,"spec_version":`...)
	out = e.text(out, t.SpecVersion)
	out = append(out, `,"targets":`...)
	out = append(out, files...)
	out = append(out, `,"version":`...)
	out = strconv.AppendInt(out, t.Version, 10)
	return append(out, '}'), !e.bad
}

// keysSize and rolesSize are about the length of keys and roles written
// (more when strings need escapes, which only grows the buffer).
func keysSize(keys map[string]*metadata.Key) int {
	n := 2
	for id, k := range keys {
		n += len(id) + 4
		if k != nil {
			n += len(k.Type) + len(k.Scheme) + len(k.Value.PublicKey) + 48
		}
	}
	return n
}

func rolesSize(roles []metadata.DelegatedRole) int {
	n := 2
	for i := range roles {
		r := &roles[i]
		n += len(r.Name) + 96
		for _, list := range [][]string{r.KeyIDs, r.Paths, r.PathHashPrefixes} {
			for _, s := range list {
				n += len(s) + 3
			}
		}
	}
	return n
}

// canonicalWriter writes canonical JSON values; bad is set once it met
// something it does not write exactly as the slow path would.
type canonicalWriter struct {
	bad bool
}

// canonicalObject gathers an object's members, each value already
// canonical, and writes them sorted by name.
type canonicalObject struct {
	members []canonicalMember
	// replace: a later member of the same name replaces the earlier one
	// (a struct's own fields over its unrecognized ones); a map's names
	// are unique already.
	replace bool
}

type canonicalMember struct {
	name  string
	value []byte
}

// object starts an object with a go-tuf type's unrecognized fields, which
// its MarshalJSON copies first and its own fields then overwrite.
func (e *canonicalWriter) object(unknown map[string]any) *canonicalObject {
	o := &canonicalObject{members: make([]canonicalMember, 0, len(unknown)+6), replace: true}
	for name, v := range unknown {
		raw, err := json.Marshal(v)
		if err != nil {
			e.bad = true
			continue
		}
		c, err := Canonicalize(raw)
		if err != nil {
			e.bad = true
			continue
		}
		if !utf8.ValidString(name) {
			e.bad = true
		}
		o.member(name, c)
	}
	return o
}

// mapObject starts an object for a map of n entries.
func (e *canonicalWriter) mapObject(n int) *canonicalObject {
	return &canonicalObject{members: make([]canonicalMember, 0, n)}
}

// entry adds a map's entry.
func (e *canonicalWriter) entry(o *canonicalObject, name string, value []byte) {
	if !utf8.ValidString(name) {
		e.bad = true
	}
	o.members = append(o.members, canonicalMember{name, value})
}

func (o *canonicalObject) member(name string, value []byte) {
	if o.replace {
		for i := range o.members {
			if o.members[i].name == name {
				o.members[i].value = value
				return
			}
		}
	}
	o.members = append(o.members, canonicalMember{name, value})
}

func (o *canonicalObject) close() []byte {
	slices.SortFunc(o.members, func(a, b canonicalMember) int { return strings.Compare(a.name, b.name) })
	n := 2
	for _, m := range o.members {
		n += len(m.name) + 4 + len(m.value)
	}
	out := make([]byte, 0, n)
	out = append(out, '{')
	for i, m := range o.members {
		if i > 0 {
			out = append(out, ',')
		}
		out = canonical.AppendString(out, m.name)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}')
}

// text is canonical.AppendString for a string of go-tuf's struct, refusing one
// that is not valid UTF-8 (encoding/json would replace its bytes).
func (e *canonicalWriter) text(out []byte, s string) []byte {
	if !utf8.ValidString(s) {
		e.bad = true
	}
	return canonical.AppendString(out, s)
}

func (e *canonicalWriter) strings(list []string) []byte { return e.appendStrings(nil, list) }

// appendStrings appends list as a canonical array of strings (null if nil).
func (e *canonicalWriter) appendStrings(out []byte, list []string) []byte {
	if list == nil {
		return append(out, "null"...)
	}
	out = append(out, '[')
	for i, s := range list {
		if i > 0 {
			out = append(out, ',')
		}
		out = e.text(out, s)
	}
	return append(out, ']')
}

func (e *canonicalWriter) targetFiles(files map[string]*metadata.TargetFiles) []byte {
	if files == nil {
		return []byte("null")
	}
	o := e.mapObject(len(files))
	for path, f := range files {
		if f == nil {
			e.entry(o, path, []byte("null"))
			continue
		}
		fo := e.object(f.UnrecognizedFields)
		fo.member("length", strconv.AppendInt(nil, f.Length, 10))
		fo.member("hashes", e.hashes(f.Hashes))
		if f.Custom != nil {
			c, err := Canonicalize(*f.Custom)
			if err != nil {
				e.bad = true
			}
			fo.member("custom", c)
		}
		e.entry(o, path, fo.close())
	}
	return o.close()
}

func (e *canonicalWriter) hashes(h metadata.Hashes) []byte {
	if h == nil {
		return []byte("null")
	}
	o := e.mapObject(len(h))
	for alg, b := range h {
		v := make([]byte, 0, 2*len(b)+2)
		v = append(v, '"')
		v = hex.AppendEncode(v, b)
		e.entry(o, alg, append(v, '"'))
	}
	return o.close()
}

func (e *canonicalWriter) delegations(d *metadata.Delegations) []byte {
	o := e.object(d.UnrecognizedFields)
	o.member("keys", e.appendKeys(make([]byte, 0, keysSize(d.Keys)), d.Keys))
	switch {
	case d.Roles != nil:
		o.member("roles", e.appendRoles(make([]byte, 0, rolesSize(d.Roles)), d.Roles))
	case d.SuccinctRoles != nil:
		e.bad = true // rare, and small: the slow path writes it
	}
	return o.close()
}

// appendKeys appends keys as a canonical object, its key IDs sorted.
func (e *canonicalWriter) appendKeys(out []byte, keys map[string]*metadata.Key) []byte {
	if keys == nil {
		return append(out, "null"...)
	}
	ids := make([]string, 0, len(keys))
	for id := range keys {
		if !utf8.ValidString(id) {
			e.bad = true
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out = append(out, '{')
	for i, id := range ids {
		if i > 0 {
			out = append(out, ',')
		}
		out = canonical.AppendString(out, id)
		out = append(out, ':')
		out = e.appendKey(out, keys[id])
	}
	return append(out, '}')
}

// appendRoles appends roles as a canonical array, in their order.
func (e *canonicalWriter) appendRoles(out []byte, roles []metadata.DelegatedRole) []byte {
	out = append(out, '[')
	for i := range roles {
		if i > 0 {
			out = append(out, ',')
		}
		out = e.appendDelegatedRole(out, &roles[i])
	}
	return append(out, ']')
}

// appendKey appends k's canonical object to out. A key with fields go-tuf
// does not know (kept in UnrecognizedFields) has its members gathered and
// sorted; any other has the three members in their canonical order.
func (e *canonicalWriter) appendKey(out []byte, k *metadata.Key) []byte {
	switch {
	case k == nil:
		return append(out, "null"...)
	case len(k.UnrecognizedFields) > 0 || len(k.Value.UnrecognizedFields) > 0:
		ko := e.object(k.UnrecognizedFields)
		ko.member("keytype", e.text(nil, k.Type))
		ko.member("scheme", e.text(nil, k.Scheme))
		vo := e.object(k.Value.UnrecognizedFields)
		vo.member("public", e.text(nil, k.Value.PublicKey))
		ko.member("keyval", vo.close())
		return append(out, ko.close()...)
	}
	if !utf8.ValidString(k.Type) || !utf8.ValidString(k.Value.PublicKey) || !utf8.ValidString(k.Scheme) {
		e.bad = true
	}
	return canonical.AppendKey(out, k.Type, k.Value.PublicKey, k.Scheme)
}

// appendDelegatedRole appends r's canonical object to out: gathered and
// sorted when r has fields go-tuf does not know, otherwise written in
// place, its members in their canonical order (keyids, name,
// path_hash_prefixes or paths, terminating, threshold).
func (e *canonicalWriter) appendDelegatedRole(out []byte, r *metadata.DelegatedRole) []byte {
	if r.Paths != nil && r.PathHashPrefixes != nil {
		e.bad = true // go-tuf refuses to marshal it, with its own error
		return append(out, "null"...)
	}
	if len(r.UnrecognizedFields) > 0 {
		o := e.object(r.UnrecognizedFields)
		o.member("name", e.text(nil, r.Name))
		o.member("keyids", e.strings(r.KeyIDs))
		o.member("threshold", strconv.AppendInt(nil, int64(r.Threshold), 10))
		o.member("terminating", strconv.AppendBool(nil, r.Terminating))
		switch {
		case r.Paths != nil:
			o.member("paths", e.strings(r.Paths))
		case r.PathHashPrefixes != nil:
			o.member("path_hash_prefixes", e.strings(r.PathHashPrefixes))
		}
		return append(out, o.close()...)
	}
	out = append(out, `{"keyids":`...)
	out = e.appendStrings(out, r.KeyIDs)
	out = append(out, `,"name":`...)
	out = e.text(out, r.Name)
	switch {
	case r.PathHashPrefixes != nil:
		out = append(out, `,"path_hash_prefixes":`...)
		out = e.appendStrings(out, r.PathHashPrefixes)
	case r.Paths != nil:
		out = append(out, `,"paths":`...)
		out = e.appendStrings(out, r.Paths)
	}
	out = append(out, `,"terminating":`...)
	out = strconv.AppendBool(out, r.Terminating)
	out = append(out, `,"threshold":`...)
	out = strconv.AppendInt(out, int64(r.Threshold), 10)
	return append(out, '}')
}
