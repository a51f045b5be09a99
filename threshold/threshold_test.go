package threshold

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/secure-systems-lab/go-securesystemslib/cjson"
	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

const testdata = "../testdata"

// testKey is a key with its private half, signing with the standard
// library directly (not through keys.SignMessage) so that the counting is
// checked against independently made signatures.
type testKey struct {
	priv any
	tuf  *metadata.Key
	id   string
}

func newKey(t *testing.T, kind string) testKey {
	t.Helper()
	var priv any
	var pub any
	switch kind {
	case "ed25519":
		p, s, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = s, p
	case "p256", "p384":
		c := elliptic.P256()
		if kind == "p384" {
			c = elliptic.P384()
		}
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv, pub = k, &k.PublicKey
	default:
		t.Fatalf("kind %q", kind)
	}
	tk, err := keys.FromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	id, err := keys.ID(tk)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv: priv, tuf: tk, id: id}
}

func (k testKey) sign(t *testing.T, msg []byte) string {
	t.Helper()
	switch p := k.priv.(type) {
	case ed25519.PrivateKey:
		return hex.EncodeToString(ed25519.Sign(p, msg))
	case *ecdsa.PrivateKey:
		var digest []byte
		if p.Curve == elliptic.P384() {
			d := sha512.Sum384(msg)
			digest = d[:]
		} else {
			d := sha256.Sum256(msg)
			digest = d[:]
		}
		sig, err := ecdsa.SignASN1(rand.Reader, p, digest)
		if err != nil {
			t.Fatal(err)
		}
		return hex.EncodeToString(sig)
	}
	t.Fatalf("private key %T", k.priv)
	return ""
}

func expiry() time.Time { return time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC) }

// makeRoot makes a root of the given version whose root role lists
// rootKeys with threshold, and whose targets role lists targetsKeys.
func makeRoot(version int64, threshold int, rootKeys []testKey, targetsKeys ...testKey) *metadata.RootType {
	r := metadata.Root(expiry()).Signed
	r.Version = version
	for _, k := range rootKeys {
		r.Keys[k.id] = k.tuf
		r.Roles[metadata.ROOT].KeyIDs = append(r.Roles[metadata.ROOT].KeyIDs, k.id)
	}
	r.Roles[metadata.ROOT].Threshold = threshold
	for _, k := range targetsKeys {
		r.Keys[k.id] = k.tuf
		r.Roles[metadata.TARGETS].KeyIDs = append(r.Roles[metadata.TARGETS].KeyIDs, k.id)
	}
	return &r
}

// canonicalOf is the canonical JSON of v, computed with
// go-securesystemslib, not with metafile.
func canonicalOf(t *testing.T, v any) []byte {
	t.Helper()
	c, err := cjson.EncodeCanonical(v)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func fileOf(t *testing.T, v any, sigs ...metafile.Signature) *metafile.File {
	t.Helper()
	f, err := metafile.FromSigned(v)
	if err != nil {
		t.Fatal(err)
	}
	f.Signatures = sigs
	return f
}

func sig(id, s string) metafile.Signature { return metafile.Signature{KeyID: id, Sig: s} }

func sorted(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func sameIDs(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return reflect.DeepEqual(a, b)
}

func TestFromRoot(t *testing.T) {
	a, b, c := newKey(t, "ed25519"), newKey(t, "p256"), newKey(t, "p384")
	root := makeRoot(1, 2, []testKey{a, b}, c)
	r, err := FromRoot(root, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Role != "root" || r.Delegator != "root v1" || r.Threshold != 2 {
		t.Errorf("rule = %+v", r)
	}
	if !reflect.DeepEqual(r.KeyIDs, []string{a.id, b.id}) {
		t.Errorf("KeyIDs = %v, want [a b]", r.KeyIDs)
	}
	if len(r.Keys) != 2 || r.Keys[a.id] != a.tuf || r.Keys[b.id] != b.tuf {
		t.Errorf("Keys = %v", r.Keys)
	}
	// The rule keeps its own copy of the key IDs.
	root.Roles[metadata.ROOT].KeyIDs[0] = "changed"
	if r.KeyIDs[0] != a.id {
		t.Error("changing the root changed the rule's key IDs")
	}
	tr, err := FromRoot(root, metadata.TARGETS, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(tr.KeyIDs, []string{c.id}) || tr.Threshold != 1 || tr.Role != "targets" {
		t.Errorf("targets rule = %+v", tr)
	}

	if _, err := FromRoot(root, "claimed", "root v1"); err == nil || !strings.Contains(err.Error(), "claimed") {
		t.Errorf("role root does not have: err = %v", err)
	}
	root2 := makeRoot(1, 0, []testKey{a})
	if _, err := FromRoot(root2, metadata.ROOT, "root v1"); err == nil || !strings.Contains(err.Error(), "threshold 0") {
		t.Errorf("threshold 0: err = %v", err)
	}
	root3 := makeRoot(1, 1, []testKey{a})
	root3.Roles[metadata.ROOT].KeyIDs = append(root3.Roles[metadata.ROOT].KeyIDs, b.id)
	if _, err := FromRoot(root3, metadata.ROOT, "root v1"); err == nil || !strings.Contains(err.Error(), b.id[:12]) {
		t.Errorf("undefined key: err = %v, want it to name %s", err, b.id[:12])
	}
}

func TestFromTargetsNamed(t *testing.T) {
	a, b := newKey(t, "ed25519"), newKey(t, "p256")
	targets := metadata.Targets(expiry()).Signed
	if _, err := FromTargets(&targets, "claimed", "targets v1"); err == nil {
		t.Error("FromTargets without delegations succeeded")
	}
	targets.Delegations = &metadata.Delegations{
		Keys: map[string]*metadata.Key{a.id: a.tuf, b.id: b.tuf},
		Roles: []metadata.DelegatedRole{
			{Name: "claimed", KeyIDs: []string{a.id, b.id}, Threshold: 2, Terminating: true},
			{Name: "recently-claimed", KeyIDs: []string{b.id}, Threshold: 1},
		},
	}
	r, err := FromTargets(&targets, "claimed", "targets v1")
	if err != nil {
		t.Fatal(err)
	}
	if r.Role != "claimed" || r.Delegator != "targets v1" || r.Threshold != 2 || !reflect.DeepEqual(r.KeyIDs, []string{a.id, b.id}) {
		t.Errorf("rule = %+v", r)
	}
	r2, err := FromTargets(&targets, "recently-claimed", "targets v1")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r2.KeyIDs, []string{b.id}) || r2.Threshold != 1 {
		t.Errorf("recently-claimed rule = %+v", r2)
	}
	if _, err := FromTargets(&targets, "unclaimed", "targets v1"); err == nil || !strings.Contains(err.Error(), "unclaimed") {
		t.Errorf("undelegated role: err = %v", err)
	}
}

func TestFromTargetsSuccinctBins(t *testing.T) {
	k := newKey(t, "ed25519")
	// Bin names: prefix, '-', the bin number in hex zero-padded to the
	// width of the largest bin number (2^bit_length - 1).
	tests := []struct {
		bits     int
		valid    []string
		notValid []string
	}{
		{1, []string{"bins-0", "bins-1"}, []string{"bins-2", "bins-00", "bins-01"}},
		{4, []string{"bins-0", "bins-a", "bins-f"}, []string{"bins-0a", "bins-10", "bins-g"}},
		{8, []string{"bins-00", "bins-0a", "bins-ff"}, []string{"bins-a", "bins-100", "bins-0g", "bins-"}},
		// PEP 458: 16,384 bins, largest 0x3fff.
		{14, []string{"bins-0000", "bins-0a0a", "bins-3fff"}, []string{"bins-4000", "bins-fff", "bins-00000", "bins-ffff"}},
	}
	for _, tt := range tests {
		targets := metadata.Targets(expiry()).Signed
		targets.Delegations = &metadata.Delegations{
			Keys:          map[string]*metadata.Key{k.id: k.tuf},
			SuccinctRoles: &metadata.SuccinctRoles{KeyIDs: []string{k.id}, Threshold: 1, BitLength: tt.bits, NamePrefix: "bins"},
		}
		for _, name := range tt.valid {
			r, err := FromTargets(&targets, name, "targets v1")
			if err != nil {
				t.Errorf("bit_length %d: %q: %v", tt.bits, name, err)
				continue
			}
			if r.Role != name || !reflect.DeepEqual(r.KeyIDs, []string{k.id}) || r.Threshold != 1 {
				t.Errorf("bit_length %d: %q: rule = %+v", tt.bits, name, r)
			}
		}
		for _, name := range append(tt.notValid, "bin-0", "other-00", "bins") {
			if _, err := FromTargets(&targets, name, "targets v1"); err == nil {
				t.Errorf("bit_length %d: %q accepted as a bin", tt.bits, name)
			}
		}
	}
}

func TestCount(t *testing.T) {
	a, b, c := newKey(t, "ed25519"), newKey(t, "p256"), newKey(t, "p384")
	outsider := newKey(t, "ed25519")
	root := makeRoot(1, 2, []testKey{a, b, c})
	msg := canonicalOf(t, root)
	other := canonicalOf(t, makeRoot(2, 2, []testKey{a, b, c}))
	rule, err := FromRoot(root, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name                             string
		sigs                             []metafile.Signature
		signed, missing, invalid, foreig []string
		met                              bool
		needed                           int
	}{
		{name: "none", missing: []string{a.id, b.id, c.id}, needed: 2},
		{name: "placeholders",
			sigs:    []metafile.Signature{sig(a.id, ""), sig(b.id, ""), sig(c.id, ""), sig(outsider.id, "")},
			missing: []string{a.id, b.id, c.id}, needed: 2},
		{name: "one of each kind",
			sigs: []metafile.Signature{
				sig(a.id, a.sign(t, msg)),
				sig(b.id, b.sign(t, other)), // over another document
				sig(c.id, ""),
				sig(outsider.id, outsider.sign(t, msg)),
				sig("0000", "00"),
			},
			signed: []string{a.id}, invalid: []string{b.id}, missing: []string{b.id, c.id},
			foreig: sorted(outsider.id, "0000"), needed: 1},
		{name: "threshold met",
			sigs:   []metafile.Signature{sig(c.id, c.sign(t, msg)), sig(a.id, a.sign(t, msg))},
			signed: []string{a.id, c.id}, missing: []string{b.id}, met: true},
		{name: "all signed",
			sigs:   []metafile.Signature{sig(a.id, a.sign(t, msg)), sig(b.id, b.sign(t, msg)), sig(c.id, c.sign(t, msg))},
			signed: []string{a.id, b.id, c.id}, met: true},
		{name: "not hex",
			sigs:   []metafile.Signature{sig(a.id, "zz"+a.sign(t, msg)[2:]), sig(b.id, b.sign(t, msg))},
			signed: []string{b.id}, invalid: []string{a.id}, missing: []string{a.id, c.id}, needed: 1},
		{name: "another key's signature under a listed key ID",
			sigs:    []metafile.Signature{sig(a.id, outsider.sign(t, msg))},
			invalid: []string{a.id}, missing: []string{a.id, b.id, c.id}, needed: 2},
		{name: "P-384 signed over SHA-256 instead of SHA-384",
			sigs: func() []metafile.Signature {
				d := sha256.Sum256(msg)
				s, err := ecdsa.SignASN1(rand.Reader, c.priv.(*ecdsa.PrivateKey), d[:])
				if err != nil {
					t.Fatal(err)
				}
				return []metafile.Signature{sig(c.id, hex.EncodeToString(s))}
			}(),
			invalid: []string{c.id}, missing: []string{a.id, b.id, c.id}, needed: 2},
		{name: "placeholder before a real signature for the same key",
			sigs:   []metafile.Signature{sig(a.id, ""), sig(a.id, a.sign(t, msg))},
			signed: []string{a.id}, missing: []string{b.id, c.id}, needed: 1},
	}
	for _, tt := range tests {
		tally, err := Count(rule, fileOf(t, root, tt.sigs...))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if !sameIDs(tally.Signed, tt.signed) {
			t.Errorf("%s: Signed = %v, want %v", tt.name, tally.Signed, tt.signed)
		}
		if !sameIDs(tally.Missing, tt.missing) {
			t.Errorf("%s: Missing = %v, want %v", tt.name, tally.Missing, tt.missing)
		}
		if !sameIDs(tally.Invalid, tt.invalid) {
			t.Errorf("%s: Invalid = %v, want %v", tt.name, tally.Invalid, tt.invalid)
		}
		if !sameIDs(tally.Foreign, tt.foreig) {
			t.Errorf("%s: Foreign = %v, want %v", tt.name, tally.Foreign, tt.foreig)
		}
		if tally.Met() != tt.met || tally.Needed() != tt.needed {
			t.Errorf("%s: Met %v Needed %d, want %v %d", tt.name, tally.Met(), tally.Needed(), tt.met, tt.needed)
		}
	}
}

// Signatures are counted over the canonical bytes of the file's own
// "signed": signatures copied onto a changed document do not count.
func TestCountChecksTheFilesOwnContent(t *testing.T) {
	a, b := newKey(t, "ed25519"), newKey(t, "p256")
	v1 := makeRoot(1, 1, []testKey{a, b})
	msg := canonicalOf(t, v1)
	sigs := []metafile.Signature{sig(a.id, a.sign(t, msg)), sig(b.id, b.sign(t, msg))}
	rule, err := FromRoot(v1, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	good, err := Count(rule, fileOf(t, v1, sigs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(good.Signed) != 2 {
		t.Fatalf("original: Signed = %v", good.Signed)
	}
	changed := makeRoot(1, 1, []testKey{a, b})
	changed.Expires = changed.Expires.Add(24 * time.Hour)
	bad, err := Count(rule, fileOf(t, changed, sigs...))
	if err != nil {
		t.Fatal(err)
	}
	if len(bad.Signed) != 0 || len(bad.Invalid) != 2 || bad.Met() {
		t.Errorf("changed document: %+v", bad)
	}
}

// One public key listed under two key IDs (the same key with the legacy
// keytype, or with vendor fields hashed in) counts once, as clients count
// it.
func TestCountSameKeyUnderTwoIDs(t *testing.T) {
	a := newKey(t, "p256")
	b := newKey(t, "ed25519")
	legacy := keys.Copy(a.tuf)
	legacy.Type = "ecdsa-sha2-nistp256"
	legacyID, err := keys.ID(legacy)
	if err != nil {
		t.Fatal(err)
	}
	if legacyID == a.id {
		t.Fatal("test premise: the two encodings have different IDs")
	}
	root := makeRoot(1, 2, []testKey{a, b})
	root.Keys[legacyID] = legacy
	root.Roles[metadata.ROOT].KeyIDs = []string{a.id, legacyID, b.id}
	rule, err := FromRoot(root, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	msg := canonicalOf(t, root)
	s := a.sign(t, msg)
	// The same signature listed under the old and the new key ID.
	f := fileOf(t, root, sig(a.id, s), sig(legacyID, s))
	tally, err := Count(rule, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(tally.Signed) != 1 || tally.Met() || tally.Needed() != 1 {
		t.Errorf("one key under two IDs: Signed %v, Met %v, Needed %d; want 1 key, not met, 1 needed", tally.Signed, tally.Met(), tally.Needed())
	}
	if len(tally.Invalid) != 0 {
		t.Errorf("Invalid = %v", tally.Invalid)
	}

	// go-tuf agrees: threshold 2 is not met by one key.
	md := &metadata.Metadata[metadata.RootType]{Signed: *root}
	out, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	signed, err := metadata.Root().FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	var unsigned *metadata.ErrUnsignedMetadata
	if err := md.VerifyDelegate(metadata.ROOT, signed); !errors.As(err, &unsigned) {
		t.Errorf("go-tuf: err = %v, want a threshold failure (one key under two IDs counts once)", err)
	}

	// A second, different key meets it.
	f.Signatures = append(f.Signatures, sig(b.id, b.sign(t, msg)))
	tally, err = Count(rule, f)
	if err != nil {
		t.Fatal(err)
	}
	if len(tally.Signed) != 2 || !tally.Met() || tally.Needed() != 0 {
		t.Errorf("two keys: Signed %v, Met %v", tally.Signed, tally.Met())
	}
	out, _ = f.Marshal()
	if signed, err = metadata.Root().FromBytes(out); err != nil {
		t.Fatal(err)
	}
	if err := md.VerifyDelegate(metadata.ROOT, signed); err != nil {
		t.Errorf("go-tuf rejects two distinct keys: %v", err)
	}

	// KeyIDFor finds the key whatever its encoding: the first ID listed.
	if id, ok := rule.KeyIDFor(legacy); !ok || id != a.id {
		t.Errorf("KeyIDFor(legacy form) = %q, %v; want %q", id, ok, a.id)
	}
	if id, ok := rule.KeyIDFor(b.tuf); !ok || id != b.id {
		t.Errorf("KeyIDFor(b) = %q, %v", id, ok)
	}
	if id, ok := rule.KeyIDFor(newKey(t, "ed25519").tuf); ok {
		t.Errorf("KeyIDFor(unlisted key) = %q, true", id)
	}
}

// The same with the legacy hex-point encoding other tools wrote (go-tuf
// cannot read that form, so no cross-check here).
func TestCountSameKeyHexAndPEM(t *testing.T) {
	a := newKey(t, "p256")
	point, err := a.priv.(*ecdsa.PrivateKey).PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	hexKey := &metadata.Key{Type: "ecdsa-sha2-nistp256", Scheme: "ecdsa-sha2-nistp256",
		Value: metadata.KeyVal{PublicKey: hex.EncodeToString(point)}}
	hexID, err := keys.ID(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	root := makeRoot(1, 2, []testKey{a})
	root.Keys[hexID] = hexKey
	root.Roles[metadata.ROOT].KeyIDs = []string{hexID, a.id}
	rule, err := FromRoot(root, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	s := a.sign(t, canonicalOf(t, root))
	tally, err := Count(rule, fileOf(t, root, sig(a.id, s), sig(hexID, s)))
	if err != nil {
		t.Fatal(err)
	}
	// Both IDs verify; the key counts once, under the first ID listed.
	if !reflect.DeepEqual(tally.Signed, []string{hexID}) || tally.Met() || len(tally.Invalid) != 0 || len(tally.Missing) != 0 {
		t.Errorf("tally = %+v, want hex ID signed once, not met", tally)
	}
	if id, ok := rule.KeyIDFor(a.tuf); !ok || id != hexID {
		t.Errorf("KeyIDFor(PEM form) = %q, %v; want the hex entry %q", id, ok, hexID)
	}
}

func TestMetNeeded(t *testing.T) {
	for _, tt := range []struct {
		threshold, signed, needed int
		met                       bool
	}{
		{1, 0, 1, false}, {3, 1, 2, false}, {3, 3, 0, true}, {2, 5, 0, true},
	} {
		ty := Tally{Rule: Rule{Threshold: tt.threshold}, Signed: make([]string, tt.signed)}
		if ty.Met() != tt.met || ty.Needed() != tt.needed {
			t.Errorf("threshold %d, %d signed: Met %v Needed %d; want %v %d", tt.threshold, tt.signed, ty.Met(), ty.Needed(), tt.met, tt.needed)
		}
	}
}

func TestRootRules(t *testing.T) {
	a, b, c := newKey(t, "ed25519"), newKey(t, "p256"), newKey(t, "p384")
	v1 := makeRoot(1, 2, []testKey{a, b})
	rules, err := RootRules(v1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 1 || rules[0].Delegator != "root v1" || !reflect.DeepEqual(rules[0].KeyIDs, []string{a.id, b.id}) {
		t.Fatalf("v1 rules = %+v", rules)
	}

	// v2 rotates a out and c in.
	v2 := makeRoot(2, 2, []testKey{b, c})
	rules, err = RootRules(v2, v1)
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 {
		t.Fatalf("v2 rules = %+v", rules)
	}
	prev, own := rules[0], rules[1]
	if prev.Delegator != "previous root v1" || prev.Threshold != 2 || !reflect.DeepEqual(prev.KeyIDs, []string{a.id, b.id}) {
		t.Errorf("previous rule = %+v", prev)
	}
	if own.Delegator != "root v2" || own.Threshold != 2 || !reflect.DeepEqual(own.KeyIDs, []string{b.id, c.id}) {
		t.Errorf("own rule = %+v", own)
	}

	msg := canonicalOf(t, v2)
	for _, tt := range []struct {
		signers           []testKey
		prevMet, ownMet   bool
		prevNeed, ownNeed int
	}{
		{[]testKey{a, b}, true, false, 0, 1},
		{[]testKey{b, c}, false, true, 1, 0},
		{[]testKey{a, b, c}, true, true, 0, 0},
		{[]testKey{c}, false, false, 2, 1},
	} {
		f := fileOf(t, v2)
		for _, k := range tt.signers {
			f.AddSignature(k.id, k.sign(t, msg))
		}
		pt, err := Count(prev, f)
		if err != nil {
			t.Fatal(err)
		}
		ot, err := Count(own, f)
		if err != nil {
			t.Fatal(err)
		}
		if pt.Met() != tt.prevMet || ot.Met() != tt.ownMet || pt.Needed() != tt.prevNeed || ot.Needed() != tt.ownNeed {
			t.Errorf("signed by %d keys: previous met %v (needs %d), own met %v (needs %d); want %v (%d), %v (%d)",
				len(tt.signers), pt.Met(), pt.Needed(), ot.Met(), ot.Needed(), tt.prevMet, tt.prevNeed, tt.ownMet, tt.ownNeed)
		}
		// c signs v2 but is no key of v1: foreign to the previous rule.
		if contains(tt.signers, c) && !reflect.DeepEqual(pt.Foreign, []string{c.id}) {
			t.Errorf("previous rule Foreign = %v, want [c]", pt.Foreign)
		}
	}

	noRoot := makeRoot(2, 1, []testKey{a})
	delete(noRoot.Roles, metadata.ROOT)
	if _, err := RootRules(noRoot, v1); err == nil {
		t.Error("RootRules of a root without a root role succeeded")
	}
	if _, err := RootRules(v2, noRoot); err == nil {
		t.Error("RootRules with a previous root without a root role succeeded")
	}
}

func contains(ks []testKey, k testKey) bool {
	for _, x := range ks {
		if x.id == k.id {
			return true
		}
	}
	return false
}

func TestCheckNextRoot(t *testing.T) {
	a := newKey(t, "ed25519")
	v1 := makeRoot(1, 1, []testKey{a})
	for version, ok := range map[int64]bool{2: true, 1: false, 3: false, 0: false} {
		err := CheckNextRoot(v1, makeRoot(version, 1, []testKey{a}))
		if (err == nil) != ok {
			t.Errorf("v1 -> v%d: err = %v", version, err)
		}
		if err != nil && !strings.Contains(err.Error(), "want 2") {
			t.Errorf("v1 -> v%d: error %q does not say which version is wanted", version, err)
		}
	}
	v7 := makeRoot(7, 1, []testKey{a})
	if err := CheckNextRoot(v7, makeRoot(8, 1, []testKey{a})); err != nil {
		t.Errorf("v7 -> v8: %v", err)
	}
}

// rstufRoot reads the root envelope of an RSTUF payload (or a bare root
// file) into a metafile.File and its typed root.
func rstufRoot(t *testing.T, path string) (*metafile.File, *metadata.RootType) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testdata, path))
	if err != nil {
		t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
	}
	var payload struct {
		Metadata struct {
			Root json.RawMessage `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(data, &payload); err != nil {
		t.Fatal(err)
	}
	env := []byte(payload.Metadata.Root)
	if env == nil {
		env = data
	}
	f, err := metafile.Parse(env)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	r, err := f.Root()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return f, r
}

// Real RSTUF data: a root v1 bootstrap signed by an Ed25519 and an ECDSA
// key, then a root v2 rotation signed under both the old and the new root's
// rules (RSA-PSS among them). go-tuf checks the same files independently.
func TestRSTUFRotation(t *testing.T) {
	v1File, v1 := rstufRoot(t, "rstuf/cli/ceremony.json")
	v2File, v2 := rstufRoot(t, "rstuf/cli/update.json")
	if err := CheckNextRoot(v1, v2); err != nil {
		t.Fatalf("update.json does not follow ceremony.json: %v", err)
	}

	rules, err := RootRules(v1, nil)
	if err != nil {
		t.Fatal(err)
	}
	t1, err := Count(rules[0], v1File)
	if err != nil {
		t.Fatal(err)
	}
	// SOURCES.md: "root threshold 2, fully signed 2/2".
	if !t1.Met() || len(t1.Signed) != 2 || len(t1.Invalid) != 0 {
		t.Errorf("ceremony.json root v1: %+v", t1)
	}

	rules, err = RootRules(v2, v1)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		tally, err := Count(r, v2File)
		if err != nil {
			t.Fatal(err)
		}
		if !tally.Met() || len(tally.Invalid) != 0 || len(tally.Signed) != 2 {
			t.Errorf("update.json under %s: signed %v, invalid %v, missing %v", r.Delegator, tally.Signed, tally.Invalid, tally.Missing)
		}
	}

	// go-tuf, independently, agrees on both thresholds.
	v1md := &metadata.Metadata[metadata.RootType]{Signed: *v1}
	out, err := v2File.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	v2md, err := metadata.Root().FromBytes(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := v1md.VerifyDelegate(metadata.ROOT, v2md); err != nil {
		t.Errorf("go-tuf: v2 does not meet v1's threshold: %v", err)
	}
	if err := v2md.VerifyDelegate(metadata.ROOT, v2md); err != nil {
		t.Errorf("go-tuf: v2 does not meet its own threshold: %v", err)
	}

	// The distributed-signing variant carries 1 of 2.
	dasFile, das := rstufRoot(t, "rstuf/cli/ceremony_das.json")
	rules, err = RootRules(das, nil)
	if err != nil {
		t.Fatal(err)
	}
	td, err := Count(rules[0], dasFile)
	if err != nil {
		t.Fatal(err)
	}
	if td.Met() || len(td.Signed) != 1 || td.Needed() != 1 || len(td.Invalid) != 0 {
		t.Errorf("ceremony_das.json: %+v", td)
	}
}

func TestWarehouseBootstrapRoot(t *testing.T) {
	f, root := rstufRoot(t, "rstuf/warehouse-dev-bootstrap.json")
	rules, err := RootRules(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	tally, err := Count(rules[0], f)
	if err != nil {
		t.Fatal(err)
	}
	const ed25519ID = "c6d8bf2e4f48b41ac2ce8eca21415ca8ef68c133b47fc33df03d4070a7e1e9cc"
	if !tally.Met() || !reflect.DeepEqual(tally.Signed, []string{ed25519ID}) {
		t.Errorf("warehouse bootstrap root: %+v", tally)
	}
}

// python-tuf's test repository: a delegated role signed by the key its
// delegator names.
func TestPythonTUFDelegation(t *testing.T) {
	dir := filepath.Join(testdata, "python-tuf/repository_data/repository/metadata")
	read := func(name string) *metafile.File {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("test data missing (testdata/ at the top of the repository): %v", err)
		}
		f, err := metafile.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	targets, err := read("targets.json").Targets()
	if err != nil {
		t.Fatal(err)
	}
	rule, err := FromTargets(targets, "role1", "targets v1")
	if err != nil {
		t.Fatal(err)
	}
	tally, err := Count(rule, read("role1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !tally.Met() || len(tally.Signed) != 1 {
		t.Errorf("role1: %+v", tally)
	}
	// role1.json is not root: counted against root's rule its signature is
	// foreign.
	root, err := read("root.json").Root()
	if err != nil {
		t.Fatal(err)
	}
	rootRule, err := FromRoot(root, metadata.ROOT, "root v1")
	if err != nil {
		t.Fatal(err)
	}
	wrong, err := Count(rootRule, read("role1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if wrong.Met() || len(wrong.Foreign) != 1 {
		t.Errorf("role1 under root's rule: %+v", wrong)
	}
	rt, err := Count(rootRule, read("root.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !rt.Met() {
		t.Errorf("root.json (RSA-PSS, signed by python-tuf): %+v", rt)
	}
}
