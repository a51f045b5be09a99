package verify

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// signRaw makes a metadata file whose "signed" is the JSON text given,
// validly signed by the named keys, so that checks past the signatures
// see it.
func (f *fixture) signRaw(signed string, names ...string) []byte {
	f.t.Helper()
	mf, err := metafile.Parse([]byte(`{"signatures": [], "signed": ` + signed + `}`))
	if err != nil {
		f.t.Fatalf("test metadata does not parse: %v", err)
	}
	msg, err := mf.Canonical()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, n := range names {
		sig, err := keys.SignMessage(f.signers[n], msg)
		if err != nil {
			f.t.Fatal(err)
		}
		mf.AddSignature(f.id(n), hex.EncodeToString(sig))
	}
	out, err := mf.Marshal()
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func noInternal(t *testing.T, r *Report) {
	t.Helper()
	for _, f := range r.Findings {
		if f.Check == "internal" {
			t.Fatalf("the verifier panicked: %s", f)
		}
	}
}

// Hostile delegations in a validly signed "unclaimed" role: each is
// refused with a finding, quickly, without a panic.
func TestHostileDelegations(t *testing.T) {
	const head = `{"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": "2027-06-01T12:00:00Z", "targets": {}, `
	f := newFixture(t)
	key := func(name string) string {
		k, err := keys.MarshalKeyJSON(f.key(name))
		if err != nil {
			t.Fatal(err)
		}
		return `"` + f.id(name) + `": ` + string(k)
	}
	online := `"` + f.id("online") + `"`
	cases := []struct {
		name, delegations, check, file, role, want string
	}{
		{"bit_length 64", `{"keys": {` + key("online") + `}, "succinct_roles": {"keyids": [` + online + `], "threshold": 1, "bit_length": 64, "name_prefix": "bins"}}`,
			"parse", "metadata/1.unclaimed.json", "unclaimed", "invalid bit_length: 64"},
		{"bit_length 24", `{"keys": {` + key("online") + `}, "succinct_roles": {"keyids": [` + online + `], "threshold": 1, "bit_length": 24, "name_prefix": "bins"}}`,
			"delegation", "metadata/1.unclaimed.json", "bins-*", "bit_length 24; this verifier takes 1 to 16"},
		{"prefix escapes", `{"keys": {` + key("online") + `}, "succinct_roles": {"keyids": [` + online + `], "threshold": 1, "bit_length": 4, "name_prefix": "../../bins"}}`,
			"rolename", "metadata/1.unclaimed.json", "../../bins-*", "path separator"},
		{"NUL in a name", `{"keys": {` + key("online") + `}, "roles": [{"name": "a\u0000b", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"rolename", "metadata/1.unclaimed.json", "a\x00b", "control character"},
		{"top-level name", `{"keys": {` + key("online") + `}, "roles": [{"name": "snapshot", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"rolename", "metadata/1.unclaimed.json", "snapshot", "top-level role"},
		{"empty name", `{"keys": {` + key("online") + `}, "roles": [{"name": "", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"rolename", "metadata/1.unclaimed.json", "", "empty role name"},
		{"undefined key", `{"keys": {}, "roles": [{"name": "x", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"delegation", "metadata/1.unclaimed.json", "x", "is listed but not defined"},
		{"null key", `{"keys": {` + online + `: null}, "roles": [{"name": "x", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"key", "metadata/1.unclaimed.json", "unclaimed", "is null"},
		{"threshold 0", `{"keys": {` + key("online") + `}, "roles": [{"name": "x", "keyids": [` + online + `], "threshold": 0, "terminating": true, "paths": ["*"]}]}`,
			"delegation", "metadata/1.unclaimed.json", "x", "threshold 0"},
		{"threshold above keys", `{"keys": {` + key("online") + `}, "roles": [{"name": "x", "keyids": [` + online + `], "threshold": 2, "terminating": true, "paths": ["*"]}]}`,
			"delegation", "metadata/1.unclaimed.json", "x", "can never be met"},
		{"twice", `{"keys": {` + key("online") + `}, "roles": [{"name": "x", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}, {"name": "x", "keyids": [` + online + `], "threshold": 1, "terminating": true, "paths": ["*"]}]}`,
			"delegation", "metadata/1.unclaimed.json", "x", "more than once"},
		{"cycle", `{"keys": {` + key("admin") + `}, "roles": [{"name": "claimed", "keyids": ["` + f.id("admin") + `"], "threshold": 1, "terminating": false, "paths": ["*"]}]}`,
			"", "", "", ""},
		{"targets not an object", "", "parse", "metadata/1.unclaimed.json", "unclaimed", "not valid targets metadata"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f.write()
			signed := head + `"delegations": ` + c.delegations + `}`
			if c.delegations == "" {
				signed = `{"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": "2027-06-01T12:00:00Z", "targets": [1, 2]}`
			}
			if err := os.WriteFile(filepath.Join(f.dir, "metadata/1.unclaimed.json"), f.signRaw(signed, "online"), 0o644); err != nil {
				t.Fatal(err)
			}
			r := f.verify()
			noInternal(t, r)
			if c.check == "" {
				// unclaimed delegates claimed again: its signatures are
				// counted against that rule too (admin signed it: met), the
				// bins are no longer delegated by anyone.
				if !r.OK() {
					t.Fatalf("a delegation cycle is an error:\n%s", findingsText(r))
				}
				mustHave(t, r, Warning, "metadata/1.bins-0.json", "unreachable", "no role that was checked delegates it")
				return
			}
			for _, fd := range r.Findings {
				if fd.Severity == Error && fd.File == c.file && fd.Role == c.role && fd.Check == c.check && strings.Contains(fd.Message, c.want) {
					return
				}
			}
			t.Fatalf("want error %s: %q: %s: ...%s...; got:\n%s", c.file, c.role, c.check, c.want, findingsText(r))
		})
	}
}

// Files that are not metadata, in every place the walk reads.
func TestHostileFiles(t *testing.T) {
	deep := strings.Repeat("[", 100000) + strings.Repeat("]", 100000)
	contents := map[string]string{
		"empty":       "",
		"null":        "null",
		"list":        "[]",
		"empty role":  `{"signed": {}, "signatures": []}`,
		"not json":    "\x00\xff garbage",
		"deep":        `{"signed": {"_type": "x", "x": ` + deep + `}, "signatures": []}`,
		"signatures":  `{"signed": {"_type": "targets", "version": 1, "expires": "2030-01-01T00:00:00Z"}, "signatures": {"a": 1}}`,
		"version":     `{"signed": {"_type": "targets", "version": -1, "expires": "2030-01-01T00:00:00Z"}, "signatures": []}`,
		"float":       `{"signed": {"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": "2030-01-01T00:00:00Z", "targets": {}, "x": 1.5}, "signatures": []}`,
		"wrong type":  `{"signed": {"_type": "root", "spec_version": "1.0.31", "version": 1, "expires": "2030-01-01T00:00:00Z"}, "signatures": []}`,
		"bad sig hex": `{"signed": {"_type": "targets", "spec_version": "1.0.31", "version": 1, "expires": "2030-01-01T00:00:00Z", "targets": {}}, "signatures": [{"keyid": "ab", "sig": "zz"}]}`,
	}
	f := newFixture(t)
	f.write()
	files := append([]string(nil), f.written...)
	for _, rel := range files {
		for name, content := range contents {
			p := filepath.Join(f.dir, filepath.FromSlash(rel))
			orig, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			r := f.verify()
			noInternal(t, r)
			named := false
			for _, fd := range r.Errors() {
				named = named || fd.File == rel
			}
			if !named {
				t.Errorf("%s holding %s: no error names it:\n%s", rel, name, findingsText(r))
			}
			if err := os.WriteFile(p, orig, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// A metadata file that is a symbolic link out of metadata/ is not
// followed, even when what it points to would verify.
func TestSymlinkOutOfMetadata(t *testing.T) {
	f := newFixture(t)
	f.write()
	p := filepath.Join(f.dir, "metadata/1.bins-5.json")
	outside := filepath.Join(t.TempDir(), "bins-5.json")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, p); err != nil {
		t.Fatal(err)
	}
	r := f.verify()
	if _, ok := roleState(r, "bins-5"); ok || r.OK() {
		t.Fatalf("bins-5 read through a symbolic link out of metadata/:\n%s", findingsText(r))
	}
	mustHave(t, r, Error, "metadata/1.bins-5.json", "read", "failed to read")
}

func TestNoRepository(t *testing.T) {
	if _, err := Repository(filepath.Join(t.TempDir(), "nothing"), Options{}); err == nil {
		t.Error("a missing directory is not an error")
	}
	if _, err := Repository(t.TempDir(), Options{}); err == nil {
		t.Error("a directory without metadata/ is not an error")
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "metadata"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Repository(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.Findings[0].Check != "missing" {
		t.Errorf("an empty metadata/ verifies:\n%s", findingsText(r))
	}
}
