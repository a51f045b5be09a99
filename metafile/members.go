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
	ix, err := indexJSON(doc, false)
	if err != nil || doc[skipSpace(doc, 0)] != '{' {
		return nil, false
	}
	var key []byte
	for _, sp := range ix.topLevel {
		key, _ = appendString(key[:0], doc, sp.keyAt, false)
		members = append(members, rawMember{key: string(key), quoted: doc[sp.keyAt:sp.keyEnd], value: doc[sp.value:sp.valueEnd]})
	}
	return members, true
}

// decodeEnvelope decodes a metadata file's top-level object as
// json.Unmarshal into map[string]json.RawMessage does (values copied, the
// last of a repeated key kept), with encoding/json's own error for what is
// not a valid JSON object. Without copyValues the values are slices of
// data (ParseOwned).
func decodeEnvelope(data []byte, copyValues bool) (map[string]json.RawMessage, error) {
	members, ok := objectMembers(data)
	if !ok {
		var top map[string]json.RawMessage
		err := json.Unmarshal(data, &top)
		return top, err
	}
	top := make(map[string]json.RawMessage, len(members))
	for _, m := range members {
		if !copyValues {
			// Capacity cut to the value: an append to it cannot reach
			// the rest of data.
			top[m.key] = json.RawMessage(m.value[:len(m.value):len(m.value)])
			continue
		}
		top[m.key] = append(json.RawMessage(nil), m.value...)
	}
	return top, nil
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
func headerFields(signed []byte) []byte {
	members, ok := objectMembers(signed)
	if !ok {
		return signed
	}
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
