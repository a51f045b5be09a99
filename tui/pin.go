package tui

import (
	"strings"

	"github.com/tuf-ceremony/ceremony/keys"
)

// pinPrompt is a PIN or passphrase being typed for a signing that waits on
// reply. The screen shows one dot per character, never the characters.
type pinPrompt struct {
	req   keys.SecretRequest
	reply chan<- secretReply
	typed []byte
}

// pending reports whether a signing waits for this prompt's answer.
func (p pinPrompt) pending() bool { return p.reply != nil }

func (p pinPrompt) insert(s string) pinPrompt {
	p.typed = append(append(make([]byte, 0, len(p.typed)+len(s)), p.typed...), s...)
	return p
}

func (p pinPrompt) erase() pinPrompt {
	if n := len(p.typed); n > 0 {
		p.typed = append([]byte(nil), p.typed[:n-1]...)
	}
	return p
}

// take returns the typed secret and clears the prompt's copy.
func (p *pinPrompt) take() []byte {
	out := append([]byte(nil), p.typed...)
	clear(p.typed)
	p.typed = nil
	return out
}

// masked is one dot per character typed.
func (p pinPrompt) masked() string { return strings.Repeat("•", len(p.typed)) }
