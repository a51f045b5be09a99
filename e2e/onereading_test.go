package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/internal/testutil/pysslib"
	"github.com/tuf-ceremony/ceremony/internal/testutil/tufjs"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// oneReadingRoot is root metadata with a place for crafted members; its
// signatures are not the point, how the bytes are read is.
const oneReadingRoot = `{"signed":{"_type":"root","spec_version":"1.0.31","version":3,"expires":"2030-01-01T00:00:00Z","consistent_snapshot":true,` +
	`"keys":{` +
	`"1111111111111111111111111111111111111111111111111111111111111111":{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"aa"%[2]s}},` +
	`"2222222222222222222222222222222222222222222222222222222222222222":{"keytype":"ed25519","scheme":"ed25519","keyval":{"public":"bb"}}},` +
	`"roles":{"root":{"keyids":["1111111111111111111111111111111111111111111111111111111111111111"],"threshold":1},` +
	`"targets":{"keyids":["1111111111111111111111111111111111111111111111111111111111111111"],"threshold":1},` +
	`"snapshot":{"keyids":["2222222222222222222222222222222222222222222222222222222222222222"],"threshold":1},` +
	`"timestamp":{"keyids":["2222222222222222222222222222222222222222222222222222222222222222"],"threshold":1}}%[1]s},"signatures":[]}`

// TestOneReadingAgainstTufJS: whatever root this tool reads, tuf-js,
// go-tuf and Python (json and securesystemslib's canonical JSON) read the
// same way (version, each role's threshold and keys, the keys, and for
// Python the very bytes signatures cover); what Go's decoder would read one
// way and exact readers another is refused.
func TestOneReadingAgainstTufJS(t *testing.T) {
	for _, c := range []struct {
		name, top, keyval string
		refused           bool
	}{
		{name: "plain"},
		{name: "unknown fields", top: `,"x-rstuf-online-key-uri":"fn:online","comment":{"Roles":1}`},
		{name: "escaped name", top: `,"\u0063omment":"the name is comment, escaped"`},
		{name: "ROLES twin", top: `,"ROLES":{"root":{"keyids":["2222222222222222222222222222222222222222222222222222222222222222"],"threshold":1}}`, refused: true},
		{name: "VERSION twin", top: `,"VERSION":99`, refused: true},
		{name: "long s", top: `,"keyſ":{}`, refused: true},
		{name: "nested twin", keyval: `,"PUBLIC":"cc"`, refused: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(strings.Replace(oneReadingRoot, "%[1]s", c.top, 1), "%[2]s", c.keyval, 1)
			f, err := metafile.Parse([]byte(doc))
			var ours error
			if err != nil {
				ours = err
			} else if _, ours = f.Root(); ours == nil {
				_, ours = f.Header()
			}
			if c.refused {
				if ours == nil || !strings.Contains(ours.Error(), "read two ways") {
					t.Fatalf("this tool read it: %v, want it refused as read two ways", ours)
				}
				if c.name == "ROLES twin" {
					twoReadings(t, doc)
				}
				return
			}
			if ours != nil {
				t.Fatalf("this tool refused it: %v", ours)
			}
			root, _ := f.Root()
			file := filepath.Join(t.TempDir(), "root.json")
			if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
				t.Fatal(err)
			}
			js, err := tufjs.ReadRoot(t, file)
			if err != nil {
				t.Fatalf("tuf-js refused what this tool reads: %v", err)
			}
			if js.Version != root.Version {
				t.Errorf("version: tuf-js %d, this tool %d", js.Version, root.Version)
			}
			var keys []string
			for id := range root.Keys {
				keys = append(keys, id)
			}
			slices.Sort(keys)
			if !slices.Equal(js.Keys, keys) {
				t.Errorf("keys: tuf-js %v, this tool %v", js.Keys, keys)
			}
			for name, r := range root.Roles {
				ids := slices.Sorted(slices.Values(r.KeyIDs))
				if got := js.Roles[name]; got.Threshold != r.Threshold || !slices.Equal(got.KeyIDs, ids) {
					t.Errorf("%s: tuf-js %+v, this tool threshold %d keys %v", name, got, r.Threshold, ids)
				}
			}
			if len(js.Roles) != len(root.Roles) {
				t.Errorf("roles: tuf-js %d, this tool %d", len(js.Roles), len(root.Roles))
			}
			sameAsPython(t, f, root, file)
			sameAsGoTUF(t, root, doc)
		})
	}
}

// twoReadings shows why the ROLES twin is refused: go-tuf, left to itself,
// takes root's key from "ROLES", tuf-js and Python from "roles".
func twoReadings(t *testing.T, doc string) {
	t.Helper()
	md, err := metadata.Root().FromBytes([]byte(doc))
	if err != nil {
		t.Fatalf("go-tuf: %v", err)
	}
	file := filepath.Join(t.TempDir(), "root.json")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	js, err := tufjs.ReadRoot(t, file)
	if err != nil {
		t.Fatalf("tuf-js: %v", err)
	}
	goKeys, jsKeys := md.Signed.Roles["root"].KeyIDs, js.Roles["root"].KeyIDs
	if slices.Equal(goKeys, jsKeys) {
		t.Errorf("go-tuf and tuf-js read root's keys alike (%v): the twin would be harmless", goKeys)
	}
	py, err := pysslib.ReadRoot(t, file)
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	if !slices.Equal(py.Roles["root"].KeyIDs, jsKeys) {
		t.Errorf("python reads root's keys as %v, tuf-js as %v", py.Roles["root"].KeyIDs, jsKeys)
	}
}

// sameAsPython: Python reads root as this tool does, and canonicalizes
// "signed" to the same bytes.
func sameAsPython(t *testing.T, f *metafile.File, root *metadata.RootType, file string) {
	t.Helper()
	py, err := pysslib.ReadRoot(t, file)
	if err != nil {
		t.Fatalf("python refused what this tool reads: %v", err)
	}
	canonical, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(canonical); py.CanonicalSHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("canonical signed bytes: python %s, this tool %x", py.CanonicalSHA256, sum)
	}
	if py.Version != root.Version || len(py.Roles) != len(root.Roles) || len(py.Keys) != len(root.Keys) {
		t.Errorf("python read v%d, %d roles, %d keys; this tool v%d, %d roles, %d keys", py.Version, len(py.Roles), len(py.Keys), root.Version, len(root.Roles), len(root.Keys))
	}
	for name, r := range root.Roles {
		if got := py.Roles[name]; got.Threshold != r.Threshold || !slices.Equal(got.KeyIDs, slices.Sorted(slices.Values(r.KeyIDs))) {
			t.Errorf("%s: python %+v, this tool threshold %d keys %v", name, got, r.Threshold, r.KeyIDs)
		}
	}
}

// sameAsGoTUF: go-tuf's own decoder reads root as this tool does.
func sameAsGoTUF(t *testing.T, root *metadata.RootType, doc string) {
	t.Helper()
	md, err := metadata.Root().FromBytes([]byte(doc))
	if err != nil {
		t.Fatalf("go-tuf refused what this tool reads: %v", err)
	}
	g := md.Signed
	if g.Version != root.Version || len(g.Roles) != len(root.Roles) || len(g.Keys) != len(root.Keys) {
		t.Errorf("go-tuf read v%d, %d roles, %d keys; this tool v%d, %d roles, %d keys", g.Version, len(g.Roles), len(g.Keys), root.Version, len(root.Roles), len(root.Keys))
	}
	for name, r := range root.Roles {
		if got := g.Roles[name]; got == nil || got.Threshold != r.Threshold || !slices.Equal(got.KeyIDs, r.KeyIDs) {
			t.Errorf("%s: go-tuf %+v, this tool threshold %d keys %v", name, got, r.Threshold, r.KeyIDs)
		}
	}
}
