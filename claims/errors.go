package claims

import (
	"errors"
	"fmt"
)

// What is wrong with a claim request, for callers that branch on it
// (errors.Is). The message itself always says what to do.
var (
	// ErrMalformed: not a claim request file (size, JSON, fields, types).
	ErrMalformed = errors.New("malformed claim request")
	// ErrName: the project name is invalid, not normalized, or a role's.
	ErrName = errors.New("bad project name")
	// ErrKeys: a key is unusable, listed twice, or under a wrong key ID.
	ErrKeys = errors.New("bad key in claim request")
	// ErrThreshold: the threshold is out of range.
	ErrThreshold = errors.New("threshold out of range")
	// ErrDate: the statement's date is in the future or too old.
	ErrDate = errors.New("claim request date out of range")
	// ErrProofOfPossession: a listed key did not sign the statement, or
	// its signature does not verify while the others' do.
	ErrProofOfPossession = errors.New("no proof of possession")
	// ErrTampered: no signature verifies over the statement: the file was
	// changed after it was signed.
	ErrTampered = errors.New("claim request changed after signing")
	// ErrAttestation: a YubiKey attestation does not hold.
	ErrAttestation = errors.New("attestation does not hold")
)

// kindError is a message that errors.Is matches against one of the
// sentinels above, without repeating the sentinel's text.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// Error is a claim request refused: the file, the field and what is wrong
// with it, with what to do. Reason is the same line without the file.
type Error struct {
	File  string
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.File == "" {
		return e.Reason()
	}
	return e.File + ": " + e.Reason()
}

// Reason is the refusal without the file's name, for a table keyed by file.
func (e *Error) Reason() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Reason is err as one line without the file's name when err is an *Error,
// else err's message.
func Reason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason()
	}
	return err.Error()
}
