// Package strictjson reads JSON that came from elsewhere as hostile input:
// one object, at most a given size, no unknown fields, no key twice in one
// object (parsers disagree on which one counts), nothing after it.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
)

// Reasons a file read from elsewhere is refused; each refusal wraps one.
var (
	ErrTooLarge  = errors.New("file is too large")
	ErrMalformed = errors.New("malformed file")
)

// Encode writes v as indented JSON, HTML characters kept as they are.
func Encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode: %w", err)
	}
	return b.Bytes(), nil
}

// Decode decodes data, at most limit bytes, into v: one JSON object,
// no unknown fields, no duplicate keys at any depth, nothing after it.
func Decode(what string, data []byte, limit int, v any) error {
	if len(data) > limit {
		return fmt.Errorf("%w: %s is %d bytes, over the limit of %d", ErrTooLarge, what, len(data), limit)
	}
	if err := CheckNoDuplicates(data); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrMalformed, what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: %s: data after the JSON object", ErrMalformed, what)
	}
	return nil
}

// CheckNoDuplicates refuses a JSON document with a key twice in one object:
// parsers disagree on which one counts. In the top-level object, whose
// members Decode matches to fields regardless of case as encoding/json
// does, two keys that differ only in case are refused too.
func CheckNoDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		seen   map[string]bool
		folded map[string]string // the top-level object's keys, by fold
		key    bool              // the next token is a key
		path   string
	}
	var stack []*frame
	last := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.key {
			if s, ok := tok.(string); ok {
				if top.seen[s] {
					where := "the top-level object"
					if top.path != "" {
						where = top.path
					}
					return fmt.Errorf("%s has the key %q twice", where, s)
				}
				top.seen[s] = true
				if len(stack) == 1 {
					folded := fold(s)
					if other, ok := top.folded[folded]; ok {
						return fmt.Errorf("the top-level object has the keys %q and %q, which differ only in case: readers disagree on which one counts", other, s)
					}
					if top.folded == nil {
						top.folded = map[string]string{}
					}
					top.folded[folded] = s
				}
				top.key = false
				last = s
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			path := ""
			if top != nil {
				path = last
				if top.path != "" {
					path = top.path + "." + last
				}
				if !top.object {
					path = top.path + "[]"
				}
			}
			stack = append(stack, &frame{object: tok == json.Delim('{'), seen: map[string]bool{}, key: true, path: path})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}

// fold is s as encoding/json compares member names with struct fields:
// case folded, "ſ" as "s" and the Kelvin sign as "k".
func fold(s string) string {
	return strings.Map(func(r rune) rune { return unicode.ToLower(unicode.ToUpper(r)) }, s)
}
