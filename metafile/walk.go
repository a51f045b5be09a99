package metafile

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"unicode/utf8"
)

// A walk reads a JSON document that is already known to be valid (Parse
// checked it, or this package wrote it) one value at a time, for decoders
// that take only what they can decode exactly as encoding/json would. It
// never fails loudly: anything it does not take (an escape in a string,
// invalid UTF-8, a null, a number that is not an integer, a key given
// twice) sets give, and the caller hands the whole document to
// encoding/json, which gives its own value or error. It never panics on
// any input, valid or not.
type walk struct {
	doc []byte
	i   int
	// give is set once the walk met something it does not decode
	// exactly; every later step does nothing.
	give bool
}

// next skips whitespace and returns the byte at the cursor, or 0 (and
// gives up) at the end of the document.
func (w *walk) next() byte {
	w.i = skipSpace(w.doc, w.i)
	if w.give || w.i >= len(w.doc) {
		w.give = true
		return 0
	}
	return w.doc[w.i]
}

// object reads the object at the cursor, calling member with each key
// (its bytes as written, no escape) with the cursor on the value; member
// reads the value.
func (w *walk) object(member func(key []byte)) {
	if w.next() != '{' {
		w.give = true
		return
	}
	w.i++
	if w.next() == '}' {
		w.i++
		return
	}
	for !w.give {
		key, ok := w.plain()
		if !ok || w.next() != ':' {
			w.give = true
			return
		}
		w.i++
		member(key)
		switch w.next() {
		case ',':
			w.i++
		case '}':
			w.i++
			return
		default:
			w.give = true
		}
	}
}

// array reads the array at the cursor, calling elem with the cursor on
// each element; elem reads it.
func (w *walk) array(elem func()) {
	if w.next() != '[' {
		w.give = true
		return
	}
	w.i++
	if w.next() == ']' {
		w.i++
		return
	}
	for !w.give {
		elem()
		switch w.next() {
		case ',':
			w.i++
		case ']':
			w.i++
			return
		default:
			w.give = true
		}
	}
}

// plain reads the string at the cursor and returns its bytes between the
// quotes, when they are the decoded string: no escape, valid UTF-8.
func (w *walk) plain() ([]byte, bool) {
	if w.next() != '"' {
		return nil, false
	}
	start := w.i + 1
	j, ascii := start, true
	for ; j < len(w.doc); j++ {
		c := w.doc[j]
		if plainByte[c] {
			continue
		}
		if c == '"' {
			break
		}
		if c < utf8.RuneSelf { // an escape, or a control character
			return nil, false
		}
		ascii = false
	}
	if j >= len(w.doc) || !ascii && !utf8.Valid(w.doc[start:j]) {
		return nil, false
	}
	w.i = j + 1
	return w.doc[start:j], true
}

// str reads a string value.
func (w *walk) str() string {
	s, ok := w.plain()
	if !ok {
		w.give = true
	}
	return string(s)
}

// quoted reads a string value and returns it as written, quotes included:
// what encoding/json hands a type's UnmarshalJSON.
func (w *walk) quoted() []byte {
	w.next()
	start := w.i
	if _, ok := w.plain(); !ok {
		w.give = true
		return nil
	}
	return w.doc[start:w.i]
}

// strings reads an array of strings; [] is an empty slice, as
// encoding/json makes it.
func (w *walk) strings() []string {
	list := []string{}
	w.array(func() { list = append(list, w.str()) })
	return list
}

// integer reads a number that is an integer of bits bits.
func (w *walk) integer(bits int) int64 {
	w.next()
	j := w.i
	if j < len(w.doc) && w.doc[j] == '-' {
		j++
	}
	if j+1 < len(w.doc) && w.doc[j] == '0' && isDigit(w.doc[j+1]) {
		w.give = true // a leading zero: not JSON
		return 0
	}
	j = skipDigits(w.doc, j)
	if j < len(w.doc) && (w.doc[j] == '.' || w.doc[j] == 'e' || w.doc[j] == 'E') {
		w.give = true
		return 0
	}
	n, err := strconv.ParseInt(string(w.doc[w.i:j]), 10, bits)
	if err != nil {
		w.give = true
		return 0
	}
	w.i = j
	return n
}

// boolean reads true or false.
func (w *walk) boolean() bool {
	switch w.next() {
	case 't':
		return w.literal("true")
	case 'f':
		w.literal("false")
		return false
	}
	w.give = true
	return false
}

func (w *walk) literal(word string) bool {
	if len(w.doc)-w.i < len(word) || string(w.doc[w.i:w.i+len(word)]) != word {
		w.give = true
		return false
	}
	w.i += len(word)
	return true
}

// raw reads any value and returns it as written.
func (w *walk) raw() []byte {
	w.next()
	start := w.i
	w.skipValue()
	if w.give || !json.Valid(w.doc[start:w.i]) {
		w.give = true
		return nil
	}
	return w.doc[start:w.i]
}

// skipValue passes over one value, strings' escapes included. Inside an
// object or array it looks only at the bytes that open or close one and
// at strings (structural); claimed at 100,000 projects is 77 MB of them.
func (w *walk) skipValue() {
	if w.next(); w.give {
		return
	}
	doc, i := w.doc, w.i
	switch doc[i] {
	case '"':
		w.skipString()
		return
	case '}', ']':
		w.i = i + 1 // no value: the caller sees what follows
		return
	case '{', '[':
	default:
		// A scalar: up to what ends a value.
		for i++; i < len(doc) && !endsValue(doc[i]); i++ {
		}
		w.i = i
		return
	}
	depth := 0
	for i < len(doc) {
		c := doc[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			end, ok := stringEnd(doc, i)
			if !ok {
				w.give = true
				return
			}
			i = end
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				w.i = i + 1
				return
			}
		}
		i++
	}
	w.give = true
}

// structural are the bytes skipValue stops at inside a container.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// endsValue: a scalar or a closed container is followed by one of these.
func endsValue(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

func (w *walk) skipString() {
	end, ok := stringEnd(w.doc, w.i)
	if !ok {
		w.give = true
		return
	}
	w.i = end
}

// unknown reads the value of a member that no field of the struct being
// decoded takes, as encoding/json decodes it into map[string]any.
func (w *walk) unknown() any {
	raw := w.raw()
	if w.give {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		w.give = true
	}
	return v
}

// Member is one member of an object: its name decoded, its value as
// written.
type Member struct {
	Name  string
	Value []byte
}

// Members returns the members of the object doc, in order, each value a
// slice of doc. doc must be valid JSON, or canonical JSON as Canonicalize
// writes it (its strings hold control characters raw, which JSON does
// not): Members does not check it again, but refuses what it cannot walk
// (an error, never a panic, never members left out). It is for walking a
// large canonical document in parts that are each canonical themselves.
func Members(doc []byte) ([]Member, error) {
	var members []Member
	if !eachMember(doc, func(name string, _, value []byte) {
		members = append(members, Member{Name: name, Value: value})
	}) {
		return nil, errors.New("not a JSON object")
	}
	return members, nil
}

// eachMember calls member with each member of the object doc: its name
// decoded, its name as written (quotes included) and its value as
// written. It reports false if doc is not an object it can walk whole.
func eachMember(doc []byte, member func(name string, quoted, value []byte)) bool {
	return eachMemberOf(doc, true, func(name string, quoted, value []byte) bool {
		member(name, quoted, value)
		return true
	})
}

// RawMember is one member of an object as written: its name in quotes,
// escapes and all, and its value.
type RawMember struct {
	Quoted, Value []byte
}

// RawMembers is Members without decoding the names. In canonical JSON,
// which writes each string one way, two members have the same name
// exactly when their quoted names are the same bytes: a document's keys
// can be compared with another's without decoding 100,000 of them.
func RawMembers(doc []byte) ([]RawMember, error) {
	var members []RawMember
	if !EachRawMember(doc, func(quoted, value []byte) bool {
		members = append(members, RawMember{Quoted: quoted, Value: value})
		return true
	}) {
		return nil, errors.New("not a JSON object")
	}
	return members, nil
}

// EachRawMember calls member with each member of the object doc (as for
// Members), its name as written, quotes included, and its value, until
// member returns false. It reports false if doc is not an object it can
// walk as far as member asked.
func EachRawMember(doc []byte, member func(quoted, value []byte) bool) bool {
	return eachMemberOf(doc, false, func(_ string, quoted, value []byte) bool {
		return member(quoted, value)
	})
}

// eachMemberOf is eachMember that decodes the names only if decode is
// set, and stops once member returns false.
func eachMemberOf(doc []byte, decode bool, member func(name string, quoted, value []byte) bool) bool {
	w := &walk{doc: doc}
	if w.next() != '{' {
		return false
	}
	w.i++
	if w.next() == '}' {
		return true
	}
	for !w.give {
		w.next()
		keyAt := w.i
		name, ok := "", w.next() == '"'
		if ok && decode {
			name, ok = w.name()
		} else if ok {
			w.skipString()
			ok = !w.give
		}
		quoted := doc[keyAt:w.i]
		if !ok || w.next() != ':' {
			return false
		}
		w.i++
		w.next()
		start := w.i
		w.skipValue()
		if w.give {
			return false
		}
		if !member(name, quoted, doc[start:w.i]) {
			return true
		}
		switch w.next() {
		case ',':
			w.i++
		case '}':
			return true
		default:
			return false
		}
	}
	return false
}

// Elements returns the elements of the array doc, each a slice of doc;
// doc must be as for Members.
func Elements(doc []byte) ([][]byte, error) {
	w := &walk{doc: doc}
	if w.next() != '[' {
		return nil, errors.New("not an array")
	}
	w.i++
	var elems [][]byte
	if w.next() == ']' {
		return elems, nil
	}
	for !w.give {
		w.next()
		start := w.i
		w.skipValue()
		elems = append(elems, doc[start:w.i])
		switch w.next() {
		case ',':
			w.i++
		case ']':
			return elems, nil
		default:
			w.give = true
		}
	}
	return nil, errors.New("not a JSON array")
}

// name reads a member's name, escapes and all.
func (w *walk) name() (string, bool) {
	if w.next() != '"' {
		return "", false
	}
	start := w.i
	if s, ok := w.plain(); ok {
		return string(s), true
	}
	w.i = start
	w.skipString()
	if w.give {
		return "", false
	}
	return decodeString(w.doc[start:w.i])
}

// decodeString decodes a string as written, quotes included: as
// encoding/json decodes it, or, when it holds control characters raw, as
// canonical JSON writes it (only '"' and '\' escaped).
func decodeString(quoted []byte) (string, bool) {
	raw := quoted[1 : len(quoted)-1]
	if !bytes.ContainsFunc(raw, func(r rune) bool { return r < 0x20 }) {
		var s string
		if json.Unmarshal(quoted, &s) != nil {
			return "", false
		}
		return s, true
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' {
			if i+1 >= len(raw) || raw[i+1] != '"' && raw[i+1] != '\\' {
				return "", false
			}
			i++
			c = raw[i]
		}
		out = append(out, c)
	}
	if !utf8.Valid(out) {
		return "", false
	}
	return string(out), true
}

// String, StringList and Int decode one JSON value (a member's value
// from Members, say) as json.Unmarshal into a string, a []string and an
// int do, giving its value and error (String also decodes a string of
// canonical JSON that holds control characters raw), without encoding/json for the
// values that need none: 100,000 delegations' names, key IDs and
// thresholds.

func String(v []byte) (string, error) {
	w := &walk{doc: v}
	if s := w.str(); !w.give && skipSpace(v, w.i) == len(v) {
		return s, nil
	}
	if w = (&walk{doc: v}); w.next() == '"' {
		start := w.i
		if w.skipString(); !w.give && skipSpace(v, w.i) == len(v) {
			if s, ok := decodeString(v[start:w.i]); ok {
				return s, nil // canonical JSON's raw control characters
			}
		}
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func StringList(v []byte) ([]string, error) {
	w := &walk{doc: v}
	if list := w.strings(); !w.give && skipSpace(v, w.i) == len(v) {
		return list, nil
	}
	var list []string
	err := json.Unmarshal(v, &list)
	return list, err
}

func Int(v []byte) (int, error) {
	w := &walk{doc: v}
	if n := w.integer(strconv.IntSize); !w.give && skipSpace(v, w.i) == len(v) {
		return int(n), nil
	}
	var n int
	err := json.Unmarshal(v, &n)
	return n, err
}
