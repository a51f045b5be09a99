package tui

import (
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/keys"
)

// errCancelled is what a PIN prompt answers when the person cancels it.
var errCancelled = errors.New("PIN entry cancelled at the keyboard; nothing was sent to the device")

// Bridge is the keys.Prompter of a signing that runs in a tea.Cmd: it
// hands each request to the program as a message and waits for the screen
// to answer. The secret travels once, through a channel, from the PIN
// screen to the backend; it is never kept in the model after that.
type Bridge struct {
	mu   sync.Mutex
	send func(tea.Msg)
}

// Attach connects the bridge to the running program (tea.Program.Send).
func (b *Bridge) Attach(send func(tea.Msg)) {
	b.mu.Lock()
	b.send = send
	b.mu.Unlock()
}

func (b *Bridge) post(msg tea.Msg) bool {
	b.mu.Lock()
	send := b.send
	b.mu.Unlock()
	if send == nil {
		return false
	}
	send(msg)
	return true
}

// Secret asks the PIN screen and waits for its answer.
func (b *Bridge) Secret(req keys.SecretRequest) ([]byte, error) {
	reply := make(chan secretReply, 1)
	if !b.post(secretRequestMsg{req: req, reply: reply}) {
		return nil, errors.New("no screen to ask for the " + req.Kind.String() + " on")
	}
	r := <-reply
	return r.secret, r.err
}

// Notify shows a message the person must act on (touch the device).
func (b *Bridge) Notify(message string) {
	b.post(notifyMsg{text: message, at: time.Now()})
}

// secretReply is the PIN screen's answer.
type secretReply struct {
	secret []byte
	err    error
}

// secretRequestMsg asks the PIN screen for a secret.
type secretRequestMsg struct {
	req   keys.SecretRequest
	reply chan<- secretReply
}

// notifyMsg is a backend's message for the person at the device.
type notifyMsg struct {
	text string
	at   time.Time
}

// answer sends the PIN screen's answer to the waiting backend.
func answer(reply chan<- secretReply, secret []byte, err error) tea.Cmd {
	return func() tea.Msg {
		reply <- secretReply{secret: secret, err: err}
		return nil
	}
}

// Run runs the app on the terminal until it quits, attaching the bridge.
func Run(m Model, opts ...tea.ProgramOption) error {
	p := tea.NewProgram(m, opts...)
	m.bridge.Attach(p.Send)
	defer m.bridge.Attach(nil)
	_, err := p.Run()
	return err
}

// touchTickMsg is the touch screen's clock.
type touchTickMsg struct{ at time.Time }
