package verify

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestCanonicalAsideBesideTheWalk: a large role's canonical form, made
// aside while its header and members are read (as checkRole reads them),
// is its canonical form. Run with -race, it also holds the two to touching
// nothing in common.
func TestCanonicalAsideBesideTheWalk(t *testing.T) {
	var roles []string
	for i := range 8000 {
		roles = append(roles, fmt.Sprintf(`{"keyids": ["%064x"], "name": "project-%05d", "paths": ["project-%05d/*"], "terminating": true, "threshold": 1}`, i, i, i))
	}
	signed := `{"_type": "targets", "delegations": {"keys": {}, "roles": [` + strings.Join(roles, ", ") +
		`]}, "expires": "2030-01-01T00:00:00Z", "spec_version": "1.0.31", "targets": {}, "version": 3}`
	if len(signed) < asideFrom {
		t.Fatalf("signed is %d bytes, under asideFrom", len(signed))
	}
	f, err := metafile.ParseOwned([]byte(`{"signatures": [], "signed": ` + signed + `}`))
	if err != nil {
		t.Fatal(err)
	}
	wait := canonicalAside(f)
	h, err := f.Header()
	if err != nil || h.Version != 3 {
		t.Fatalf("header beside the canonicalizing: %+v, %v", h, err)
	}
	if members, err := f.Members(); err != nil || len(members) != 6 {
		t.Fatalf("members beside the canonicalizing: %d, %v", len(members), err)
	}
	wait()
	wait() // a second wait returns at once
	got, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	want, err := metafile.Canonicalize([]byte(signed))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the canonical form made aside is not signed's (%v)", err)
	}
}
