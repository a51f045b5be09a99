package metafile

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// How Canonicalize says what it refused and where: the path in the
// document (delegations.roles[3].threshold), the line and column, the
// byte offset, and the reason.

// refusal is the kind of a canonicalError.
type refusal uint8

const (
	refusedSyntax    refusal = iota // not JSON
	refusedNumber                   // a number with no canonical form
	refusedDuplicate                // a key twice in one object
	refusedDepth                    // nested deeper than maxDepth
	refusedSize                     // too large to index
)

// canonicalError says why and where Canonicalize refused a document.
type canonicalError struct {
	kind   refusal
	offset int    // byte offset in the document
	line   int    // 1-based
	column int    // 1-based, in characters
	path   string // where in the document, as delegations.roles[3].name; "" at the top
	reason string
}

func (e *canonicalError) Error() string {
	where := fmt.Sprintf("line %d, column %d (byte %d)", e.line, e.column, e.offset)
	if e.path != "" {
		where = e.path + " at " + where
	}
	return where + ": " + e.reason
}

func (ix *index) duplicate(first, second member) error {
	err := ix.fail(refusedDuplicate, int(second.keyAt), "")
	line, column := lineColumn(ix.in, int(first.keyAt))
	err.path = renderPath(append(ix.segments(false), pathKey(ix.key(second))))
	err.reason = fmt.Sprintf("key %q appears twice in one object (first at line %d, column %d): "+
		"parsers disagree on which one counts, so it has no canonical form", clip(ix.key(second)), line, column)
	return err
}

// fail builds the error for a refusal at offset, with the path of the open
// objects and arrays.
func (ix *index) fail(kind refusal, offset int, reason string) *canonicalError {
	line, column := lineColumn(ix.in, offset)
	return &canonicalError{kind: kind, offset: offset, line: line, column: column,
		path: renderPath(ix.segments(true)), reason: reason}
}

// segments names where the index is: each open object's current member and
// each open array's current element; the innermost object's member only
// if withLast. Only the canonical mode keeps the keys it needs: the
// check-only mode names array elements only.
func (ix *index) segments(withLast bool) []string {
	var segs []string
	for k, c := range ix.stack {
		if !c.object {
			if c.n > 0 {
				segs = append(segs, fmt.Sprintf("[%d]", c.n-1))
			}
			continue
		}
		if !ix.canonical || !withLast && k == len(ix.stack)-1 {
			continue
		}
		// The object's current member is the last of its own pending
		// members: those before the next open object's first.
		next := uint32(len(ix.pending))
		for _, inner := range ix.stack[k+1:] {
			if inner.object {
				next = inner.first
				break
			}
		}
		if next > c.first {
			segs = append(segs, pathKey(ix.key(ix.pending[next-1])))
		}
	}
	return segs
}

// renderPath joins path segments: names with dots, ["odd key"] and [3]
// without. A deep path keeps its first and last segments.
func renderPath(segs []string) string {
	const ends = 8
	if len(segs) > 2*ends+1 {
		segs = slices.Concat(segs[:ends], []string{fmt.Sprintf("[%d levels]", len(segs)-2*ends)}, segs[len(segs)-ends:])
	}
	var b strings.Builder
	for _, s := range segs {
		if b.Len() > 0 && !strings.HasPrefix(s, "[") {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// pathKey is a key as a path segment: the name when it is made of letters,
// digits, '_' and '-', else ["quoted"].
func pathKey(key []byte) string {
	plain := len(key) > 0
	for _, c := range key {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			plain = false
			break
		}
	}
	if plain {
		return string(key)
	}
	return "[" + strconv.Quote(string(clip(key))) + "]"
}

// lineColumn is the 1-based line and column (in characters) of offset.
func lineColumn(in []byte, offset int) (line, column int) {
	if offset > len(in) {
		offset = len(in)
	}
	before := in[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCount(before[start:]) + 1
}

// quoteChar names the byte at i for an error, or the end of the document.
func quoteChar(in []byte, i int) string {
	if i >= len(in) {
		return "end of document"
	}
	c := in[i]
	if c >= 0x20 && c < 0x7f {
		return strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("0x%02x", c)
}

func quoteEscape(in []byte, j int) string {
	if c := in[j+1]; c >= 0x20 && c < 0x7f {
		return strconv.Quote(string(in[j : j+2]))
	}
	return fmt.Sprintf("'\\\\' followed by 0x%02x", in[j+1])
}

// clip shortens what an error quotes from the input.
func clip(b []byte) []byte {
	const most = 40
	if len(b) <= most {
		return b
	}
	return append(append([]byte(nil), b[:most]...), "..."...)
}
