package metafile

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// narrowedRef is the reference for TargetsDelegating: the whole role
// decoded (Targets), then its delegations cut down to those named role and
// the keys they list (narrowDecoded, what TargetsDelegating itself does
// with a document it cannot narrow in one walk).
func narrowedRef(f *File, role string) (*metadata.TargetsType, error) {
	t, err := f.Targets()
	if err != nil {
		return nil, err
	}
	narrowDecoded(t, map[string]bool{role: true})
	return t, nil
}

// listedRef is the reference for TargetsDelegatingTo with list: the whole
// role decoded, every delegation's name and key IDs taken from it, then
// its delegations cut down to those named in roles.
func listedRef(f *File, roles map[string]bool) (*metadata.TargetsType, []Listed, error) {
	t, err := f.Targets()
	if err != nil {
		return nil, nil, err
	}
	var listed []Listed
	if t.Delegations != nil {
		for _, r := range t.Delegations.Roles {
			listed = append(listed, Listed{Name: r.Name, KeyIDs: r.KeyIDs})
		}
	}
	narrowDecoded(t, roles)
	return t, listed, nil
}

// delegatingDoc is a targets role delegating to roles (each a JSON object
// as written) with keys (a JSON object as written).
func delegatingDoc(keys string, roles ...string) string {
	return `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},` +
		`"delegations":{"keys":` + keys + `,"roles":[` + strings.Join(roles, ",") + `]},"x-top":1}`
}

func role(name string, keyIDs ...string) string {
	return fmt.Sprintf(`{"keyids":["%s"],"name":%s,"paths":["p/%s/*"],"terminating":true,"threshold":1}`, strings.Join(keyIDs, `","`), name, strings.Trim(name, `"`))
}

const twoKeys = `{"k1":{"keytype":"ed25519","keyval":{"public":"aa"},"scheme":"ed25519"},` +
	`"k2":{"keytype":"ed25519","keyval":{"public":"bb"},"scheme":"ed25519","x":true},` +
	`"k3":{"keytype":"ed25519","keyval":{"public":"cc"},"scheme":"ed25519"}}`

// TestTargetsDelegatingAsDecodingWhole: on documents Targets decodes,
// TargetsDelegating gives what Targets gives with the delegations cut
// down to role's, for the role present, absent, delegated twice, named
// with escapes, sharing keys with others, with keys listed by escaped
// IDs, without roles or keys, with succinct roles, and with delegations
// null; and Targets' error where the delegation to role is malformed.
func TestTargetsDelegatingAsDecodingWhole(t *testing.T) {
	type doc struct{ name, signed, role string }
	docs := []doc{
		{"present", delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2", "k1"), role(`"c"`, "k3")), "b"},
		{"first", delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2")), "a"},
		{"last", delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2")), "b"},
		{"absent", delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2")), "zz"},
		{"twice", delegatingDoc(twoKeys, role(`"b"`, "k1"), role(`"a"`, "k3"), role(`"b"`, "k2")), "b"},
		{"escaped name", delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"\u0062"`, "k2")), "b"},
		{"escaped key ID", delegatingDoc(`{"k\u0031":{"keytype":"ed25519","keyval":{"public":"aa"},"scheme":"ed25519"},"k2":{"keytype":"ed25519","keyval":{"public":"bb"},"scheme":"ed25519"}}`, role(`"a"`, "k1"), role(`"b"`, "k2")), "a"},
		{"key not defined", delegatingDoc(twoKeys, role(`"a"`, "k9")), "a"},
		{"no keys", delegatingDoc(`{}`, role(`"a"`)), "a"},
		{"no roles", delegatingDoc(twoKeys), "a"},
		{"null delegations", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":null}`, "a"},
		{"no delegations", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{"f":{"length":1,"hashes":{"sha256":"00"}}}}`, "a"},
		{"succinct", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":` + twoKeys +
			`,"succinct_roles":{"bit_length":2,"keyids":["k1"],"name_prefix":"bin","threshold":1}}}`, "bin-0"},
		{"unknown members", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":` + twoKeys +
			`,"roles":[` + role(`"a"`, "k1") + `],"z":[1,2]},"w":{"v":null}}`, "a"},
		{"indented", "{\n  \"_type\": \"targets\",\n  \"delegations\": {\n    \"keys\": " + twoKeys + ",\n    \"roles\": [\n      " + role(`"a"`, "k2") + " ,\n " + role(`"b"`, "k1") + "\n    ]\n  },\n  \"expires\": \"2030-01-02T03:04:05Z\",\n  \"spec_version\": \"1.0.31\",\n  \"targets\": {},\n  \"version\": 3\n}", "a"},
		{"named twice", delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"b","paths":[],"terminating":true,"threshold":1,"name":"a"}`, role(`"c"`, "k2")), "b"},
		{"named twice, last", delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"b","paths":[],"terminating":true,"threshold":1,"name":"a"}`, role(`"c"`, "k2")), "a"},
		{"keyids twice", delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"b","paths":[],"terminating":true,"threshold":1,"keyids":["k2"]}`), "b"},
		{"roles twice", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":` + twoKeys +
			`,"roles":[` + role(`"b"`, "k1") + `],"roles":[` + role(`"b"`, "k2") + `]}}`, "b"},
		{"keys twice", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":{},"roles":[` + role(`"b"`, "k1") + `],"keys":` + twoKeys + `}}`, "b"},
		{"key defined twice", delegatingDoc(`{"k1":{"keytype":"ed25519","keyval":{"public":"aa"},"scheme":"ed25519"},"k1":{"keytype":"ed25519","keyval":{"public":"bb"},"scheme":"ed25519"}}`, role(`"b"`, "k1")), "b"},
		{"delegations twice", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":` + twoKeys +
			`,"roles":[` + role(`"b"`, "k1") + `]},"delegations":{"keys":` + twoKeys + `,"roles":[` + role(`"b"`, "k2") + `]}}`, "b"},
		// The delegation to role is malformed: the error is Targets'.
		{"bad threshold", delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"a","paths":[],"terminating":true,"threshold":"one"}`), "a"},
		{"bad keyids", delegatingDoc(twoKeys, `{"keyids":"k1","name":"a","paths":[],"terminating":true,"threshold":1}`), "a"},
		{"bad key", delegatingDoc(`{"k1":{"keytype":7,"keyval":{"public":"aa"},"scheme":"ed25519"}}`, role(`"a"`, "k1")), "a"},
		{"bad roles", `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":{},"roles":{"a":1}}}`, "a"},
		{"not targets", `{"_type":"root","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z"}`, "a"},
	}
	decidingTwice := map[string]bool{"named twice": true, "named twice, last": true, "keyids twice": true, "roles twice": true, "keys twice": true, "delegations twice": true}
	for _, d := range docs {
		f, err := Parse([]byte(`{"signatures":[],"signed":` + d.signed + `}`))
		if err != nil {
			t.Fatalf("%s: %v", d.name, err)
		}
		// One written with escapes, or with a member that decides what is
		// kept there twice, is decoded whole, then narrowed.
		whole := strings.Contains(d.signed, `\`) || decidingTwice[d.name]
		if _, walked := (&narrowing{keep: map[string]bool{d.role: true}}).delegations(f.Signed); walked == whole {
			t.Errorf("%s: narrowed in one walk: %t", d.name, walked)
		}
		want, wantErr := narrowedRef(f, d.role)
		got, err := f.TargetsDelegating(d.role)
		switch {
		case wantErr != nil || err != nil:
			if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
				t.Errorf("%s: TargetsDelegating(%q): %v; decoding the whole: %v", d.name, d.role, err, wantErr)
			}
		case !reflect.DeepEqual(got, want):
			t.Errorf("%s: TargetsDelegating(%q) gives\n%#v\nwant\n%#v", d.name, d.role, got.Delegations, want.Delegations)
		}
	}
}

// TestTargetsDelegatingPassesOverOthers: a delegation to another role that
// Targets refuses is not decoded, so the role's own still is.
func TestTargetsDelegatingPassesOverOthers(t *testing.T) {
	signed := delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"a","paths":[],"terminating":true,"threshold":"one"}`, role(`"b"`, "k2"))
	f, err := Parse([]byte(`{"signatures":[],"signed":` + signed + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Targets(); err == nil {
		t.Fatal("Targets decodes a threshold that is a string")
	}
	got, err := f.TargetsDelegating("b")
	if err != nil {
		t.Fatalf("TargetsDelegating(b): %v", err)
	}
	if d := got.Delegations; len(d.Roles) != 1 || d.Roles[0].Name != "b" || len(d.Keys) != 1 || d.Keys["k2"] == nil {
		t.Errorf("TargetsDelegating(b) delegates %+v with keys %v; want b alone, with k2", d.Roles, d.Keys)
	}
}

// FuzzTargetsDelegating: on any "signed" that Targets decodes,
// TargetsDelegating gives what Targets gives, narrowed.
func FuzzTargetsDelegating(f *testing.F) {
	f.Add([]byte(delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2", "k1"))), "b")
	f.Add([]byte(delegatingDoc(twoKeys, `{"keyids":["k1"],"name":"b","paths":[],"terminating":true,"threshold":1,"name":"a"}`)), "a")
	f.Add([]byte(`{"_type":"targets","spec_version":"1","version":1,"expires":"2030-01-02T03:04:05Z","delegations":{"keys":{},"roles":[{"name":"\u0061","keyids":[],"threshold":1,"terminating":false}]}}`), "a")
	f.Fuzz(func(t *testing.T, signed []byte, name string) {
		file, err := Parse(append(append([]byte(`{"signatures":[],"signed":`), signed...), '}'))
		if err != nil {
			return
		}
		want, err := narrowedRef(file, name)
		if err != nil {
			return
		}
		got, err := file.TargetsDelegating(name)
		if err != nil {
			t.Fatalf("TargetsDelegating(%q) of %q: %v; Targets decodes it", name, signed, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("TargetsDelegating(%q) of %q gives\n%#v\nwant\n%#v", name, signed, got.Delegations, want.Delegations)
		}
	})
}

// TestTargetsDelegatingToListsAsDecodingWhole: listing, on documents
// Targets decodes, TargetsDelegatingTo gives every delegation's name and
// key IDs as Targets decodes them, and the delegations to the roles kept
// (none, one, several, one absent) as Targets gives them, cut down; where
// the walk cannot read a delegation as Targets would (no object, no name,
// key IDs no list), it decodes the whole and says what Targets says.
func TestTargetsDelegatingToListsAsDecodingWhole(t *testing.T) {
	docs := map[string]string{
		"three":          delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2", "k1"), role(`"c"`, "k3")),
		"escaped name":   delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"\u0062"`, "k2")),
		"escaped key ID": delegatingDoc(twoKeys, role(`"a"`, "k1"), `{"keyids":["k\u0032"],"name":"b","paths":[],"terminating":true,"threshold":1}`),
		"no keyids":      delegatingDoc(twoKeys, `{"name":"a","paths":[],"terminating":true,"threshold":1}`, role(`"b"`, "k2")),
		"null keyids":    delegatingDoc(twoKeys, `{"keyids":null,"name":"a","paths":[],"terminating":true,"threshold":1}`, role(`"b"`, "k2")),
		"no name":        delegatingDoc(twoKeys, `{"keyids":["k1"],"paths":[],"terminating":true,"threshold":1}`, role(`"b"`, "k2")),
		"null role":      delegatingDoc(twoKeys, role(`"a"`, "k1"), `null`),
		"number role":    delegatingDoc(twoKeys, role(`"a"`, "k1"), `7`),
		"keyids string":  delegatingDoc(twoKeys, role(`"a"`, "k1"), `{"keyids":"k2","name":"b","paths":[],"terminating":true,"threshold":1}`),
		"keyids numbers": delegatingDoc(twoKeys, role(`"a"`, "k1"), `{"keyids":[1],"name":"b","paths":[],"terminating":true,"threshold":1}`),
		"roles null":     `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":{},"roles":null}}`,
		"roles object":   `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{},"delegations":{"keys":{},"roles":{"a":1}}}`,
		"no delegations": `{"_type":"targets","spec_version":"1.0.31","version":3,"expires":"2030-01-02T03:04:05Z","targets":{}}`,
		"twice":          delegatingDoc(twoKeys, role(`"b"`, "k1"), role(`"a"`, "k3"), role(`"b"`, "k2")),
	}
	keeps := []map[string]bool{{}, {"a": true}, {"b": true}, {"a": true, "b": true, "zz": true}}
	for name, signed := range docs {
		f, err := Parse([]byte(`{"signatures":[],"signed":` + signed + `}`))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, keep := range keeps {
			want, wantListed, wantErr := listedRef(f, keep)
			got, listed, err := f.TargetsDelegatingTo(keep, true)
			switch {
			case wantErr != nil || err != nil:
				if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
					t.Errorf("%s, keeping %v: %v; decoding the whole: %v", name, keep, err, wantErr)
				}
			case !reflect.DeepEqual(got, want):
				t.Errorf("%s, keeping %v: gives\n%#v\nwant\n%#v", name, keep, got.Delegations, want.Delegations)
			case !reflect.DeepEqual(listed, wantListed):
				t.Errorf("%s, keeping %v: lists %q, want %q", name, keep, listed, wantListed)
			}
		}
	}
}

// FuzzTargetsDelegatingTo: on any "signed" that Targets decodes,
// TargetsDelegatingTo with list gives what Targets gives, listed and
// narrowed.
func FuzzTargetsDelegatingTo(f *testing.F) {
	f.Add([]byte(delegatingDoc(twoKeys, role(`"a"`, "k1"), role(`"b"`, "k2", "k1"))), "b", "c")
	f.Add([]byte(delegatingDoc(twoKeys, `{"keyids":["k1"],"paths":[],"terminating":true,"threshold":1}`, `null`)), "", "a")
	f.Fuzz(func(t *testing.T, signed []byte, name1, name2 string) {
		file, err := Parse(append(append([]byte(`{"signatures":[],"signed":`), signed...), '}'))
		if err != nil {
			return
		}
		keep := map[string]bool{name1: true, name2: true}
		want, wantListed, err := listedRef(file, keep)
		if err != nil {
			return
		}
		got, listed, err := file.TargetsDelegatingTo(keep, true)
		if err != nil {
			t.Fatalf("TargetsDelegatingTo(%v) of %q: %v; Targets decodes it", keep, signed, err)
		}
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(listed, wantListed) {
			t.Fatalf("TargetsDelegatingTo(%v) of %q gives\n%#v %q\nwant\n%#v %q", keep, signed, got.Delegations, listed, want.Delegations, wantListed)
		}
	})
}
