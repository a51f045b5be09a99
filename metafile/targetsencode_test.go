package metafile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// slowCanonical is what FromSigned wrote before canonicalTargets: go-tuf's
// MarshalJSON through encoding/json, canonicalized.
func slowCanonical(t *metadata.TargetsType) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(t); err != nil {
		return nil, err
	}
	return Canonicalize(buf.Bytes())
}

// checkSameCanonical fails unless canonicalTargets either leaves t to the
// slow path or writes exactly its bytes; it reports whether it wrote.
func checkSameCanonical(t *testing.T, name string, v *metadata.TargetsType) bool {
	t.Helper()
	got, ok := canonicalTargets(v)
	if !ok {
		return false
	}
	want, err := slowCanonical(v)
	if err != nil {
		t.Fatalf("%s: wrote what the slow path refuses (%v):\n%s", name, err, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: wrote\n%s\nthe slow path writes\n%s", name, got, want)
	}
	return true
}

// encodableTargets is the sample without its float, which canonical JSON
// does not have.
var encodableTargets = strings.Replace(sampleTargets, "2.5", "25", 1)

func TestCanonicalTargetsAsSlowPath(t *testing.T) {
	v, err := goTUFTargets([]byte(encodableTargets))
	if err != nil {
		t.Fatal(err)
	}
	if !checkSameCanonical(t, "sample", v) {
		t.Fatal("left the sample to the slow path")
	}
	// What go-tuf's types hold that no decoded document does.
	v.Delegations.Roles[0].KeyIDs = nil
	v.Delegations.Keys["nil"] = nil
	v.Targets["nil"] = nil
	v.Targets["a/b.tar.gz"].Hashes["empty"] = nil
	v.Delegations.Roles[1].Name = `quote " and \ backslash` + "\n\x01 é"
	v.UnrecognizedFields["_type"] = "overwritten"
	v.UnrecognizedFields["html"] = "<&>"
	// Written in place (no unknown fields): a key, a role with neither
	// paths nor prefixes, one whose key ID must be escaped.
	v.Delegations.Keys["k\"2"] = &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: "c\\d"}}
	v.Delegations.Roles = append(v.Delegations.Roles,
		metadata.DelegatedRole{Name: "s", KeyIDs: []string{"k\"2"}, Threshold: 1},
		metadata.DelegatedRole{Name: "t", KeyIDs: []string{}, Threshold: 0, Terminating: true, PathHashPrefixes: []string{}})
	if !checkSameCanonical(t, "edited", v) {
		t.Fatal("left the edited sample to the slow path")
	}
	// Nothing unknown at the top or in delegations: the whole role is
	// written in one buffer (targetsInPlace), with and without roles and
	// delegations.
	v.UnrecognizedFields, v.Delegations.UnrecognizedFields = nil, nil
	if !checkSameCanonical(t, "in place", v) {
		t.Fatal("left the sample without unknown fields to the slow path")
	}
	v.Delegations.Roles = nil
	if !checkSameCanonical(t, "in place, no roles", v) {
		t.Fatal("left delegations without roles to the slow path")
	}
	v.Delegations, v.Targets = nil, nil
	if !checkSameCanonical(t, "in place, no delegations", v) {
		t.Fatal("left a role without delegations to the slow path")
	}
	for name, edit := range map[string]func(*metadata.TargetsType){
		"invalid UTF-8":  func(v *metadata.TargetsType) { v.Delegations.Roles[0].Name = "a\xffb" },
		"invalid type":   func(v *metadata.TargetsType) { v.Type = "targets\xff" },
		"invalid key ID": func(v *metadata.TargetsType) { v.Delegations.Keys["\xff"] = &metadata.Key{} },
		"both paths":     func(v *metadata.TargetsType) { v.Delegations.Roles[1].Paths = []string{"x"} },
		"a float":        func(v *metadata.TargetsType) { v.UnrecognizedFields["f"] = 1.5 },
		"succinct": func(v *metadata.TargetsType) {
			v.Delegations.Roles = nil
			v.Delegations.SuccinctRoles = &metadata.SuccinctRoles{BitLength: 8}
		},
	} {
		v, _ := goTUFTargets([]byte(encodableTargets))
		edit(v)
		if _, ok := canonicalTargets(v); ok {
			t.Errorf("%s: written; want it left to the slow path", name)
		}
	}
}

func FuzzCanonicalTargets(f *testing.F) {
	f.Add([]byte(encodableTargets))
	f.Add([]byte(`{"_type":"targets","version":1,"expires":"2030-01-01T00:00:00.5Z","targets":{"\u00e9":{"length":1,"hashes":{"sha256":"00"},"custom":{"b":1,"a":[]}}}}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		v, err := goTUFTargets(doc)
		if err != nil {
			return
		}
		checkSameCanonical(t, "fuzz", v)
	})
}
