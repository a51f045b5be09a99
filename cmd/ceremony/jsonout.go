package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/verify"
)

// jsonForms are the forms of the read-only commands' --json output: each
// prints one JSON object whose "schema" member is "ceremony/COMMAND/v1",
// the other members being the type given here as encoding/json writes it.
// schemas/COMMAND.v1.json is that form as a JSON Schema, made from the type
// (jsonout_test.go makes them again and compares, and checks what each
// command prints against its schema). A change that is not only an added
// optional member makes a v2.
var jsonForms = map[string]reflect.Type{
	"status":        reflect.TypeFor[ceremony.Status](),
	"verify":        reflect.TypeFor[verify.Report](),
	"replay":        reflect.TypeFor[ceremony.ReplayReport](),
	"report":        reflect.TypeFor[audit.CeremonyReport](),
	"review":        reflect.TypeFor[ceremony.ReviewReport](),
	"claims-review": reflect.TypeFor[claims.JSONReport](),
	"version":       reflect.TypeFor[versionJSON](),
	"devices":       reflect.TypeFor[devicesJSON](),
	"attestation":   reflect.TypeFor[attestationReport](),
}

// schemaName is the "schema" member of command's --json output.
func schemaName(command string) string { return "ceremony/" + command + "/v1" }

// printJSON prints v, of command's form (jsonForms), as an indented JSON
// object with its "schema" member first.
func printJSON(w io.Writer, command string, v any) error {
	if t := reflect.TypeOf(v); t == nil || (t != jsonForms[command] && (t.Kind() != reflect.Pointer || t.Elem() != jsonForms[command])) {
		return fmt.Errorf("internal error: %s --json prints a %v, its form is %v", command, t, jsonForms[command])
	}
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	name, _ := json.Marshal(schemaName(command))
	var b bytes.Buffer
	b.WriteString(`{"schema":`)
	b.Write(name)
	if len(body) > 2 {
		b.WriteByte(',')
	}
	b.Write(body[1:])
	var out bytes.Buffer
	if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}
