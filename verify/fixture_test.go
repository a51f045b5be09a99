package verify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// fixture is a small repository built with go-tuf's metadata types and
// signed with software keys:
//
//	root (3 keys, threshold 2) -> timestamp, snapshot, targets
//	targets -> claimed (named), unclaimed (named)
//	claimed -> project-a (named, paths "project-a/*")
//	unclaimed -> bins-0 ... bins-f (succinct, bit_length 4)
//
// Tests change the in-memory metadata, then write it.
type fixture struct {
	t   testing.TB
	dir string
	now time.Time

	signers map[string]keys.Signer
	// roots[i] is root version i+1, signed by rootSigners[i].
	roots       []*metadata.RootType
	rootSigners [][]string
	// roles are the targets roles by name; signersOf who signs each.
	roles     map[string]*metadata.TargetsType
	signersOf map[string][]string
	// targetFiles are the target files written under targets/, by path.
	targetFiles map[string][]byte

	snapshotExpires, timestampExpires time.Time
	editSnapshot                      func(*metadata.SnapshotType)
	editTimestamp                     func(*metadata.TimestampType)
	// omit are roles whose files are not written (they stay in snapshot).
	omit map[string]bool
	// placeholders adds a "sig": "" entry for these signer names to every
	// file they do not sign.
	placeholders []string
	// unversionedRoot writes metadata/root.json, a copy of the last root.
	unversionedRoot bool

	// written are the metadata files written, relative to dir.
	written []string
}

func newFixture(t testing.TB) *fixture {
	return newFixtureBits(t, 4, 1)
}

// newFixtureBits builds the fixture with 2^bits hash bins carrying
// perBin targets each.
func newFixtureBits(t testing.TB, bits, perBin int) *fixture {
	t.Helper()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	year := now.AddDate(1, 0, 0)
	f := &fixture{
		t: t, dir: t.TempDir(), now: now,
		signers:          map[string]keys.Signer{},
		roles:            map[string]*metadata.TargetsType{},
		signersOf:        map[string][]string{},
		targetFiles:      map[string][]byte{},
		snapshotExpires:  year,
		timestampExpires: year,
		omit:             map[string]bool{},
		unversionedRoot:  true,
	}
	for name, typ := range map[string]keys.KeyType{
		"root-a": keys.TypeEd25519, "root-b": keys.TypeECDSAP256, "root-c": keys.TypeECDSAP384,
		"root-d": keys.TypeEd25519, "root-e": keys.TypeEd25519, "root-f": keys.TypeEd25519,
		"timestamp": keys.TypeEd25519, "snapshot": keys.TypeEd25519, "targets": keys.TypeECDSAP256,
		"admin": keys.TypeEd25519, "online": keys.TypeEd25519, "maintainer": keys.TypeECDSAP384,
	} {
		s, err := keys.GenerateSoftware("test:"+name, typ)
		if err != nil {
			t.Fatal(err)
		}
		f.signers[name] = s
	}

	root := metadata.Root(year).Signed
	root.Roles = map[string]*metadata.Role{}
	f.setRootRole(&root, metadata.ROOT, 2, "root-a", "root-b", "root-c")
	f.setRootRole(&root, metadata.TIMESTAMP, 1, "timestamp")
	f.setRootRole(&root, metadata.SNAPSHOT, 1, "snapshot")
	f.setRootRole(&root, metadata.TARGETS, 1, "targets")
	f.roots = []*metadata.RootType{&root}
	f.rootSigners = [][]string{{"root-a", "root-b", "root-c"}}

	targets := metadata.Targets(year).Signed
	targets.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	f.delegate(&targets, "claimed", []string{"claimed/*", "project-*"}, "admin")
	f.delegate(&targets, "unclaimed", []string{"*"}, "online")
	f.roles[metadata.TARGETS] = &targets
	f.signersOf[metadata.TARGETS] = []string{"targets"}

	claimed := metadata.Targets(year).Signed
	claimed.Delegations = &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	f.delegate(&claimed, "project-a", []string{"project-a/*"}, "maintainer")
	f.roles["claimed"] = &claimed
	f.signersOf["claimed"] = []string{"admin"}

	project := metadata.Targets(year).Signed
	f.addTarget(&project, "project-a/project_a-1.0.tar.gz", []byte("project a, version 1.0\n"))
	f.roles["project-a"] = &project
	f.signersOf["project-a"] = []string{"maintainer"}

	unclaimed := metadata.Targets(year).Signed
	online := f.key("online")
	unclaimed.Delegations = &metadata.Delegations{
		Keys: map[string]*metadata.Key{f.id("online"): online},
		SuccinctRoles: &metadata.SuccinctRoles{
			KeyIDs: []string{f.id("online")}, Threshold: 1, BitLength: bits, NamePrefix: "bins",
		},
	}
	f.roles["unclaimed"] = &unclaimed
	f.signersOf["unclaimed"] = []string{"online"}
	bins := map[string]*metadata.TargetsType{}
	for _, name := range unclaimed.Delegations.SuccinctRoles.GetRoles() {
		b := metadata.Targets(year).Signed
		bins[name] = &b
		f.roles[name] = &b
		f.signersOf[name] = []string{"online"}
	}
	// Put targets into the bins they hash to, until each has perBin.
	for i, filled := 0, 0; filled < len(bins)*perBin; i++ {
		p := fmt.Sprintf("packages/%02x/pkg%d-1.0.tar.gz", i%256, i)
		bin := unclaimed.Delegations.SuccinctRoles.GetRolesForTarget(p)[0].Name
		if len(bins[bin].Targets) < perBin {
			f.addTarget(bins[bin], p, []byte(p))
			filled++
		}
	}
	return f
}

func (f *fixture) key(name string) *metadata.Key { return keys.Copy(f.signers[name].TUFKey()) }

func (f *fixture) id(name string) string {
	id, err := keys.ID(f.signers[name].TUFKey())
	if err != nil {
		f.t.Fatal(err)
	}
	return id
}

func (f *fixture) setRootRole(root *metadata.RootType, role string, threshold int, names ...string) {
	r := &metadata.Role{Threshold: threshold, KeyIDs: []string{}}
	for _, n := range names {
		root.Keys[f.id(n)] = f.key(n)
		r.KeyIDs = append(r.KeyIDs, f.id(n))
	}
	root.Roles[role] = r
}

func (f *fixture) delegate(t *metadata.TargetsType, role string, paths []string, names ...string) {
	r := metadata.DelegatedRole{Name: role, Threshold: 1, Paths: paths, KeyIDs: []string{}}
	for _, n := range names {
		t.Delegations.Keys[f.id(n)] = f.key(n)
		r.KeyIDs = append(r.KeyIDs, f.id(n))
	}
	t.Delegations.Roles = append(t.Delegations.Roles, r)
}

func (f *fixture) addTarget(t *metadata.TargetsType, p string, content []byte) {
	sum := sha256.Sum256(content)
	t.Targets[p] = &metadata.TargetFiles{Length: int64(len(content)), Hashes: metadata.Hashes{"sha256": sum[:]}, Path: p}
	f.targetFiles[p] = content
}

// newRoot appends the next root version, a copy of the last one, to be
// signed by signers.
func (f *fixture) newRoot(signers ...string) *metadata.RootType {
	last := f.roots[len(f.roots)-1]
	next := *last
	next.Version = last.Version + 1
	next.Keys = map[string]*metadata.Key{}
	for id, k := range last.Keys {
		next.Keys[id] = k
	}
	next.Roles = map[string]*metadata.Role{}
	for name, r := range last.Roles {
		c := *r
		c.KeyIDs = append([]string(nil), r.KeyIDs...)
		next.Roles[name] = &c
	}
	f.roots = append(f.roots, &next)
	f.rootSigners = append(f.rootSigners, signers)
	return &next
}

// sign makes a metadata file of signed, signed by the named keys.
func (f *fixture) sign(signed any, names []string) []byte {
	f.t.Helper()
	mf, err := metafile.FromSigned(signed)
	if err != nil {
		f.t.Fatal(err)
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
	for _, n := range f.placeholders {
		if mf.SignatureBy(f.id(n)) < 0 {
			mf.Signatures = append(mf.Signatures, metafile.Signature{KeyID: f.id(n), Sig: ""})
		}
	}
	out, err := mf.Marshal()
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

func (f *fixture) put(rel string, data []byte) {
	f.t.Helper()
	p := filepath.Join(f.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		f.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		f.t.Fatal(err)
	}
	if strings.HasPrefix(rel, "metadata/") {
		f.written = append(f.written, rel)
	}
}

// write signs and writes every file: roots, targets roles, snapshot (whose
// meta lists every targets role, with length and hashes for targets and
// claimed), timestamp (with snapshot's length and hashes), and the target
// files under targets/ (hash-prefixed, as consistent snapshots name them).
func (f *fixture) write() {
	f.t.Helper()
	f.written = nil
	last := f.roots[len(f.roots)-1]
	consistent := last.ConsistentSnapshot
	for i, r := range f.roots {
		data := f.sign(r, f.rootSigners[i])
		f.put(fmt.Sprintf("metadata/%d.root.json", r.Version), data)
		if f.unversionedRoot && i == len(f.roots)-1 {
			f.put("metadata/root.json", data)
		}
	}
	names := make([]string, 0, len(f.roles))
	for name := range f.roles {
		names = append(names, name)
	}
	sort.Strings(names)
	snap := metadata.Snapshot(f.snapshotExpires).Signed
	snap.Meta = map[string]*metadata.MetaFiles{}
	for _, name := range names {
		t := f.roles[name]
		data := f.sign(t, f.signersOf[name])
		m := &metadata.MetaFiles{Version: t.Version}
		if name == metadata.TARGETS || name == "claimed" {
			sum := sha256.Sum256(data)
			m.Length, m.Hashes = int64(len(data)), metadata.Hashes{"sha256": sum[:]}
		}
		snap.Meta[name+".json"] = m
		if !f.omit[name] {
			f.put("metadata/"+roleFile(name, t.Version, consistent), data)
		}
	}
	if f.editSnapshot != nil {
		f.editSnapshot(&snap)
	}
	snapData := f.sign(&snap, []string{"snapshot"})
	f.put("metadata/"+roleFile(metadata.SNAPSHOT, snap.Version, consistent), snapData)

	ts := metadata.Timestamp(f.timestampExpires).Signed
	sum := sha256.Sum256(snapData)
	ts.Meta["snapshot.json"] = &metadata.MetaFiles{Version: snap.Version, Length: int64(len(snapData)), Hashes: metadata.Hashes{"sha256": sum[:]}}
	if f.editTimestamp != nil {
		f.editTimestamp(&ts)
	}
	f.put("metadata/timestamp.json", f.sign(&ts, []string{"timestamp"}))

	for p, content := range f.targetFiles {
		name := p
		if consistent {
			s := sha256.Sum256(content)
			dir, base := path.Split(p)
			name = dir + hex.EncodeToString(s[:]) + "." + base
		}
		f.put("targets/"+name, content)
	}
	sort.Strings(f.written)
}

// verify runs Repository as of the fixture's time.
func (f *fixture) verify() *Report {
	f.t.Helper()
	r, err := Repository(f.dir, Options{At: f.now})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}
