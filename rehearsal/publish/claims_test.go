package publish_test

import (
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rehearsal/publish"
)

func signedByOnline(t *testing.T, r *publish.Repository, v any) *metafile.File {
	t.Helper()
	f, err := metafile.FromSigned(v)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := f.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := keys.SignMessage(r.Online, msg)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := keys.ID(r.Online.TUFKey())
	f.AddSignature(id, hex.EncodeToString(sig))
	return f
}

func currentTargets(t *testing.T, dir, role string) (*metafile.File, *metadata.TargetsType) {
	t.Helper()
	f, err := publish.CurrentRole(dir, role)
	if err != nil {
		t.Fatal(err)
	}
	tt, err := f.Targets()
	if err != nil {
		t.Fatal(err)
	}
	return f, tt
}

// TestApplyClaimsDropsAcceptedProjects: the projects a claims ceremony
// adds leave recently-claimed, whose next version the online key signs;
// the others stay; claimed's new version is published as given; nothing
// published before is overwritten.
func TestApplyClaimsDropsAcceptedProjects(t *testing.T) {
	r := ceremonyRepo(t, plan.ProfilePEP480, true, nil)
	if err := publish.Write(r); err != nil {
		t.Fatal(err)
	}
	// recently-claimed v2 delegates alpha and beta, each to its own key.
	_, rc := currentTargets(t, r.Dir, plan.RoleRecentlyClaimed)
	rc.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	ids := map[string]string{}
	for _, name := range []string{"alpha", "beta"} {
		s, err := keys.GenerateSoftware("memory:"+name, keys.TypeEd25519)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := keys.ID(s.TUFKey())
		ids[name] = id
		rc.Delegations.Keys[id] = s.TUFKey()
		rc.Delegations.Roles = append(rc.Delegations.Roles, metadata.DelegatedRole{Name: name, KeyIDs: []string{id}, Threshold: 1, Paths: []string{"packages/" + name + "-*"}})
	}
	rc.Version = 2
	if err := (&publish.Update{Dir: r.Dir, Roles: map[string]*metafile.File{plan.RoleRecentlyClaimed: signedByOnline(t, r, rc)}, Online: r.Online, Now: testNow}).Publish(); err != nil {
		t.Fatal(err)
	}
	before := snapshotTree(t, r.Dir)

	_, claimed := currentTargets(t, r.Dir, plan.RoleClaimed)
	claimed.Version = 2
	next, err := metafile.FromSigned(claimed)
	if err != nil {
		t.Fatal(err)
	}
	if err := publish.ApplyClaims(&publish.ClaimsUpdate{Dir: r.Dir, Claimed: next, Accepted: []string{"alpha"}, Online: r.Online, Now: testNow}); err != nil {
		t.Fatal(err)
	}
	f, rc3 := currentTargets(t, r.Dir, plan.RoleRecentlyClaimed)
	var names []string
	for _, d := range rc3.Delegations.Roles {
		names = append(names, d.Name)
	}
	if rc3.Version != 3 || strings.Join(names, ",") != "beta" {
		t.Errorf("recently-claimed v%d delegates %v; want v3 delegating beta only", rc3.Version, names)
	}
	if _, ok := rc3.Delegations.Keys[ids["alpha"]]; ok {
		t.Error("recently-claimed v3 keeps alpha's key, which no role of it uses")
	}
	id, _ := keys.ID(r.Online.TUFKey())
	if i := f.SignatureBy(id); i < 0 {
		t.Error("recently-claimed v3 is not signed by the online key")
	}
	if cf, _ := currentTargets(t, r.Dir, plan.RoleClaimed); cf == nil {
		t.Fatal("no claimed")
	} else if got, want := mustMarshal(t, cf), mustMarshal(t, next); got != want {
		t.Error("the published claimed is not the ceremony's, byte for byte")
	}
	after := snapshotTree(t, r.Dir)
	for name, data := range before {
		if name == filepath.Join("metadata", "timestamp.json") {
			continue
		}
		if string(after[name]) != string(data) {
			t.Errorf("%s was overwritten", name)
		}
	}
}

func mustMarshal(t *testing.T, f *metafile.File) string {
	t.Helper()
	b, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPublishUpdateServesAReleaseAgain: a target file listed again by a
// role's next version, with the same bytes, is left as served. Other bytes
// under the same path are a new file name with consistent snapshots (the
// old one stays as served) and are refused without them, publishing
// nothing of that update.
func TestPublishUpdateServesAReleaseAgain(t *testing.T) {
	for _, consistent := range []bool{true, false} {
		r := ceremonyRepo(t, plan.ProfilePEP480, consistent, nil)
		if err := publish.Write(r); err != nil {
			t.Fatal(err)
		}
		const path = "packages/ab/cd/ef/alpha-1.0.tar.gz"
		data := []byte("alpha 1.0\n")
		publishWith := func(version int64, content []byte) error {
			_, rc := currentTargets(t, r.Dir, plan.RoleRecentlyClaimed)
			tf, err := metadata.TargetFile().FromBytes(path, content, "sha256")
			if err != nil {
				t.Fatal(err)
			}
			rc.Targets = map[string]*metadata.TargetFiles{path: tf}
			rc.Version = version
			return (&publish.Update{Dir: r.Dir, Roles: map[string]*metafile.File{plan.RoleRecentlyClaimed: signedByOnline(t, r, rc)},
				Files: map[string][]byte{path: content}, Online: r.Online, Now: testNow}).Publish()
		}
		if err := publishWith(2, data); err != nil {
			t.Fatal(err)
		}
		if err := publishWith(3, data); err != nil {
			t.Fatalf("consistent %v: listing the same release again: %v", consistent, err)
		}
		before := snapshotTree(t, r.Dir)
		err := publishWith(4, []byte("alpha 1.0, other bytes\n"))
		_, rc := currentTargets(t, r.Dir, plan.RoleRecentlyClaimed)
		switch {
		case consistent && (err != nil || rc.Version != 4):
			t.Errorf("consistent snapshots: other bytes are another file name, yet the update gave %v, recently-claimed v%d", err, rc.Version)
		case !consistent && (err == nil || rc.Version != 3):
			t.Errorf("no consistent snapshots: other bytes under a served name gave %v, recently-claimed v%d; want a refusal and v3", err, rc.Version)
		}
		after := snapshotTree(t, r.Dir)
		for name, data := range before {
			if strings.HasPrefix(name, "targets") && string(after[name]) != string(data) {
				t.Errorf("consistent %v: %s was overwritten", consistent, name)
			}
		}
	}
}
