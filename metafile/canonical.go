package metafile

// Canonical JSON from the bytes.
//
// Canonicalize writes the OLPC canonical JSON that TUF signs, byte for byte
// what go-securesystemslib's cjson.EncodeCanonical writes for the same
// document decoded by encoding/json (this package's earlier path, kept in
// the tests as the oracle), without decoding into a generic tree. It makes
// two passes over the input:
//
//  1. index: checks that the input is one JSON value that has a canonical
//     form, adds up the exact length of the output and, for each object
//     whose members are not already in canonical order, keeps its members'
//     keys and where their values start, sorted. Objects already in order
//     (every file this project writes, and python-tuf's) keep nothing.
//  2. write: walks the input again and writes the output into one buffer
//     of that length, taking sorted objects' members in their kept order.
//
// Both passes keep their own stack of open objects and arrays (no
// recursion), so nesting costs memory in proportion to its depth only; the
// depth is limited to encoding/json's 10,000.
//
// The output, as cjson writes it:
//   - object members sorted by the bytes of their decoded keys (UTF-8);
//   - strings decoded as encoding/json decodes them (escapes resolved,
//     \u surrogate pairs combined, a lone surrogate escape and each byte of
//     invalid UTF-8 become U+FFFD), written with only '"' and '\' escaped:
//     every other byte raw, control characters included;
//   - integers written as they are in the input ("-0" stays "-0"); a
//     fraction, an exponent or a value outside int64 is refused, as cjson
//     refuses what json.Number.Int64 cannot read;
//   - true, false, null; no whitespace.
//
// Refused although the old path accepted them: an object with the same key
// twice (encoding/json kept the last one, other parsers keep the first:
// what would be signed depends on the parser), and anything after the
// top-level value (encoding/json's Decoder ignored it). Both are invalid
// metadata; no tool writes them.

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxDepth is how deeply objects and arrays may nest: encoding/json's limit.
const maxDepth = 10000

// maxCanonicalInput bounds the input (offsets are kept as uint32).
const maxCanonicalInput = math.MaxInt32

// Canonicalize returns the canonical JSON (OLPC, as TUF uses) of a JSON
// document. It refuses invalid JSON and JSON without a canonical form with
// an error that names the place (path, line, column, byte offset).
func Canonicalize(doc []byte) ([]byte, error) {
	ix, err := indexJSON(doc, true)
	if err != nil {
		return nil, err
	}
	out := ix.write()
	if len(out) != ix.outLen {
		// The two passes disagree: a bug, never a wrong signature.
		return nil, fmt.Errorf("internal error: canonical JSON is %d bytes, the index expected %d", len(out), ix.outLen)
	}
	return out, nil
}

// member is one member of an object that is not in canonical order.
type member struct {
	keyAt  uint32 // offset of the key's opening quote
	keyLen uint32 // length of the decoded key
	// decoded is where the decoded key starts in index.keys, or rawKey when
	// the key's bytes in the input are its decoded form.
	decoded uint32
	value   uint32 // offset of the value's first byte
}

const rawKey = math.MaxUint32

// sortedObject is an object whose members the writer takes from
// index.members[lo:hi] (in canonical order) instead of the input's order.
type sortedObject struct {
	start, end uint32 // offsets of '{' and after '}'
	lo, hi     uint32
}

// container is an object or array the index is inside of.
type container struct {
	object bool
	sorted bool   // object: members so far in strictly increasing key order
	start  uint32 // offset of '{' or '['
	first  uint32 // object: index in pending of its first member
	n      uint32 // members or elements so far
}

// index is what the first pass learns about a document.
type index struct {
	in        []byte
	canonical bool // check canonical form and prepare the writer; else check JSON only

	outLen  int            // length of the canonical output
	objects []sortedObject // objects out of order, by start
	members []member       // their members, sorted
	keys    []byte         // decoded keys that differ from their input bytes

	stack   []container
	pending []member // members of the open objects
	scratch []byte

	// topLevel: check-only mode, when the document is an object, its
	// members (for objectMembers).
	topLevel []span
	// inner: check-only mode, when the document is an object, the members
	// of those of its members that are objects, each with the index in
	// topLevel of the member it is in: a metadata file's header fields are
	// members of "signed", found in the pass that checks the file.
	inner []innerSpan
}

// innerSpan is a member of a top-level member's object value.
type innerSpan struct {
	span
	parent int
}

// span is where a top-level member's key and value are in the input.
type span struct{ keyAt, keyEnd, value, valueEnd int }

// indexJSON checks doc. With canonical set it also refuses what has no
// canonical form and prepares write; without, it checks the JSON grammar
// only (as encoding/json's scanner does: numbers of any form, repeated
// keys) and keeps only where the top-level members are.
func indexJSON(doc []byte, canonical bool) (*index, error) {
	ix := &index{in: doc, canonical: canonical}
	if len(doc) > maxCanonicalInput {
		return nil, &canonicalError{kind: refusedSize, line: 1, column: 1,
			reason: fmt.Sprintf("document is %d bytes, over the limit of %d", len(doc), maxCanonicalInput)}
	}
	if err := ix.run(); err != nil {
		return nil, err
	}
	slices.SortFunc(ix.objects, func(a, b sortedObject) int { return int(a.start) - int(b.start) })
	return ix, nil
}

// run is the first pass: it walks doc's values with its own stack of open
// objects and arrays, checking each and adding up the output length. The
// loop reads one value, then what follows it (a separator, or the ends of
// the containers it closes).
func (ix *index) run() error {
	in := ix.in
	i, err := ix.begin()
	if err != nil {
		return err
	}
values:
	for {
		// A value starts at i, whitespace skipped.
		if i >= len(in) {
			return ix.fail(refusedSyntax, i, "unexpected end of the document: a value is missing")
		}
		var end int
		switch c := in[i]; {
		case c == '{' || c == '[':
			if len(ix.stack) == maxDepth {
				return ix.tooDeep(i)
			}
			object := c == '{'
			ix.stack = append(ix.stack, container{object: object, sorted: true, start: uint32(i), first: uint32(len(ix.pending))})
			ix.outLen++
			j := skipSpace(in, i+1)
			if j < len(in) && (object && in[j] == '}' || !object && in[j] == ']') {
				ix.stack = ix.stack[:len(ix.stack)-1]
				ix.outLen++
				end = j + 1
				break
			}
			if object {
				v, err := ix.member(j)
				if err != nil {
					return err
				}
				i = v
				continue values
			}
			ix.stack[len(ix.stack)-1].n = 1
			i = j
			continue values
		case c == '"':
			e, err := ix.stringValue(i)
			if err != nil {
				return err
			}
			end = e
		case c == '-' || '0' <= c && c <= '9':
			e, err := ix.number(i)
			if err != nil {
				return err
			}
			ix.outLen += e - i
			end = e
		case c == 't' || c == 'f' || c == 'n':
			e, err := ix.literal(i)
			if err != nil {
				return err
			}
			end = e
		default:
			return ix.fail(refusedSyntax, i, fmt.Sprintf("invalid character %s where a value should be", quoteChar(in, i)))
		}

		// The value ends at end: what follows it?
		for {
			if len(ix.stack) == 0 {
				return ix.finish(end)
			}
			top := &ix.stack[len(ix.stack)-1]
			if len(ix.stack) == 1 && len(ix.topLevel) > 0 && top.object {
				ix.topLevel[len(ix.topLevel)-1].valueEnd = end
			}
			if len(ix.stack) == 2 && len(ix.inner) > 0 && top.object && ix.stack[0].object {
				ix.inner[len(ix.inner)-1].valueEnd = end
			}
			j := skipSpace(in, end)
			if j >= len(in) {
				return ix.unclosed(top.object, j)
			}
			switch {
			case in[j] == ',':
				ix.outLen++
				k := skipSpace(in, j+1)
				if top.object {
					v, err := ix.member(k)
					if err != nil {
						return err
					}
					i = v
				} else {
					top.n++
					i = k
				}
				continue values
			case top.object && in[j] == '}':
				if err := ix.closeObject(j + 1); err != nil {
					return err
				}
			case !top.object && in[j] == ']':
			default:
				return ix.badSeparator(top.object, j)
			}
			ix.stack = ix.stack[:len(ix.stack)-1]
			ix.outLen++
			end = j + 1
		}
	}
}

// begin checks the start of the document and returns where its value
// starts: after any whitespace, and never at a byte order mark or the end.
func (ix *index) begin() (int, error) {
	in := ix.in
	if bytes.HasPrefix(in, []byte("\xef\xbb\xbf")) {
		return 0, ix.fail(refusedSyntax, 0, "the document starts with a byte order mark (U+FEFF); JSON has none, remove it")
	}
	i := skipSpace(in, 0)
	if i == len(in) {
		return 0, ix.fail(refusedSyntax, i, "no JSON value: the document is empty")
	}
	return i, nil
}

// literal checks the true, false or null at i (the caller has seen its
// first byte), counts its length and returns where it ends.
func (ix *index) literal(i int) (int, error) {
	lit := "null"
	if c := ix.in[i]; c == 't' {
		lit = "true"
	} else if c == 'f' {
		lit = "false"
	}
	if !bytes.HasPrefix(ix.in[i:], []byte(lit)) {
		return 0, ix.fail(refusedSyntax, i, fmt.Sprintf("invalid literal: want %s", lit))
	}
	ix.outLen += len(lit)
	return i + len(lit), nil
}

// finish checks that nothing but whitespace follows the top-level value,
// which ends at end.
func (ix *index) finish(end int) error {
	j := skipSpace(ix.in, end)
	if j != len(ix.in) {
		return ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s after the top-level value: a document holds one value", quoteChar(ix.in, j)))
	}
	return nil
}

// tooDeep refuses the object or array at i, one level past maxDepth.
func (ix *index) tooDeep(i int) error {
	return ix.fail(refusedDepth, i, fmt.Sprintf("nested deeper than %d objects and arrays", maxDepth))
}

// unclosed refuses a document that ends at j inside an object (if object)
// or an array.
func (ix *index) unclosed(object bool, j int) error {
	reason := "unexpected end of the document: an array is not closed with ']'"
	if object {
		reason = "unexpected end of the document: an object is not closed with '}'"
	}
	return ix.fail(refusedSyntax, j, reason)
}

// badSeparator refuses the byte at j, which follows a member of an object
// (if object) or an element of an array but neither separates nor closes.
func (ix *index) badSeparator(object bool, j int) error {
	if object {
		return ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s after an object member: want ',' or '}'", quoteChar(ix.in, j)))
	}
	return ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s after an array element: want ',' or ']'", quoteChar(ix.in, j)))
}

// member reads an object member's key and colon at i and returns where its
// value starts.
func (ix *index) member(i int) (int, error) {
	in := ix.in
	top := &ix.stack[len(ix.stack)-1]
	if i >= len(in) {
		return 0, ix.fail(refusedSyntax, i, "unexpected end of the document: an object member is missing")
	}
	if in[i] != '"' {
		return 0, ix.fail(refusedSyntax, i, fmt.Sprintf("invalid character %s where an object key should be: keys are strings", quoteChar(in, i)))
	}
	end, raw, err := ix.scanString(i)
	if err != nil {
		return 0, err
	}
	j := skipSpace(in, end)
	if j >= len(in) || in[j] != ':' {
		return 0, ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s after an object key: want ':'", quoteChar(in, j)))
	}
	value := skipSpace(in, j+1)
	if !ix.canonical {
		if len(ix.stack) == 1 {
			ix.topLevel = append(ix.topLevel, span{keyAt: i, keyEnd: end, value: value})
		} else if len(ix.stack) == 2 && ix.stack[0].object {
			ix.inner = append(ix.inner, innerSpan{span{keyAt: i, keyEnd: end, value: value}, len(ix.topLevel) - 1})
		}
		return value, nil
	}

	m := member{keyAt: uint32(i), decoded: rawKey, value: uint32(value)}
	if raw {
		m.keyLen = uint32(end - i - 2)
		ix.outLen += end - i
	} else {
		m.decoded = uint32(len(ix.keys))
		ix.keys, _ = appendString(ix.keys, in, i, false)
		m.keyLen = uint32(len(ix.keys)) - m.decoded
		ix.outLen += int(m.keyLen) + 2 + escapedCount(ix.keys[m.decoded:])
	}
	ix.outLen++ // ':'
	if top.n > 0 && top.sorted {
		prev := ix.pending[len(ix.pending)-1]
		switch bytes.Compare(ix.key(prev), ix.key(m)) {
		case 0:
			return 0, ix.duplicate(prev, m)
		case 1:
			top.sorted = false
		}
	}
	top.n++
	ix.pending = append(double(ix.pending, 1), m)
	return value, nil
}

// closeObject ends the innermost open object, whose '}' ends before end:
// an object out of order gets its members sorted and kept for the writer.
func (ix *index) closeObject(end int) error {
	if !ix.canonical {
		return nil
	}
	top := ix.stack[len(ix.stack)-1]
	ms := ix.pending[top.first:]
	if !top.sorted {
		slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(ix.key(a), ix.key(b)) })
		for k := 1; k < len(ms); k++ {
			if bytes.Equal(ix.key(ms[k-1]), ix.key(ms[k])) {
				first, second := ms[k-1], ms[k]
				if first.keyAt > second.keyAt {
					first, second = second, first
				}
				return ix.duplicate(first, second)
			}
		}
		lo := uint32(len(ix.members))
		if lo == 0 && len(ms) >= stealFrom {
			// The first object out of order, and a large one: its members
			// become the table where they are, not copied, and the open
			// objects' members go on in a new array.
			ix.members = ms
			ix.pending = slices.Clip(ix.pending[:top.first])
		} else {
			ix.members = append(double(ix.members, len(ms)), ms...)
			ix.pending = ix.pending[:top.first]
		}
		ix.objects = append(double(ix.objects, 1), sortedObject{start: top.start, end: uint32(end), lo: lo, hi: uint32(len(ix.members))})
		return nil
	}
	ix.pending = ix.pending[:top.first]
	return nil
}

// stealFrom is the number of members from which closeObject keeps an
// object's members where they are rather than copying them: a document
// that is one large object out of order (a targets role's targets, its
// delegations' keys) then holds its member table once.
const stealFrom = 1 << 16

// double makes room for n more elements, doubling the capacity when it
// grows: append grows large slices by a quarter, which for the member
// table of a large document out of order allocated about five times its
// final size.
func double[T any](s []T, n int) []T {
	if len(s)+n <= cap(s) {
		return s
	}
	grown := make([]T, len(s), max(2*cap(s), len(s)+n, 256))
	copy(grown, s)
	return grown
}

// key is m's decoded key.
func (ix *index) key(m member) []byte {
	if m.decoded == rawKey {
		return ix.in[m.keyAt+1 : m.keyAt+1+m.keyLen]
	}
	return ix.keys[m.decoded : m.decoded+m.keyLen]
}

// stringValue checks the string at i and counts its canonical length.
func (ix *index) stringValue(i int) (int, error) {
	end, raw, err := ix.scanString(i)
	if err != nil {
		return 0, err
	}
	if raw {
		ix.outLen += end - i
	} else if ix.canonical {
		ix.scratch, _ = appendString(ix.scratch[:0], ix.in, i, true)
		ix.outLen += len(ix.scratch) + 2
	}
	return end, nil
}

// scanString checks the JSON string whose opening quote is at i, as
// encoding/json's scanner does (any byte from 0x20 up, escapes \" \\ \/ \b
// \f \n \r \t \uXXXX). It returns the offset after the closing quote and
// whether the bytes between the quotes are the decoded string (no escape,
// valid UTF-8).
func (ix *index) scanString(i int) (end int, raw bool, err error) {
	in := ix.in
	j := i + 1
	raw = true
	for {
		for j < len(in) && plainByte[in[j]] {
			j++
		}
		if j >= len(in) {
			return 0, false, ix.fail(refusedSyntax, i, "unexpected end of the document inside a string: it has no closing '\"'")
		}
		switch c := in[j]; {
		case c == '"':
			return j + 1, raw, nil
		case c == '\\':
			raw = false
			if j+1 >= len(in) {
				return 0, false, ix.fail(refusedSyntax, i, "unexpected end of the document inside a string: it has no closing '\"'")
			}
			switch in[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if _, ok := hex4(in, j); !ok {
					return 0, false, ix.fail(refusedSyntax, j, "invalid \\u escape in a string: want four hex digits")
				}
				j += 6
			default:
				return 0, false, ix.fail(refusedSyntax, j, fmt.Sprintf("invalid escape %s in a string", quoteEscape(in, j)))
			}
		case c < 0x20:
			return 0, false, ix.fail(refusedSyntax, j, fmt.Sprintf("control character U+%04X in a string: JSON needs it escaped as \\u%04x", c, c))
		default: // c >= 0x80
			r, size := utf8.DecodeRune(in[j:])
			if r == utf8.RuneError && size == 1 {
				raw = false // decodes to U+FFFD
			}
			j += size
		}
	}
}

// number checks the number at i, as JSON's grammar has it; in canonical
// mode it must also be an integer that fits int64.
func (ix *index) number(i int) (int, error) {
	in := ix.in
	j := i
	if in[j] == '-' {
		j++
	}
	switch {
	case j < len(in) && in[j] == '0':
		j++
	case j < len(in) && '1' <= in[j] && in[j] <= '9':
		j = skipDigits(in, j)
	default:
		return 0, ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s in a number: want a digit", quoteChar(in, j)))
	}
	intEnd := j
	if j < len(in) && in[j] == '.' {
		j++
		if j >= len(in) || !isDigit(in[j]) {
			return 0, ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s after a decimal point: want a digit", quoteChar(in, j)))
		}
		j = skipDigits(in, j)
	}
	if j < len(in) && (in[j] == 'e' || in[j] == 'E') {
		j++
		if j < len(in) && (in[j] == '+' || in[j] == '-') {
			j++
		}
		if j >= len(in) || !isDigit(in[j]) {
			return 0, ix.fail(refusedSyntax, j, fmt.Sprintf("invalid character %s in an exponent: want a digit", quoteChar(in, j)))
		}
		j = skipDigits(in, j)
	}
	if !ix.canonical {
		return j, nil
	}
	if j != intEnd {
		return 0, ix.fail(refusedNumber, i, fmt.Sprintf("number %s is not an integer: canonical JSON has integers only", clip(in[i:j])))
	}
	if j-i > 18 { // 18 digits always fit
		if _, err := strconv.ParseInt(string(in[i:j]), 10, 64); err != nil {
			return 0, ix.fail(refusedNumber, i, fmt.Sprintf("integer %s is out of range: canonical JSON (go-securesystemslib) takes 64-bit signed integers", clip(in[i:j])))
		}
	}
	return j, nil
}

func skipSpace(in []byte, i int) int {
	for i < len(in) {
		switch in[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(in []byte, i int) int {
	for i < len(in) && isDigit(in[i]) {
		i++
	}
	return i
}
