package ceremony

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
)

// TestTargetsReviewOfAsDecodingWhole: the review of a targets role against
// its trusted version made from their canonical forms (targetsReviewOf)
// is the review of the two decoded whole (targetsReview), for a claims
// ceremony's additions, a rekey that drops a key, a key changed under its
// ID while the delegations listing it are not, delegations removed,
// changed and named twice, targets added; and where the canonical forms
// cannot be taken apart (no delegations, succinct hash bins, a name with
// an escape) it decodes whole.
func TestTargetsReviewOfAsDecodingWhole(t *testing.T) {
	key := func(i int) *metadata.Key {
		return &metadata.Key{Type: "ed25519", Scheme: "ed25519", Value: metadata.KeyVal{PublicKey: fmt.Sprintf("%064x", i)}}
	}
	id := func(i int) string { return fmt.Sprintf("%064x", 1000+i) }
	role := func(name string, keys ...int) metadata.DelegatedRole {
		r := metadata.DelegatedRole{Name: name, Threshold: 1, Terminating: true, Paths: []string{name + "/*"}}
		for _, k := range keys {
			r.KeyIDs = append(r.KeyIDs, id(k))
		}
		return r
	}
	base := func() *metadata.TargetsType {
		d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
		for i := 0; i < 12; i++ {
			d.Roles = append(d.Roles, role(fmt.Sprintf("p%02d", i), i, 20+i%3))
			d.Keys[id(i)], d.Keys[id(20+i%3)] = key(i), key(20+i%3)
		}
		return &metadata.TargetsType{Type: "targets", SpecVersion: "1.0.31", Version: 4, Expires: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC),
			Targets: map[string]*metadata.TargetFiles{}, Delegations: d}
	}
	type pair struct {
		name      string
		change    func(next, trusted *metadata.TargetsType)
		canonical bool
	}
	pairs := []pair{
		{"nothing but the version", func(n, _ *metadata.TargetsType) { n.Version++ }, true},
		{"projects added", func(n, _ *metadata.TargetsType) {
			d := n.Delegations
			d.Roles = append(d.Roles, role("z-new", 40), role("a-new", 41, 20), role("m-new", 40))
			d.Keys[id(40)], d.Keys[id(41)] = key(40), key(41)
		}, true},
		{"rekey dropping a key", func(n, _ *metadata.TargetsType) {
			d := n.Delegations
			d.Roles[5] = role("p05", 50)
			d.Keys[id(50)] = key(50)
			delete(d.Keys, id(5))
		}, true},
		{"key changed under its ID", func(n, _ *metadata.TargetsType) { n.Delegations.Keys[id(21)] = key(99) }, true},
		{"removed, changed, named twice", func(n, tr *metadata.TargetsType) {
			d := n.Delegations
			d.Roles = append(d.Roles[:7], d.Roles[8:]...)
			d.Roles[2].Paths = []string{"other/*"}
			d.Roles = append(d.Roles, role("p01", 3))
			tr.Delegations.Roles = append(tr.Delegations.Roles, role("p04", 6))
		}, true},
		{"targets added", func(n, _ *metadata.TargetsType) {
			n.Targets["f/a.tar.gz"] = &metadata.TargetFiles{Length: 3, Hashes: metadata.Hashes{"sha256": make([]byte, 32)}}
		}, true},
		{"none delegated now", func(n, _ *metadata.TargetsType) { n.Delegations = nil }, false},
		{"succinct", func(n, tr *metadata.TargetsType) {
			tr.Delegations.SuccinctRoles = &metadata.SuccinctRoles{KeyIDs: []string{id(1)}, Threshold: 1, BitLength: 2, NamePrefix: "bin"}
			tr.Delegations.Roles = nil
		}, false},
		{"name with an escape", func(n, tr *metadata.TargetsType) {
			n.Delegations.Roles[3].Name, tr.Delegations.Roles[3].Name = `p"03`, `p"03`
		}, false},
	}
	file := func(t *testing.T, v *metadata.TargetsType) *metafile.File {
		f, err := metafile.FromSigned(v)
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := metafile.ParseOwned(data)
		if err != nil {
			t.Fatal(err)
		}
		return parsed
	}
	for _, p := range pairs {
		next, trusted := base(), base()
		p.change(next, trusted)
		nf, tf := file(t, next), file(t, trusted)
		rv := &reviewer{}
		if _, ok := rv.targetsReviewCanonical(nf, tf); ok != p.canonical {
			t.Errorf("%s: reviewed from the canonical forms: %t, want %t", p.name, ok, p.canonical)
		}
		got, err := rv.targetsReviewOf(nf, tf, "next.json", "claimed")
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		nd, err := nf.Targets()
		if err != nil {
			t.Fatal(err)
		}
		td, err := tf.Targets()
		if err != nil {
			t.Fatal(err)
		}
		want := rv.targetsReview(nd, td)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: from the canonical forms\n%+v\ndecoded whole\n%+v", p.name, got, want)
		}
		if p.name == "projects added" && (len(got.Delegations) != 3 || got.DelegationsUnchanged != 12) {
			t.Errorf("%s: %d delegations shown, %d unchanged; want the 3 added, 12 unchanged", p.name, len(got.Delegations), got.DelegationsUnchanged)
		}
	}
}
