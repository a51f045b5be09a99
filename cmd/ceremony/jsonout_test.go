package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/tuf-ceremony/ceremony/internal/jsonschema"
)

// schemaDir holds the JSON Schema of each read-only command's --json form.
const schemaDir = "../../schemas"

// schemaDocument is the JSON Schema of command's --json form, made from its
// type (jsonForms) with the "schema" member that names it.
func schemaDocument(command string) ([]byte, error) {
	t, ok := jsonForms[command]
	if !ok {
		return nil, fmt.Errorf("no --json form for %q", command)
	}
	s := jsonschema.For(t)
	props := s["properties"].(jsonschema.Schema)
	props["schema"] = jsonschema.Schema{"const": schemaName(command), "description": "names this form; a change that is not only an added optional member makes a new version"}
	req, _ := s["required"].([]any)
	s["required"] = append([]any{"schema"}, req...)
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = schemaName(command)
	s["title"] = fmt.Sprintf("ceremony %s --json", command)
	b, err := json.MarshalIndent(s, "", "  ")
	return append(b, '\n'), err
}

// The committed schemas are what the types give: the documentation cannot
// drift from the code. CEREMONY_UPDATE_SCHEMAS=1 writes them again.
func TestJSONSchemasCurrent(t *testing.T) {
	var names []string
	for command := range jsonForms {
		names = append(names, command+".v1.json")
		want, err := schemaDocument(command)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(schemaDir, command+".v1.json")
		if os.Getenv("CEREMONY_UPDATE_SCHEMAS") == "1" {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not the schema of %s --json's type (%v): run CEREMONY_UPDATE_SCHEMAS=1 go test -run TestJSONSchemasCurrent ./cmd/ceremony, and make a v2 unless only an optional member was added", path, command, err)
		}
	}
	entries, err := os.ReadDir(schemaDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".json" && !slices.Contains(names, e.Name()) {
			t.Errorf("%s/%s is the schema of no command's --json", schemaDir, e.Name())
		}
	}
}

// fitsSchema is the scripts' command 'fitsschema COMMAND FILE': FILE, a
// command's --json output, names COMMAND's form and fits its schema.
func fitsSchema(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: fitsschema COMMAND FILE")
	}
	err := fitsSchemaFile(args[0], []byte(ts.ReadFile(args[1])))
	switch {
	case neg && err == nil:
		ts.Fatalf("%s fits the schema of %s", args[1], args[0])
	case !neg && err != nil:
		ts.Fatalf("%s does not fit the schema of %s: %v", args[1], args[0], err)
	}
}

// fitsSchemaFile checks out, command's --json output, against
// schemas/COMMAND.v1.json.
func fitsSchemaFile(command string, out []byte) error {
	doc, err := os.ReadFile(filepath.Join(schemaDir, command+".v1.json"))
	if err != nil {
		return err
	}
	var schema jsonschema.Schema
	if err := json.Unmarshal(doc, &schema); err != nil {
		return fmt.Errorf("%s: %w", command, err)
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		return fmt.Errorf("%s --json printed no JSON: %w", command, err)
	}
	return jsonschema.Validate(schema, v)
}

// The validator refuses what does not fit: a member the form lacks, one it
// requires missing, a wrong type, another form's name.
func TestFitsSchemaRefuses(t *testing.T) {
	doc, err := schemaDocument("version")
	if err != nil {
		t.Fatal(err)
	}
	var schema jsonschema.Schema
	if err := json.Unmarshal(doc, &schema); err != nil {
		t.Fatal(err)
	}
	good := func() map[string]any {
		return map[string]any{"schema": "ceremony/version/v1", "version": "v1", "commit": "c", "modified": false, "go": "go1.26",
			"build": "full", "binary": "/b", "sha256": "00", "pgp_words": "aardvark", "modules": []any{map[string]any{"path": "p", "version": "v1"}},
			"build_settings": []any{map[string]any{"key": "GOOS", "value": "linux"}}}
	}
	if err := jsonschema.Validate(schema, good()); err != nil {
		t.Fatalf("a good value: %v", err)
	}
	for name, change := range map[string]func(map[string]any){
		"extra member":   func(m map[string]any) { m["extra"] = 1 },
		"missing member": func(m map[string]any) { delete(m, "sha256") },
		"wrong type":     func(m map[string]any) { m["modified"] = "no" },
		"other form":     func(m map[string]any) { m["schema"] = "ceremony/status/v1" },
		"module extra":   func(m map[string]any) { m["modules"] = []any{map[string]any{"path": "p", "version": "v1", "x": 1}} },
	} {
		v := good()
		change(v)
		if err := jsonschema.Validate(schema, v); err == nil {
			t.Errorf("%s: fits", name)
		}
	}
}
