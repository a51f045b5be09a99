package rstuf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Problem is one reason a payload is refused.
type Problem struct {
	// Field is the path of the field in the payload, such as
	// metadata.root.signed.roles.root.threshold or
	// metadata.root.signatures[1].sig.
	Field string
	// Message says what is wrong and, after a semicolon, what to do.
	Message string
}

func (p Problem) String() string { return p.Field + ": " + p.Message }

// Error is every problem found in a payload. Bootstrap, Update,
// CheckBootstrap and CheckUpdate return it when a payload is refused.
type Error struct {
	// Payload names what was checked: "bootstrap payload", "update payload".
	Payload  string
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "RSTUF %s refused (%d problem", e.Payload, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.String())
	}
	return b.String()
}

// Problem returns the first problem with the given field path.
func (e *Error) Problem(field string) (Problem, bool) {
	for _, p := range e.Problems {
		if p.Field == field {
			return p, true
		}
	}
	return Problem{}, false
}

// checker collects problems; each check goes on after a problem so that
// every problem is reported at once.
type checker struct {
	problems []Problem
}

func (c *checker) add(field, format string, args ...any) {
	c.problems = append(c.problems, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *checker) err(payload string) error {
	if len(c.problems) == 0 {
		return nil
	}
	return &Error{Payload: payload, Problems: c.problems}
}

// JSON reading: payloads are read member by member from raw JSON so that
// types are checked exactly (an expiration of 1.0 or "1" is not an integer)
// and "signed" is never re-encoded.

type object map[string]json.RawMessage

func trim(raw json.RawMessage) []byte { return bytes.TrimSpace(raw) }

func asObject(raw json.RawMessage) (object, bool) {
	t := trim(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	var o object
	if err := json.Unmarshal(t, &o); err != nil {
		return nil, false
	}
	return o, true
}

func asArray(raw json.RawMessage) ([]json.RawMessage, bool) {
	t := trim(raw)
	if len(t) == 0 || t[0] != '[' {
		return nil, false
	}
	var a []json.RawMessage
	if err := json.Unmarshal(t, &a); err != nil {
		return nil, false
	}
	return a, true
}

func isNull(raw json.RawMessage) bool { return string(trim(raw)) == "null" }

func asString(raw json.RawMessage) (string, bool) {
	t := trim(raw)
	if len(t) == 0 || t[0] != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(t, &s); err != nil {
		return "", false
	}
	return s, true
}

var intLiteral = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

// asInt accepts a JSON integer literal only: no fraction, no exponent, no
// string.
func asInt(raw json.RawMessage) (int64, bool) {
	t := trim(raw)
	if !intLiteral.Match(t) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(t), 10, 64)
	return n, err == nil
}

func asBool(raw json.RawMessage) (bool, bool) {
	switch string(trim(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// asStrings reads a list of strings; it reports the first entry that is not
// one.
func asStrings(raw json.RawMessage) ([]string, int, bool) {
	a, ok := asArray(raw)
	if !ok {
		return nil, -1, false
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		s, ok := asString(e)
		if !ok {
			return nil, i, false
		}
		out = append(out, s)
	}
	return out, -1, true
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// checkFields reports members of o that are not in allowed.
func (c *checker) checkFields(path string, o object, allowed []string, why string) {
	for _, name := range slices.Sorted(maps.Keys(o)) {
		known := false
		for _, a := range allowed {
			if name == a {
				known = true
				break
			}
		}
		if !known {
			c.add(join(path, name), "is not a field %s; remove it", why)
		}
	}
}

// positiveInt checks a required positive integer member.
func (c *checker) positiveInt(path string, o object, name, what string) (int64, bool) {
	field := join(path, name)
	raw, ok := o[name]
	if !ok {
		c.add(field, "is missing; %s", what)
		return 0, false
	}
	n, ok := asInt(raw)
	if !ok || n < 1 {
		c.add(field, "is %s, not a positive integer; %s", trim(raw), what)
		return 0, false
	}
	return n, true
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
