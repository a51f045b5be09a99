// Package hint keeps what to do next apart from the command that does it.
// A library's error says in words what to do ("generate a key on the
// device"); when a command of this tool does it, the error carries that
// command, without the program's name (With). The command line prints it
// on a hint line ("ceremony: hint: run 'ceremony keygen --uri URI'"); the
// app shows it below the error. Only cmd/ceremony and tui name the program:
// the same libraries serve both, and an auditor's tool.
package hint

import "errors"

// Error is an error with the command that does what it says to do.
type Error struct {
	Err error
	// Command is the command and its arguments, without the program's
	// name: "keygen --uri yubikey:serial=1;slot-id=9c".
	Command string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// With returns err carrying command; nil if err is nil.
func With(err error, command string) error {
	if err == nil {
		return nil
	}
	return &Error{Err: err, Command: command}
}

// Gatherer is an error that gathers the commands of errors it holds as
// text (a plan's problems).
type Gatherer interface {
	HintCommands() []string
}

// Commands lists the commands err and the errors it wraps carry,
// outermost first, each once.
func Commands(err error) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	var g interface {
		error
		Gatherer
	}
	if errors.As(err, &g) {
		for _, c := range g.HintCommands() {
			add(c)
		}
	}
	for err != nil {
		var h *Error
		if !errors.As(err, &h) {
			break
		}
		add(h.Command)
		err = h.Err
	}
	return out
}
