package keys

// A pin-source (and the other *-source attributes of keygen) names a file
// holding a secret, for scripts and rehearsals. It is treated as ssh treats
// a private key: a regular file must belong to the user running the
// ceremony and be readable by nobody else; or it is a pipe (a FIFO, or
// <(...) in a shell), which nobody else can read again. Anything else is
// refused, with the chmod to run. It is read once, to at most
// MaxSecretSize bytes.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// MaxSecretSize bounds what a pin-source may hold: PINs are 4 to 8
// characters, passphrases a few words, a management key 64 hex digits.
const MaxSecretSize = 4096

// ReadPINSource reads the secret the file at path holds, its trailing
// newline removed. The caller clears the bytes when done.
func ReadPINSource(path string) ([]byte, error) {
	// What is checked is what was opened (no swap between a look by name
	// and the open). A FIFO's open waits for its writer.
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read pin-source %q: %w", path, unwrapPath(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("failed to read pin-source %q: %w", path, unwrapPath(err))
	}
	if err := checkPINSource(path, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxSecretSize+1))
	if err != nil {
		clear(b)
		return nil, fmt.Errorf("failed to read pin-source %q: %w", path, unwrapPath(err))
	}
	if len(b) > MaxSecretSize {
		clear(b)
		return nil, fmt.Errorf("pin-source %q holds more than %d bytes: a PIN or passphrase file holds the secret alone", path, MaxSecretSize)
	}
	trimmed := bytes.TrimRight(b, "\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("pin-source %q is empty", path)
	}
	out := bytes.Clone(trimmed)
	clear(b)
	return out, nil
}

// SplitPINSource returns uri without its pin-source attribute and the path
// that attribute named ("" if it has none), so that a caller can read the
// secret once (ReadPINSource) and hand it to the key through a Prompter.
func SplitPINSource(uri string) (rest, path string, err error) {
	u, err := ParseURI(uri)
	if err != nil {
		return "", "", err
	}
	path, ok := u.Query["pin-source"]
	if !ok {
		return uri, "", nil
	}
	base, query, _ := strings.Cut(uri, "?")
	var kept []string
	for _, part := range strings.Split(query, "&") {
		if name, _, _ := strings.Cut(part, "="); name != "pin-source" && part != "" {
			kept = append(kept, part)
		}
	}
	if len(kept) == 0 {
		return base, path, nil
	}
	return base + "?" + strings.Join(kept, "&"), path, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// OpenPINSource reads the secret uri's pin-source names, once (a FIFO or
// <(...) cannot be read twice), and returns uri without its pin-source, a
// Prompter that gives the key that secret (again for each signature, as a
// YubiKey whose PIN policy is "always" asks; a wrong PIN still ends the
// step, as the device reports it), the secret (for a caller that guards
// a transcript with it), and done, which clears it. A uri without
// pin-source comes back as it is, with next and a nil secret.
func OpenPINSource(uri string, next Prompter) (openURI string, p Prompter, secret []byte, done func(), err error) {
	rest, src, err := SplitPINSource(uri)
	if err != nil || src == "" {
		return uri, next, nil, func() {}, nil // Open reports a bad URI
	}
	secret, err = ReadPINSource(src)
	if err != nil {
		return "", nil, nil, nil, err
	}
	return rest, &sourcePrompter{secret: secret, next: next}, secret, func() { clear(secret) }, nil
}

// sourcePrompter answers a key's secret requests, all of one kind, with
// the secret read once from its pin-source; notices go to next, if any.
type sourcePrompter struct {
	secret []byte
	kind   *SecretKind
	next   Prompter
}

func (o *sourcePrompter) Secret(req SecretRequest) ([]byte, error) {
	if o.kind != nil && *o.kind != req.Kind {
		return nil, fmt.Errorf("%q asked for a %s after a %s, and its pin-source holds one secret", req.URI, req.Kind, *o.kind)
	}
	o.kind = &req.Kind
	return bytes.Clone(o.secret), nil
}

func (o *sourcePrompter) Notify(message string) {
	if o.next != nil {
		o.next.Notify(message)
	}
}
