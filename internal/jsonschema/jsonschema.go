// Package jsonschema writes the JSON Schema of the form encoding/json
// gives a Go type, and checks a decoded JSON value against such a schema.
// The --json output of each read-only command is documented by a schema
// made from the type it prints (schemas/ in the repository), so the
// documentation cannot drift from the code, and the commands' tests check
// what they print against it.
//
// Only what the generator writes is understood by Validate: "type" (one
// type or a list), "properties", "required", "additionalProperties"
// (false or a schema), "items", "const"; "format" and the annotations are
// documentation.
package jsonschema

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// Schema is a JSON Schema document, as decoded JSON.
type Schema = map[string]any

var (
	timeType        = reflect.TypeFor[time.Time]()
	rawType         = reflect.TypeFor[json.RawMessage]()
	marshalerType   = reflect.TypeFor[json.Marshaler]()
	textMarshalType = reflect.TypeFor[encoding.TextMarshaler]()
)

// For is the schema of the JSON encoding/json gives values of type t.
func For(t reflect.Type) Schema {
	return forType(t, map[reflect.Type]bool{})
}

func forType(t reflect.Type, open map[reflect.Type]bool) Schema {
	if t.Kind() == reflect.Pointer {
		// A nil pointer is null, whatever the type pointed to writes.
		return nullable(forType(t.Elem(), open))
	}
	switch {
	case t == timeType:
		return Schema{"type": "string", "format": "date-time"}
	case t == rawType:
		return Schema{}
	case t.Implements(marshalerType) || reflect.PointerTo(t).Implements(marshalerType):
		return Schema{} // its own form
	case t.Implements(textMarshalType) || reflect.PointerTo(t).Implements(textMarshalType):
		return Schema{"type": "string"}
	}
	switch t.Kind() {
	case reflect.Bool:
		return Schema{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return Schema{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return Schema{"type": "number"}
	case reflect.String:
		return Schema{"type": "string"}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return Schema{"type": []any{"string", "null"}, "contentEncoding": "base64"}
		}
		return Schema{"type": []any{"array", "null"}, "items": forType(t.Elem(), open)}
	case reflect.Array:
		return Schema{"type": "array", "items": forType(t.Elem(), open)}
	case reflect.Map:
		return Schema{"type": []any{"object", "null"}, "additionalProperties": forType(t.Elem(), open)}
	case reflect.Struct:
		if open[t] {
			return Schema{} // a type inside itself: not followed again
		}
		open[t] = true
		defer delete(open, t)
		props, required := Schema{}, []any{}
		fields(t, open, props, &required)
		s := Schema{"type": "object", "properties": props, "additionalProperties": false}
		if len(required) > 0 {
			s["required"] = required
		}
		return s
	}
	return Schema{} // an interface: any value
}

// fields adds the JSON members of struct t's fields, embedded structs'
// included, as encoding/json writes them.
func fields(t reflect.Type, open map[reflect.Type]bool, props Schema, required *[]any) {
	fieldsOf(t, open, props, required, true)
}

// fieldsOf is fields; required says whether the members may be required
// (not when the struct is embedded through a pointer, which may be nil).
func fieldsOf(t reflect.Type, open map[reflect.Type]bool, props Schema, required *[]any, mayRequire bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft, viaPointer := f.Type, f.Type.Kind() == reflect.Pointer
			if viaPointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				fieldsOf(ft, open, props, required, mayRequire && !viaPointer)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := forType(f.Type, open)
		if slices.Contains(strings.Split(opts, ","), "string") && quotable(f.Type) {
			s = Schema{"type": "string"}
			if f.Type.Kind() == reflect.Pointer {
				s = nullable(s)
			}
		}
		props[name] = s
		if mayRequire && !slices.Contains(strings.Split(opts, ","), "omitempty") && !slices.Contains(strings.Split(opts, ","), "omitzero") {
			*required = append(*required, name)
		}
	}
}

// quotable says whether encoding/json's ",string" option applies to t: a
// string, number or boolean, or a pointer to one.
func quotable(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return true
	}
	return false
}

func nullable(s Schema) Schema {
	switch t := s["type"].(type) {
	case string:
		s["type"] = []any{t, "null"}
	case []any:
		if !slices.Contains(t, any("null")) {
			s["type"] = append(t, "null")
		}
	}
	return s
}

// Validate checks v, a value as encoding/json decodes it into an any,
// against s. The error names the first place that does not fit, as a
// JSON path ("$.roles[0].version").
func Validate(s Schema, v any) error {
	return validate(s, v, "$")
}

func validate(s Schema, v any, at string) error {
	if c, ok := s["const"]; ok && !reflect.DeepEqual(c, v) {
		return fmt.Errorf("%s: %v, the schema says %v", at, v, c)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, fmt.Sprint(x))
			}
		}
		if got := typeOf(v); !slices.Contains(types, got) && !(got == "integer" && slices.Contains(types, "number")) {
			return fmt.Errorf("%s: a JSON %s, the schema allows %s", at, got, strings.Join(types, " or "))
		}
	}
	switch v := v.(type) {
	case map[string]any:
		return validateObject(s, v, at)
	case []any:
		items, _ := s["items"].(Schema)
		for i, x := range v {
			if items == nil {
				break
			}
			if err := validate(items, x, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func validateObject(s Schema, v map[string]any, at string) error {
	props, _ := s["properties"].(Schema)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if _, ok := v[fmt.Sprint(r)]; !ok {
				return fmt.Errorf("%s: no member %q, which the schema requires", at, r)
			}
		}
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		where := at + "." + k
		if p, ok := props[k].(Schema); ok {
			if err := validate(p, v[k], where); err != nil {
				return err
			}
			continue
		}
		switch extra := s["additionalProperties"].(type) {
		case bool:
			if !extra {
				return fmt.Errorf("%s: a member the schema does not have", where)
			}
		case Schema:
			if err := validate(extra, v[k], where); err != nil {
				return err
			}
		}
	}
	return nil
}

// typeOf is the JSON type of a decoded value.
func typeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if v == float64(int64(v)) {
			return "integer"
		}
		return "number"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}
