package claimed

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/internal/benchdata"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestNextCanonicalAsDecodingWhole: for a claims ceremony that only adds
// projects, the next claimed written from the trusted canonical form
// (nextCanonical) is, byte for byte, the one nextClaimed makes from the
// trusted version decoded whole: projects added whose keys are new, shared
// between them, already claimed's, sorting before and after every key
// claimed has; into a claimed with no delegation yet, with members and
// fields no decoder knows, and written as another tool would write it
// (indented, keys in another order). Where it cannot splice (no
// delegations, succinct roles, roles null, a project added twice) it says
// so, and nextClaimed decides.
func TestNextCanonicalAsDecodingWhole(t *testing.T) {
	expires := time.Date(2027, time.June, 1, 0, 0, 0, 0, time.UTC)
	claim := func(project string, threshold int, private ...int) claims.Claim {
		c := claims.Claim{Project: project, Keys: map[string]*metadata.Key{}, Threshold: threshold}
		for _, i := range private {
			k, err := keys.FromPublicKey(benchdata.RequestKey(i).Public())
			if err != nil {
				t.Fatal(err)
			}
			id, err := keys.ID(k)
			if err != nil {
				t.Fatal(err)
			}
			c.Keys[id] = k
		}
		return c
	}
	claimedOf := func(n int) *metadata.TargetsType {
		c, err := benchdata.Claimed(n)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	known, err := benchdata.ProjectClaim(4)
	if err != nil {
		t.Fatal(err)
	}
	known.Project = "uses-project-4s-key"
	added := []claims.Claim{claim("zz-last", 1, 1), claim("aa-first", 2, 2, 3), claim("shares", 1, 3), known, claim("m-middle", 1, 4, 5, 6)}

	// Trusted versions as JSON documents ("signed"), as another tool may
	// write them.
	unknown := `{"_type":"targets","spec_version":"1.0.31","version":7,"expires":"2027-01-01T00:00:00Z","targets":{},"x-top":{"b":1,"a":[2]},` +
		`"delegations":{"x-deleg":true,"keys":{"ffff":{"keytype":"ed25519","keyval":{"public":"00"},"scheme":"ed25519","x-key":1}},` +
		`"roles":[{"name":"p","keyids":["ffff"],"threshold":1,"terminating":true,"paths":["p/*"],"x-role":"r"}]}}`
	indented, err := json.MarshalIndent(claimedOf(12), "", "   ")
	if err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		name   string
		signed []byte
		splice bool
	}{
		{"claimed of 40", encoded(t, claimedOf(40)), true},
		{"indented", indented, true},
		{"none delegated", []byte(`{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2027-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":[]}}`), true},
		{"unknown fields", []byte(unknown), true},
		{"no delegations", []byte(`{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2027-01-01T00:00:00Z","targets":{}}`), false},
		{"roles null", []byte(`{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2027-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":null}}`), false},
		{"succinct", []byte(`{"_type":"targets","spec_version":"1.0.31","version":1,"expires":"2027-01-01T00:00:00Z","targets":{},"delegations":{"keys":{},"roles":[],"succinct_roles":{"bit_length":1,"keyids":[],"name_prefix":"b","threshold":1}}}`), false},
	}
	for _, d := range docs {
		for _, accepted := range [][]claims.Claim{added, added[:1], append(added[:1:1], added[0])} {
			twice := len(accepted) == 2
			trusted, err := metafile.ParseOwned(append(append([]byte(`{"signatures":[],"signed":`), d.signed...), '}'))
			if err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			got, ok, err := nextCanonical(trusted, accepted, 9, expires)
			if err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			if ok != (d.splice && !twice) {
				t.Errorf("%s, %d added: spliced %t, want %t", d.name, len(accepted), ok, d.splice && !twice)
				continue
			}
			if !ok {
				continue
			}
			whole, err := trusted.Targets()
			if err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			next, err := nextClaimed(whole, accepted, nil, 9, expires)
			if err != nil {
				t.Fatalf("%s: %v", d.name, err)
			}
			want, err := metafile.FromSigned(next)
			if err != nil {
				t.Fatal(err)
			}
			gotCanon, _ := got.Canonical()
			wantCanon, _ := want.Canonical()
			if !bytes.Equal(gotCanon, wantCanon) || !bytes.Equal(got.Signed, want.Signed) {
				t.Errorf("%s, %d added: spliced\n%.3000s\ndecoded whole\n%.3000s", d.name, len(accepted), gotCanon, wantCanon)
			}
			if again, err := metafile.Canonicalize(got.Signed); err != nil || !bytes.Equal(again, gotCanon) {
				t.Errorf("%s: the spliced claimed is not canonical: %v", d.name, err)
			}
			// Made in the one buffer made for it, never grown (growing
			// copies claimed's canonical form again).
			trustedCanon, _ := trusted.Canonical()
			roles, keys, err := newDelegations(accepted)
			if err != nil {
				t.Fatal(err)
			}
			if size := spliceSize(trustedCanon, roles, keys); cap(got.Signed) != size {
				t.Errorf("%s, %d added: made in a buffer of %d bytes, not the %d made for it: it grew", d.name, len(accepted), cap(got.Signed), size)
			}
		}
	}
}

func encoded(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
