package widget

import "strings"

// MaxSecret is how many bytes a Secret holds; typing beyond is ignored.
const MaxSecret = 1024

// Secret is a PIN or passphrase being typed. It is shown as one dot per
// byte, never the characters, and Take hands it over and clears it.
//
// What is typed lives in one buffer, allocated when the first character
// is typed and never grown or copied: Insert and Erase change it in place
// (the copies of a Secret a bubbletea model leaves behind share it), and
// Take clears all of it. Go's runtime may still copy memory it moves; the
// buffer is never moved by this code.
type Secret struct {
	buf *[MaxSecret]byte
	n   int
}

// Insert is p with s typed at its end, as far as MaxSecret allows.
func (p Secret) Insert(s string) Secret {
	if p.buf == nil {
		p.buf = new([MaxSecret]byte)
	}
	p.n += copy(p.buf[p.n:], s)
	return p
}

// Erase is p without its last byte, cleared where it was.
func (p Secret) Erase() Secret {
	if p.n == 0 {
		return p
	}
	p.n--
	p.buf[p.n] = 0
	return p
}

// Len is how many bytes are typed.
func (p Secret) Len() int { return p.n }

// Masked is one dot per byte typed.
func (p Secret) Masked() string { return strings.Repeat("•", p.n) }

// Take returns the typed secret and clears p's buffer, all of it.
func (p *Secret) Take() []byte {
	if p.buf == nil {
		return []byte{}
	}
	out := append([]byte(nil), p.buf[:p.n]...)
	clear(p.buf[:])
	p.n = 0
	return out
}

// Wiped reports whether nothing typed is left in p's buffer (tests).
func (p Secret) Wiped() bool {
	if p.buf == nil {
		return true
	}
	for _, b := range p.buf {
		if b != 0 {
			return false
		}
	}
	return true
}
