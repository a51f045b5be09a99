// Package benchdata builds, deterministically, the metadata the benchmarks
// run on: a PEP 480 `claimed` role delegating to many projects (100,000 for
// the baseline), the top-level targets role that delegates `claimed` to one
// administrator key, and that key; and, for the claims ceremony's
// benchmarks, a repository directory holding them (WriteRepository) and a
// directory of claim requests for new projects (WriteRequests).
//
// Every byte is a function of the project count: keys come from seeds
// derived from the project names (ed25519.NewKeyFromSeed), the expiry is a
// fixed date, and nothing reads the clock or a random source (a request's
// date is the caller's). Two runs, or two machines, benchmark the same
// bytes.
//
// The shape follows PEP 480 and is what 'ceremony claims init' writes:
// `claimed` is an offline role signed by PyPI's administrators; it
// delegates each claimed project, under its PEP 503 normalized name, to the
// project maintainers' keys (one key for most projects, two for every
// fourth one), threshold 1, through claims.Delegation: terminating, key
// IDs sorted, and the path patterns of claims.ProjectPaths (the project's
// distribution files in PyPI's blake2b layout, every spelling of its name,
// a version digit after it, so that no project's delegation takes another
// project's files).
package benchdata

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// Projects is the number of project delegations of the baseline `claimed`
// role (PEP 480's scale: PyPI had several hundred thousand projects, and
// `claimed` holds the ones whose maintainers have claimed them).
const Projects = 100_000

// Role names.
const (
	ClaimedRole = "claimed"
	TargetsRole = metadata.TARGETS
)

// SpecVersion is the TUF specification version the metadata declares.
const SpecVersion = "1.0.31"

// Expires is the fixed expiry of every role built here.
var Expires = time.Date(2030, time.January, 1, 0, 0, 0, 0, time.UTC)

// ProjectName is the PEP 503 normalized name of project i: "project-000123".
func ProjectName(i int) string { return fmt.Sprintf("project-%06d", i) }

// KeysPerProject is how many maintainer keys project i has: two for every
// fourth project, one for the others.
func KeysPerProject(i int) int {
	if i%4 == 0 {
		return 2
	}
	return 1
}

// seed derives a 32-byte Ed25519 seed from a label.
func seed(label string) []byte {
	s := sha256.Sum256([]byte("tuf-ceremony benchdata v1/" + label))
	return s[:]
}

// ProjectKey is the private key j of project i.
func ProjectKey(i, j int) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seed(fmt.Sprintf("%s/key-%d", ProjectName(i), j)))
}

// AdminPrivateKey is the administrator key that `claimed` is delegated to.
func AdminPrivateKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(seed("admin/claimed"))
}

// AdminSigner is AdminPrivateKey as a keys.Signer.
func AdminSigner() (keys.Signer, error) {
	return keys.NewSoftwareSigner("benchdata:admin-claimed", AdminPrivateKey())
}

// ProjectClaim is project i's claim as a claims ceremony accepts it: its
// name, its maintainers' public keys by key ID, threshold 1.
func ProjectClaim(i int) (claims.Claim, error) {
	c := claims.Claim{Project: ProjectName(i), Keys: make(map[string]*metadata.Key, KeysPerProject(i)), Threshold: 1}
	for j := 0; j < KeysPerProject(i); j++ {
		k, err := keys.FromPublicKey(ProjectKey(i, j).Public())
		if err != nil {
			return claims.Claim{}, err
		}
		id, err := keys.ID(k)
		if err != nil {
			return claims.Claim{}, err
		}
		c.Keys[id] = k
	}
	return c, nil
}

// Claimed builds the `signed` part of a `claimed` role delegating to n
// projects: n delegations as claims.Delegation makes them, in project
// order, and the keys map with every maintainer key. (A claims ceremony
// adds the projects it accepts in descending name order; no name here is
// another's followed by "-" and a digit, so the order changes no path
// match, and project order keeps Roles[i] project i's.)
func Claimed(n int) (*metadata.TargetsType, error) {
	if n < 0 {
		return nil, fmt.Errorf("project count %d is negative", n)
	}
	d := &metadata.Delegations{
		Keys:  make(map[string]*metadata.Key, n+n/4+1),
		Roles: make([]metadata.DelegatedRole, 0, n),
	}
	for i := 0; i < n; i++ {
		c, err := ProjectClaim(i)
		if err != nil {
			return nil, err
		}
		for id, k := range c.Keys {
			d.Keys[id] = k
		}
		d.Roles = append(d.Roles, claims.Delegation(c))
	}
	return &metadata.TargetsType{
		Type:        metadata.TARGETS,
		SpecVersion: SpecVersion,
		Version:     1,
		Expires:     Expires,
		Targets:     map[string]*metadata.TargetFiles{},
		Delegations: d,
	}, nil
}

// TopTargets builds the `signed` part of a top-level targets role that
// delegates `claimed` to admin alone, threshold 1 (a 1-of-1 rule), with the
// path patterns of every distribution file.
func TopTargets(admin *metadata.Key) (*metadata.TargetsType, string, error) {
	id, err := keys.ID(admin)
	if err != nil {
		return nil, "", err
	}
	return &metadata.TargetsType{
		Type:        metadata.TARGETS,
		SpecVersion: SpecVersion,
		Version:     1,
		Expires:     Expires,
		Targets:     map[string]*metadata.TargetFiles{},
		Delegations: &metadata.Delegations{
			Keys: map[string]*metadata.Key{id: keys.Copy(admin)},
			Roles: []metadata.DelegatedRole{{
				Name:        ClaimedRole,
				KeyIDs:      []string{id},
				Threshold:   1,
				Terminating: false,
				Paths:       []string{"packages/*/*/*/*"},
			}},
		},
	}, id, nil
}

// Fixture is everything the benchmarks read, built once.
type Fixture struct {
	// N is the number of project delegations.
	N int
	// Role is the `signed` part of `claimed`, as go-tuf's struct.
	Role *metadata.TargetsType
	// Canonical is the canonical JSON of Role: the bytes that are signed.
	Canonical []byte
	// File is the signed `claimed` metadata file, as metafile.Marshal
	// writes it (indented), signed by Admin.
	File []byte
	// Signed is the "signed" object as it sits in File: indented JSON, not
	// canonical, what a canonicalization reads when a role is signed or
	// verified from a file.
	Signed []byte
	// Admin is the administrator key `claimed` is delegated to; AdminID its
	// key ID.
	Admin   keys.Signer
	AdminID string
	// Top is the `signed` part of the top-level targets role that delegates
	// `claimed` to Admin, 1 of 1.
	Top *metadata.TargetsType
}

// Build makes the fixture for n projects. It signs `claimed` with the admin
// key through this project's own code (metafile, keys).
func Build(n int) (*Fixture, error) {
	admin, err := AdminSigner()
	if err != nil {
		return nil, err
	}
	return BuildWith(n, admin)
}

// BuildWith is Build with another administrator key: one the ceremony tool
// can open (a file: key), for benchmarks of the tool as a process.
func BuildWith(n int, admin keys.Signer) (*Fixture, error) {
	role, err := Claimed(n)
	if err != nil {
		return nil, err
	}
	top, adminID, err := TopTargets(admin.TUFKey())
	if err != nil {
		return nil, err
	}
	f, err := metafile.FromSigned(role)
	if err != nil {
		return nil, err
	}
	canonical, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	sig, err := keys.SignMessage(admin, canonical)
	if err != nil {
		return nil, err
	}
	f.AddSignature(adminID, hex.EncodeToString(sig))
	file, err := f.Marshal()
	if err != nil {
		return nil, err
	}
	back, err := metafile.Parse(file)
	if err != nil {
		return nil, err
	}
	return &Fixture{
		N:         n,
		Role:      role,
		Canonical: canonical,
		File:      file,
		Signed:    back.Signed,
		Admin:     admin,
		AdminID:   adminID,
		Top:       top,
	}, nil
}

// TopMetadata wraps Top as go-tuf metadata (unsigned: VerifyDelegate reads
// only its delegations).
func (fx *Fixture) TopMetadata() *metadata.Metadata[metadata.TargetsType] {
	return &metadata.Metadata[metadata.TargetsType]{Signed: *fx.Top}
}
