package ceremony

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Reasons a file read from elsewhere is refused; each refusal wraps one.
var (
	strictErrTooLarge  = errors.New("file is too large")
	strictErrMalformed = errors.New("malformed file")
)

func EncodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("failed to encode: %w", err)
	}
	return b.Bytes(), nil
}

// DecodeStrict decodes data, at most limit bytes, into v: one JSON object,
// no unknown fields, no duplicate keys at any depth, nothing after it.
func DecodeStrict(what string, data []byte, limit int, v any) error {
	if len(data) > limit {
		return fmt.Errorf("%w: %s is %d bytes, over the limit of %d", strictErrTooLarge, what, len(data), limit)
	}
	if err := checkNoDuplicates(data); err != nil {
		return fmt.Errorf("%w: %s: %v", strictErrMalformed, what, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %s: %v", strictErrMalformed, what, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: %s: data after the JSON object", strictErrMalformed, what)
	}
	return nil
}

// checkNoDuplicates refuses a JSON document with a key twice in one object:
// parsers disagree on which one counts.
func checkNoDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		seen   map[string]bool
		key    bool // the next token is a key
	}
	var stack []*frame
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
					return fmt.Errorf("key %q appears twice in one object", s)
				}
				top.seen[s] = true
				top.key = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, seen: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true
		}
	}
}
