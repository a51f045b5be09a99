package tui

import (
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// pinPrompt is a PIN or passphrase being typed for a signing that waits on
// reply. The screen shows one dot per character, never the characters.
type pinPrompt struct {
	req    keys.SecretRequest
	reply  chan<- secretReply
	secret widget.Secret
}

// drop clears what was typed (a cancelled or abandoned prompt) and ends the
// prompt.
func (p *pinPrompt) drop() {
	clear(p.secret.Take())
	*p = pinPrompt{}
}

// pending reports whether a signing waits for this prompt's answer.
func (p pinPrompt) pending() bool { return p.reply != nil }
