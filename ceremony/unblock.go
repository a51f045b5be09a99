package ceremony

import (
	"fmt"

	"github.com/tuf-ceremony/ceremony/keygen"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// UnblockOptions name the keyholder whose device's PIN is unblocked.
type UnblockOptions struct {
	Dir string
	// KeyURI names the key on the device (a yubikey: URI).
	KeyURI string
	// Holder is the keyholder, as the plan names them.
	Holder string
	// Prompter asks for the PUK and the new PIN (twice).
	Prompter keys.Prompter
}

// UnblockPIN unblocks the blocked PIN of a keyholder's YubiKey with its
// PUK, setting a new PIN (keys.Backends.UnblockPIN), at a ceremony: the
// PUK and the new PIN go to the transcript's guard as they are typed, and
// the transcript records what happened, a note when it worked and an error
// record when it did not. A sealed workspace takes no record: refused. The
// notices say what was completed first (a torn record resumed, a recorded
// signature written).
func (e *Engine) UnblockPIN(opts UnblockOptions) ([]string, error) {
	if keys.HoldsPIN(opts.KeyURI) {
		_, err := keys.ParseURI(opts.KeyURI) // refused, redacted
		return nil, err
	}
	ws, err := workspace.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	o, err := openCompleted(ws)
	if err != nil {
		return nil, err
	}
	tr, notices := o.tr, o.notices
	if err := refuseSealed(ws, tr, "records"); err != nil {
		return notices, err
	}
	defer tr.Close()
	guarded := guardedPrompter{Prompter: opts.Prompter, tr: tr}
	if err := e.keys.UnblockPIN(opts.KeyURI, guarded); err != nil {
		return notices, record(tr, transcripts.Error, opts.Holder, opts.KeyURI, fmt.Errorf("PIN not unblocked: %w", err))
	}
	rec := transcripts.Record{Kind: transcripts.Note, Who: keys.Redact(opts.Holder), Device: keygen.DeviceOf(opts.KeyURI),
		Message: fmt.Sprintf("%s set a new PIN on their device with its PUK, which unblocks a blocked PIN", opts.Holder)}
	if _, err := tr.Append(rec); err != nil {
		return notices, fmt.Errorf("the PIN is unblocked, but the transcript does not say so: %w", err)
	}
	return notices, nil
}
