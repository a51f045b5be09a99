package metafile

// One reading only. Go's encoding/json matches a member name to a struct
// field regardless of case (and folds "ſ" to "s", "K" to "k"), and a later
// "ROLES" overrides "roles"; python-tuf and tuf-js match names exactly. A
// "signed" holding both is read two ways under one set of signatures: go-tuf
// and this tool would see one root, other clients another. So where TUF
// metadata has a struct (the signed object, a key, a role, a file's meta,
// a delegation), a member whose name folds to a TUF field name but is not
// that name is refused. Maps (key IDs, role names, target paths, hashes),
// "custom" and unknown fields hold names of their own and are not looked
// into: every reader reads their names as they are.

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// tufFields are the member names of TUF metadata's structs (spec 1.0.31).
var tufFields = []string{
	"_type", "spec_version", "consistent_snapshot", "version", "expires", "keys", "roles",
	"keytype", "scheme", "keyval", "public", "keyids", "threshold", "meta", "length", "hashes",
	"targets", "custom", "delegations", "name", "paths", "path_hash_prefixes", "terminating",
	"succinct_roles", "bit_length", "name_prefix",
}

// shape is what an object at some place in "signed" is: a struct whose
// member names are checked, with the shapes of its known members' values.
type shape struct {
	members map[string]*shape
	// mapOf, when set, makes the object a map: its names are data, and
	// each value has this shape.
	mapOf *shape
	// arrayOf is the shape of an array's elements.
	arrayOf *shape
}

var (
	freeShape       = &shape{}
	keyShape        = &shape{members: map[string]*shape{"keyval": {members: map[string]*shape{}}}}
	roleShape       = &shape{members: map[string]*shape{}}
	metaShape       = &shape{members: map[string]*shape{"hashes": {mapOf: freeShape}}}
	targetShape     = &shape{members: map[string]*shape{"hashes": {mapOf: freeShape}}}
	delegatedShape  = &shape{members: map[string]*shape{}}
	delegationShape = &shape{members: map[string]*shape{
		"keys":           {mapOf: keyShape},
		"roles":          {arrayOf: delegatedShape},
		"succinct_roles": {members: map[string]*shape{}},
	}}
	// signedShape is any role's "signed": root's keys and roles, snapshot
	// and timestamp's meta, targets' targets and delegations.
	signedShape = &shape{members: map[string]*shape{
		"keys":        {mapOf: keyShape},
		"roles":       {mapOf: roleShape},
		"meta":        {mapOf: metaShape},
		"targets":     {mapOf: targetShape},
		"delegations": delegationShape,
	}}
)

// checkOneReading refuses a "signed" that encoding/json and an exact
// reader would read differently: a member of a TUF struct whose name folds
// to a TUF field name without being it. It assumes signed is valid JSON
// (Parse checked it); what it cannot follow it leaves to the decoder. It
// allocates nothing but the error: the claimed role of 100,000 projects
// goes through it on every decode.
func checkOneReading(signed []byte) error {
	r := reader{doc: signed}
	r.value(signedShape)
	return r.err
}

type reader struct {
	doc []byte
	i   int
	err error
	// path is where the reader is: member names and array indexes, for
	// the error only.
	path []step
}

type step struct {
	name  []byte
	index int // -1 for a member
}

func (r *reader) where() string {
	var b strings.Builder
	b.WriteString("signed")
	for _, s := range r.path {
		if s.index >= 0 {
			fmt.Fprintf(&b, "[%d]", s.index)
		} else {
			b.WriteByte('.')
			b.WriteString(decoded(s.name))
		}
	}
	return b.String()
}

func (r *reader) space() {
	for r.i < len(r.doc) {
		switch r.doc[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// value reads one value, checking an object of shape s; a value with no
// shape to check is skipped.
func (r *reader) value(s *shape) {
	r.space()
	if r.err != nil || r.i >= len(r.doc) {
		return
	}
	switch c := r.doc[r.i]; {
	case c == '{' && (s.members != nil || s.mapOf != nil):
		r.object(s)
	case c == '[' && s.arrayOf != nil:
		r.array(s.arrayOf)
	default:
		r.skip()
	}
}

func (r *reader) array(elem *shape) {
	r.i++
	for n := 0; r.err == nil; n++ {
		r.space()
		if r.i >= len(r.doc) || r.doc[r.i] == ']' {
			r.i++
			return
		}
		r.path = append(r.path, step{index: n})
		r.value(elem)
		r.path = r.path[:len(r.path)-1]
		r.comma()
	}
}

// object reads an object of shape s: a map's names are data; a struct's
// are checked, and its known members read with their shapes.
func (r *reader) object(s *shape) {
	r.i++
	for r.err == nil {
		r.space()
		if r.i >= len(r.doc) || r.doc[r.i] == '}' {
			r.i++
			return
		}
		name := r.str()
		r.space()
		if r.i < len(r.doc) && r.doc[r.i] == ':' {
			r.i++
		}
		child := freeShape
		switch {
		case s.mapOf != nil:
			child = s.mapOf
		default:
			if field := foldedField(name); field != "" {
				r.err = fmt.Errorf("%s has a member %q, which Go's decoder (go-tuf) reads as %q and exact readers (python-tuf, tuf-js) do not: refusing a document read two ways", r.where(), decoded(name), field)
				return
			}
			if m := s.members[string(name)]; m != nil {
				child = m
			}
		}
		r.path = append(r.path, step{name: name, index: -1})
		r.value(child)
		r.path = r.path[:len(r.path)-1]
		r.comma()
	}
}

func (r *reader) comma() {
	r.space()
	if r.i < len(r.doc) && r.doc[r.i] == ',' {
		r.i++
	}
}

// str reads a string and returns its raw bytes, escapes as written.
func (r *reader) str() []byte {
	if r.i >= len(r.doc) || r.doc[r.i] != '"' {
		return nil
	}
	r.i++
	start := r.i
	for r.i < len(r.doc) && r.doc[r.i] != '"' {
		if r.doc[r.i] == '\\' {
			r.i++
		}
		r.i++
	}
	raw := r.doc[start:min(r.i, len(r.doc))]
	r.i++
	return raw
}

// skip passes over one value of any kind.
func (r *reader) skip() {
	depth := 0
	for r.i < len(r.doc) {
		switch r.doc[r.i] {
		case '"':
			r.str()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return
			}
			depth--
			if depth == 0 {
				r.i++
				return
			}
		case ',':
			if depth == 0 {
				return
			}
		}
		r.i++
	}
}

// decoded is a raw string with its escapes resolved as encoding/json
// resolves them.
func decoded(raw []byte) string {
	var s string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s); err != nil {
		return string(raw)
	}
	return s
}

// foldedField is the TUF field name that the raw member name folds to
// without being it, or "". Plain lower-case ASCII names cannot: only an
// upper-case letter, an escape or a character outside ASCII ("ſ", "K")
// can fold onto a TUF name.
func foldedField(raw []byte) string {
	plain := true
	for _, c := range raw {
		if c >= 'A' && c <= 'Z' || c >= utf8.RuneSelf || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return ""
	}
	name := decoded(raw)
	for _, f := range tufFields {
		if name != f && strings.EqualFold(name, f) {
			return f
		}
	}
	return ""
}
