package metafile

import (
	"bytes"
	"encoding/json"
)

// Reading a large object's top-level members without encoding/json.
//
// encoding/json checks a whole document before decoding it and skips
// values it does not keep by scanning them again: for a 72 MB `claimed`
// file, reading the envelope cost about 0.8 s and the four header fields
// about 0.6 s, twice (Parse, then Targets). The functions here check the
// document once with the canonical JSON index in its grammar-only mode
// (the language encoding/json's scanner accepts; FuzzCanonical compares
// the two) and take the top-level members it noted. On anything they do
// not handle (invalid JSON, not an object) they say so and the caller uses
// encoding/json, which gives its own result and error as before.

// rawMember is one member of an object, as it is in the document.
type rawMember struct {
	key    string // decoded as encoding/json decodes it
	quoted []byte // the key as written, quotes included
	value  []byte // the value as written, no whitespace around it
}

// objectMembers returns the members of doc, in order, when doc is one valid
// JSON object; ok is false otherwise. The slices point into doc.
func objectMembers(doc []byte) (members []rawMember, ok bool) {
	ix, ok := indexObject(doc)
	if !ok {
		return nil, false
	}
	return membersAt(doc, ix.topLevel), true
}

// indexObject indexes doc in check-only mode; ok is false unless doc is
// one valid JSON object.
func indexObject(doc []byte) (*index, bool) {
	ix, err := indexJSON(doc, false)
	if err != nil || doc[skipSpace(doc, 0)] != '{' {
		return nil, false
	}
	return ix, true
}

// membersAt are the members of doc at spans.
func membersAt(doc []byte, spans []span) []rawMember {
	var members []rawMember
	var key []byte
	for _, sp := range spans {
		key, _ = appendString(key[:0], doc, sp.keyAt, false)
		members = append(members, rawMember{key: string(key), quoted: doc[sp.keyAt:sp.keyEnd], value: doc[sp.value:sp.valueEnd]})
	}
	return members
}

// validMembers is objectMembers for a document known to be valid JSON: one
// pass that only finds where each member ends.
func validMembers(doc []byte) (members []rawMember, ok bool) {
	ok = eachMember(doc, func(name string, quoted, value []byte) {
		members = append(members, rawMember{key: name, quoted: quoted, value: value})
	})
	return members, ok
}

// decodeEnvelope decodes a metadata file's top-level object as
// json.Unmarshal into map[string]json.RawMessage does (values copied, the
// last of a repeated key kept), with encoding/json's own error for what is
// not a valid JSON object. Without copyValues the values are slices of
// data (ParseOwned).
func decodeEnvelope(data []byte, copyValues bool) (map[string]json.RawMessage, error) {
	top, _, err := readEnvelope(data, copyValues)
	return top, err
}

// readEnvelope is decodeEnvelope, and gives as well the header fields of
// the "signed" member it keeps (headerFields of it) when it is an object:
// nil when they were not read in the same pass.
func readEnvelope(data []byte, copyValues bool) (top map[string]json.RawMessage, signedHeader []byte, err error) {
	ix, ok := indexObject(data)
	if !ok {
		err := json.Unmarshal(data, &top)
		return top, nil, err
	}
	members := membersAt(data, ix.topLevel)
	top = make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		if !copyValues {
			// Capacity cut to the value: an append to it cannot reach
			// the rest of data.
			top[m.key] = json.RawMessage(m.value[:len(m.value):len(m.value)])
			continue
		}
		top[m.key] = append(json.RawMessage(nil), m.value...)
	}
	return top, signedHeaderFields(data, ix, members), nil
}

// signedHeaderFields is headerFields of the last member called "signed"
// (the one the envelope keeps), from its members as the envelope's pass
// found them; nil if it is not an object.
func signedHeaderFields(data []byte, ix *index, members []rawMember) []byte {
	last := -1
	for i, m := range members {
		if m.key == "signed" {
			last = i
		}
	}
	if last < 0 || len(members[last].value) == 0 || members[last].value[0] != '{' {
		return nil
	}
	var spans []span
	for _, in := range ix.inner {
		if in.parent == last {
			spans = append(spans, in.span)
		}
	}
	return fieldsOf(membersAt(data, spans))
}

// headerNames are Header's JSON names, upper-cased as encoding/json folds
// names to match them case-insensitively.
var headerNames = []string{"_TYPE", "SPEC_VERSION", "VERSION", "EXPIRES"}

// headerFields is signed cut down to the members that json.Unmarshal into
// Header can use, in their order: decoding it gives the same Header and the
// same error as decoding signed. A member is left out only when its key is
// plain ASCII (no escape) that does not fold to one of Header's names; for
// such a key encoding/json's case folding is ASCII case folding. Anything
// else is kept, and signed is returned whole when it is not a valid JSON
// object.
// valid says that signed is known to be valid JSON (Parse checked it), so
// its members are taken without checking it again.
func headerFields(signed []byte, valid bool) []byte {
	var members []rawMember
	var ok bool
	if valid {
		members, ok = validMembers(signed)
	} else {
		members, ok = objectMembers(signed)
	}
	if !ok {
		return signed
	}
	return fieldsOf(members)
}

// fieldsOf is an object of the members that may be Header's, in order.
func fieldsOf(members []rawMember) []byte {
	out := []byte{'{'}
	for _, m := range members {
		if !mayBeHeaderKey(m.quoted[1 : len(m.quoted)-1]) {
			continue
		}
		if len(out) > 1 {
			out = append(out, ',')
		}
		out = append(out, m.quoted...)
		out = append(out, ':')
		out = append(out, m.value...)
	}
	return append(out, '}')
}

func mayBeHeaderKey(raw []byte) bool {
	for _, c := range raw {
		if c == '\\' || c >= 0x80 {
			return true
		}
	}
	for _, name := range headerNames {
		if len(raw) == len(name) && bytes.EqualFold(raw, []byte(name)) {
			return true
		}
	}
	return false
}
