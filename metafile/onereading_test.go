package metafile

import (
	"fmt"
	"strings"
	"testing"
)

const twinRoot = `{"signed":{"_type":"root","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z","consistent_snapshot":true,` +
	`"keys":{"k1":{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"aa"}}},` +
	`"roles":{"root":{"keyids":["k1"],"threshold":1},"targets":{"keyids":["k1"],"threshold":1},"snapshot":{"keyids":["k1"],"threshold":1},"timestamp":{"keyids":["k1"],"threshold":1}}%s},"signatures":[]}`

// A member that Go's decoder folds onto a TUF field, and exact readers do
// not, is refused wherever TUF has a struct; names that are data (key IDs,
// role names, target paths, hashes, custom) are read the same by all and
// pass.
func TestOneReading(t *testing.T) {
	for _, c := range []struct {
		name, extra, want string
	}{
		{"ROLES twin", `,"ROLES":{"root":{"keyids":["evil"],"threshold":1}}`, `member "ROLES"`},
		{"VERSION twin", `,"VERSION":7`, `member "VERSION"`},
		{"long s", `,"keyſ":{}`, `member "keyſ"`},
		{"escaped", `,"\u0056ersion":7`, `member "Version"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse([]byte(strings.Replace(twinRoot, "%s", c.extra, 1)))
			if err == nil {
				_, err = f.Root()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "read two ways") {
				t.Fatalf("err = %v, want a refusal naming %s", err, c.want)
			}
		})
	}
	for _, c := range []struct{ name, doc string }{
		{"plain root", strings.Replace(twinRoot, "%s", "", 1)},
		{"nested twin in a key", strings.Replace(strings.Replace(twinRoot, "%s", "", 1), `"keyval":{"public":"aa"}`, `"keyval":{"public":"aa","PUBLIC":"bb"}`, 1)},
	} {
		f, err := Parse([]byte(c.doc))
		if err == nil {
			_, err = f.Root()
		}
		if c.name == "plain root" && err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if c.name != "plain root" && (err == nil || !strings.Contains(err.Error(), `signed.keys.k1.keyval has a member "PUBLIC"`)) {
			t.Errorf("%s: %v, want PUBLIC refused at signed.keys.k1.keyval", c.name, err)
		}
	}
	// Data names in maps and custom pass, whatever their case.
	targets := `{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z",` +
		`"targets":{"VERSION":{"length":1,"hashes":{"SHA256":"aa"},"custom":{"Length":2}},"Keys":{"length":1,"hashes":{"sha256":"bb"}}}},"signatures":[]}`
	f, err := Parse([]byte(targets))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Targets(); err != nil {
		t.Errorf("targets named VERSION and Keys, a hash named SHA256, custom Length: %v", err)
	}
}

// TestOneReadingTargets: in a targets role, a member folding onto a TUF
// field is refused at every struct the fast decoder reads (which gives up
// on it and leaves it to the check), not only where go-tuf's decoder would
// have read it.
func TestOneReadingTargets(t *testing.T) {
	const doc = `{"signed":{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2030-01-01T00:00:00Z"%s,` +
		`"targets":{"a":{"length":1,"hashes":{"sha256":"aa"}%s}},` +
		`"delegations":{"keys":{"k1":{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"aa"%s}%s}},` +
		`"roles":[{"name":"p","keyids":["k1"],"threshold":1,"terminating":false,"paths":["a"]%s}]%s}},"signatures":[]}`
	// Where: the signed object, a target's entry, a key's keyval, a key,
	// a delegated role, the delegations. Each struct's own fields folded,
	// and other structs' fields folded (a target entry's "Version", a
	// key's "Threshold", root's "KEYS" at the top): refused alike.
	const top, target, keyval, key, role, delegations = 0, 1, 2, 3, 4, 5
	for _, c := range []struct {
		at   int
		twin string
	}{
		{top, `,"VERSION":2`}, {target, `,"LENGTH":2`}, {keyval, `,"PUBLIC":"bb"`}, {key, `,"KEYTYPE":"rsa"`},
		{role, `,"THRESHOLD":0`}, {delegations, `,"ROLES":[]`},
		{top, `,"KEYS":1`}, {top, `,"Meta":1`}, {target, `,"Version":2`}, {keyval, `,"Name":"x"`},
		{key, `,"Threshold":1`}, {role, `,"Keys":{}`}, {delegations, `,"Meta":1`},
	} {
		args := make([]any, 6)
		for j := range args {
			args[j] = ""
		}
		args[c.at] = c.twin
		f, err := Parse([]byte(fmt.Sprintf(doc, args...)))
		if err == nil {
			_, err = f.Targets()
		}
		if err == nil || !strings.Contains(err.Error(), "read two ways") {
			t.Errorf("twin %s at %d: %v, want it refused as read two ways", c.twin, c.at, err)
		}
	}
	f, err := Parse([]byte(fmt.Sprintf(doc, "", "", "", "", "", "")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Targets(); err != nil {
		t.Errorf("without twins: %v", err)
	}
}
