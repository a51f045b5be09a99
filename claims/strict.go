package claims

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/tuf-ceremony/ceremony/internal/strictjson"
)

// decodeStrict decodes data into v: one JSON object, no unknown fields, no
// key twice in one object at any depth, nothing after it. The error names
// the field where it can.
func decodeStrict(data []byte, v any) error {
	if err := strictjson.CheckNoDuplicates(data); err != nil {
		return describeJSONError(err)
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
