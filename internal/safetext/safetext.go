// Package safetext shows text that came from outside (a hostile
// repository, bundle, payload, claim request, plan or record) without
// letting it drive the terminal or reorder what is read: every control
// character but newline and tab, every bidirectional formatting character,
// the line and paragraph separators and invalid UTF-8 become visible
// escapes. Escape is the one function every sink uses: the command line's
// output and error streams pass through Writer, and the app escapes what
// it shows (tui).
//
// The escapes are JSON's (\u001b, \u202e), so JSON output stays JSON that
// decodes to the same strings; invalid UTF-8 (which encoding/json never
// writes) becomes \xNN.
package safetext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Unsafe reports whether r must not reach a terminal as it is.
func Unsafe(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f): // C0, DEL, C1
		return true
	case r == 0x061c || r == 0x200e || r == 0x200f: // ALM, LRM, RLM
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// Escape returns s with every unsafe rune and invalid byte escaped.
func Escape(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	escapeTo(&b, s, true)
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || Unsafe(r) {
			return true
		}
		i += n
	}
	return false
}

// escapeTo writes s to b, escaped. With final false, an incomplete UTF-8
// sequence at the end is left unwritten and its length returned.
func escapeTo(b *strings.Builder, s string, final bool) int {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			if !final && !utf8.FullRuneInString(s[i:]) {
				return len(s) - i
			}
			fmt.Fprintf(b, `\x%02x`, s[i])
		case Unsafe(r):
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return 0
}

// Writer escapes what is written to w. A UTF-8 sequence split across
// writes is held until it is whole; Flush writes what is held (escaped).
type Writer struct {
	w    io.Writer
	held []byte
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it; it reports len(p) on success.
func (sw *Writer) Write(p []byte) (int, error) {
	s := string(append(sw.held, p...))
	var b strings.Builder
	left := escapeTo(&b, s, false)
	sw.held = append(sw.held[:0], s[len(s)-left:]...)
	if _, err := io.WriteString(sw.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes an incomplete UTF-8 sequence still held, escaped.
func (sw *Writer) Flush() error {
	if len(sw.held) == 0 {
		return nil
	}
	var b strings.Builder
	escapeTo(&b, string(sw.held), true)
	sw.held = sw.held[:0]
	_, err := io.WriteString(sw.w, b.String())
	return err
}
