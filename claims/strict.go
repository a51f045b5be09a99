package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// decodeStrict decodes data into v: one JSON object, no unknown fields, no
// key twice in one object at any depth, nothing after it. The error names
// the field where it can.
func decodeStrict(data []byte, v any) error {
	if err := checkNoDuplicates(data); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("data after the JSON object")
	}
	return nil
}

// describeJSONError says which field a decoding error is about, in the
// dotted form the rest of the messages use.
func describeJSONError(err error) error {
	switch e := err.(type) {
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Errorf("%s: wrong type: %s where %s is wanted", e.Field, e.Value, e.Type)
		}
		return fmt.Errorf("wrong type: %s where %s is wanted", e.Value, e.Type)
	case *json.SyntaxError:
		return fmt.Errorf("not valid JSON at byte %d: %v", e.Offset, e)
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", name)
	}
	return err
}

// checkNoDuplicates refuses a JSON document with a key twice in one
// object: parsers disagree on which one counts.
func checkNoDuplicates(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		seen   map[string]bool
		key    bool // the next token is a key
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
			return describeJSONError(err)
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
