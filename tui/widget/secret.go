package widget

import "strings"

// Secret is a PIN or passphrase being typed. It is shown as one dot per
// character, never the characters, and Take hands it over and clears it.
type Secret struct{ typed []byte }

// Insert is p with s typed at its end.
func (p Secret) Insert(s string) Secret {
	return Secret{append(append(make([]byte, 0, len(p.typed)+len(s)), p.typed...), s...)}
}

// Erase is p without its last character.
func (p Secret) Erase() Secret {
	if len(p.typed) == 0 {
		return p
	}
	return Secret{append([]byte(nil), p.typed[:len(p.typed)-1]...)}
}

// Len is how many bytes are typed.
func (p Secret) Len() int { return len(p.typed) }

// Masked is one dot per byte typed.
func (p Secret) Masked() string { return strings.Repeat("•", len(p.typed)) }

// Take returns the typed secret and clears p's copy.
func (p *Secret) Take() []byte {
	out := append([]byte(nil), p.typed...)
	clear(p.typed)
	p.typed = nil
	return out
}
