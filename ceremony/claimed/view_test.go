package claimed

import (
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// changeCase is a claimed v1, a v2 made from it, and the claims the
// ceremony accepted and rekeyed.
type changeCase struct {
	prev, next *metadata.TargetsType
	accepted   []claims.Claim
	rekeyed    []rekeyChange
}

// testKey is a deterministic ed25519 key and its ID.
func testKey(t *testing.T, n int) (string, *metadata.Key) {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, fmt.Sprintf("key %d", n))
	k, err := metadata.KeyFromPublicKey(ed25519.NewKeyFromSeed(seed).Public())
	if err != nil {
		t.Fatal(err)
	}
	id, err := k.ID()
	if err != nil {
		t.Fatal(err)
	}
	return id, k
}

// testClaim is project's claim with keys first.. (two keys, threshold 1).
func testClaim(t *testing.T, project string, first int) claims.Claim {
	c := claims.Claim{Project: project, Keys: map[string]*metadata.Key{}, Threshold: 1}
	for n := first; n < first+2; n++ {
		id, k := testKey(t, n)
		c.Keys[id] = k
	}
	return c
}

// delegate adds c's delegation and keys to t.
func delegate(t *metadata.TargetsType, c claims.Claim) {
	for id, k := range c.Keys {
		t.Delegations.Keys[id] = k
	}
	d := claims.Delegation(c)
	t.Delegations.Roles = append(t.Delegations.Roles, d)
}

// copyTargets is a deep copy of t.
func copyTargets(t *testing.T, from *metadata.TargetsType) *metadata.TargetsType {
	t.Helper()
	data, err := json.Marshal(from)
	if err != nil {
		t.Fatal(err)
	}
	var to metadata.TargetsType
	if err := json.Unmarshal(data, &to); err != nil {
		t.Fatal(err)
	}
	return &to
}

// newChangeCase is claimed v1 with projects delegations, and v2 with
// three accepted claims added as a claims ceremony adds them.
func newChangeCase(t *testing.T, projects int) *changeCase {
	prev := metadata.Targets(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)).Signed
	prev.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	for p := range projects {
		delegate(&prev, testClaim(t, fmt.Sprintf("project-%03d", p), 2*p))
	}
	c := &changeCase{prev: &prev, next: copyTargets(t, &prev)}
	c.next.Version++
	for a := range 3 {
		claim := testClaim(t, fmt.Sprintf("new-%d", a), 1000+2*a)
		c.accepted = append(c.accepted, claim)
		delegate(c.next, claim)
	}
	return c
}

// rekey makes project p's delegation in v2 that of a new claim, as a
// rekey does, and drops its old keys unless keep.
func (c *changeCase) rekey(t *testing.T, p int, keep bool) {
	old := c.prev.Delegations.Roles[p]
	claim := testClaim(t, old.Name, 5000+2*p)
	c.rekeyed = append(c.rekeyed, rekeyChange{claim: claim, previousKeyIDs: old.KeyIDs, previousThreshold: old.Threshold})
	d := claims.Delegation(claim)
	c.next.Delegations.Roles[p] = d
	for id, k := range claim.Keys {
		c.next.Delegations.Keys[id] = k
	}
	if !keep {
		for _, id := range old.KeyIDs {
			delete(c.next.Delegations.Keys, id)
		}
	}
}

func fileOf(t *testing.T, signed *metadata.TargetsType) *metafile.File {
	t.Helper()
	data, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	return &metafile.File{Signed: data}
}

// The change check that does not decode claimed's delegations finds the
// same problems as the one that decodes every one (viewref_test.go), in
// every change a claims ceremony may make and many it may not.
func TestClaimedChangeSameAsDecodingEvery(t *testing.T) {
	changes := map[string]func(t *testing.T, c *changeCase){
		"as a ceremony makes it": func(*testing.T, *changeCase) {},
		"no claim asks for it": func(t *testing.T, c *changeCase) {
			delegate(c.next, testClaim(t, "unasked", 3000))
		},
		"an accepted claim not delegated": func(_ *testing.T, c *changeCase) {
			c.next.Delegations.Roles = c.next.Delegations.Roles[:len(c.next.Delegations.Roles)-1]
		},
		"an accepted claim delegated twice": func(_ *testing.T, c *changeCase) {
			c.next.Delegations.Roles = append(c.next.Delegations.Roles, c.next.Delegations.Roles[len(c.next.Delegations.Roles)-1])
		},
		"a trusted project delegated again": func(t *testing.T, c *changeCase) {
			claim := testClaim(t, "project-004", 3000)
			c.accepted = append(c.accepted, claim)
			delegate(c.next, claim)
		},
		"a trusted delegation's threshold": func(_ *testing.T, c *changeCase) {
			c.next.Delegations.Roles[2].Threshold = 2
		},
		"a trusted delegation's keys, unrecorded": func(t *testing.T, c *changeCase) {
			id, k := testKey(t, 3100)
			c.next.Delegations.Keys[id] = k
			c.next.Delegations.Roles[3].KeyIDs = []string{id}
		},
		"a trusted key dropped": func(_ *testing.T, c *changeCase) {
			delete(c.next.Delegations.Keys, c.prev.Delegations.Roles[1].KeyIDs[0])
		},
		"a trusted key changed": func(_ *testing.T, c *changeCase) {
			id := c.prev.Delegations.Roles[5].KeyIDs[1]
			k := *c.next.Delegations.Keys[id]
			k.Scheme = "ed25519-other"
			c.next.Delegations.Keys[id] = &k
		},
		"a key no claim holds": func(t *testing.T, c *changeCase) {
			id, k := testKey(t, 3200)
			c.next.Delegations.Keys[id] = k
		},
		"keys named out of canonical byte order": func(t *testing.T, c *changeCase) {
			_, k := testKey(t, 3300)
			c.next.Delegations.Keys[`a"b`] = k
			c.next.Delegations.Keys[`a#b`] = k
			c.next.Delegations.Keys[`a\b`] = k
		},
		"the version kept": func(_ *testing.T, c *changeCase) { c.next.Version = c.prev.Version },
		"a target added": func(_ *testing.T, c *changeCase) {
			c.next.Targets = map[string]*metadata.TargetFiles{"x": {Length: 1, Hashes: metadata.Hashes{"sha256": make([]byte, 32)}}}
		},
		"a trusted delegation dropped": func(_ *testing.T, c *changeCase) {
			c.next.Delegations.Roles = slices.Delete(c.next.Delegations.Roles, 0, 1)
		},
		"two trusted delegations swapped": func(_ *testing.T, c *changeCase) {
			r := c.next.Delegations.Roles
			r[6], r[7] = r[7], r[6]
		},
		"a rekey": func(t *testing.T, c *changeCase) { c.rekey(t, 8, false) },
		"a rekey keeping the old keys": func(t *testing.T, c *changeCase) {
			c.rekey(t, 8, true)
		},
		"a rekey from other keys than the trusted": func(t *testing.T, c *changeCase) {
			c.rekey(t, 8, false)
			c.rekeyed[0].previousKeyIDs = c.prev.Delegations.Roles[9].KeyIDs
		},
		"a rekey not made": func(t *testing.T, c *changeCase) {
			c.rekey(t, 8, false)
			c.next.Delegations.Roles[8] = c.prev.Delegations.Roles[8]
		},
		"a rekey of a project not delegated": func(t *testing.T, c *changeCase) {
			claim := testClaim(t, "nobody", 3400)
			c.rekeyed = append(c.rekeyed, rekeyChange{claim: claim, previousKeyIDs: []string{"00"}, previousThreshold: 1})
		},
		"a rekey and a key shared with another project kept": func(t *testing.T, c *changeCase) {
			c.rekey(t, 10, false)
			shared := c.prev.Delegations.Roles[10].KeyIDs[0]
			c.next.Delegations.Roles[11].KeyIDs = append(c.next.Delegations.Roles[11].KeyIDs, shared)
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			c := newChangeCase(t, 20)
			change(t, c)
			prev, next := fileOf(t, c.prev), fileOf(t, c.next)
			got := compareClaimed(prev, next, c.accepted, c.rekeyed)
			want := refCompareClaimed(fileOf(t, c.prev), fileOf(t, c.next), c.accepted, c.rekeyed)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("problems:\n%q\nthe check decoding every delegation finds:\n%q", got, want)
			}
			if (name == "as a ceremony makes it" || name == "a rekey") != (len(got) == 0) {
				t.Fatalf("problems %q", got)
			}
		})
	}
}

// editedFile is signed's JSON with its delegations' roles and keys edited
// as plain JSON values: a delegation go-tuf's types cannot hold.
func editedFile(t *testing.T, signed *metadata.TargetsType, edit func(roles []any, keys map[string]any) []any) *metafile.File {
	t.Helper()
	data, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	d := doc["delegations"].(map[string]any)
	d["roles"] = edit(d["roles"].([]any), d["keys"].(map[string]any))
	if data, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	return &metafile.File{Signed: data}
}

// Delegations no claims ceremony writes (a name that is null, a number or
// missing, a role that is not an object, key IDs or a threshold of the
// wrong type) are refused by both checks, wherever they are; a trusted
// delegation whose name is null is the empty name to both.
func TestClaimedChangeSameVerdictOnOddDelegations(t *testing.T) {
	set := func(i int, member string, v any) func([]any, map[string]any) []any {
		return func(roles []any, _ map[string]any) []any {
			if i < 0 {
				i += len(roles)
			}
			roles[i].(map[string]any)[member] = v
			return roles
		}
	}
	drop := func(i int, member string) func([]any, map[string]any) []any {
		return func(roles []any, _ map[string]any) []any {
			delete(roles[i+len(roles)].(map[string]any), member)
			return roles
		}
	}
	none := func(roles []any, _ map[string]any) []any { return roles }
	for _, tc := range []struct {
		name       string
		prev, next func([]any, map[string]any) []any
		accepted   bool
	}{
		{"an added delegation named null", none, set(-1, "name", nil), false},
		{"an added delegation named 7", none, set(-1, "name", 7), false},
		{"an added delegation with no name", none, drop(-1, "name"), false},
		{"an added delegation's key IDs [1]", none, set(-1, "keyids", []any{1}), false},
		{"an added delegation's threshold \"1\"", none, set(-1, "threshold", "1"), false},
		{"an added delegation that is a string", none, func(roles []any, _ map[string]any) []any { return append(roles, "x") }, false},
		{"a trusted delegation added again", none, func(roles []any, _ map[string]any) []any { return append(roles, roles[4]) }, false},
		{"a trusted delegation named null, kept", set(2, "name", nil), set(2, "name", nil), true},
		{"a trusted delegation named null, then null again", set(2, "name", nil), func(roles []any, k map[string]any) []any {
			roles = set(2, "name", nil)(roles, k)
			return append(roles, roles[2])
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChangeCase(t, 8)
			prev, next := editedFile(t, c.prev, tc.prev), editedFile(t, c.next, tc.next)
			got := compareClaimed(prev, next, c.accepted, c.rekeyed)
			want := refCompareClaimed(editedFile(t, c.prev, tc.prev), editedFile(t, c.next, tc.next), c.accepted, c.rekeyed)
			if (len(got) == 0) != tc.accepted || (len(want) == 0) != tc.accepted {
				t.Fatalf("problems %q; the check decoding every delegation finds %q; want them accepted: %v", got, want, tc.accepted)
			}
		})
	}
}
