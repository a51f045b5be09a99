// Package plan reads a ceremony plan: one strict YAML file that says which
// repository profile is being set up, who the keyholders are, which keys
// they hold, and each role's threshold and expiry period.
//
// A plan is checked in full before anything is written: unknown fields,
// duplicate fields, wrong types and every rule below are reported with the
// file, the line and the field path (plan.yaml:12: roles.root.threshold: ...).
// Key material named by the plan is resolved (public key files read, key
// URIs asked for their public key) as part of loading, so a plan that loads
// is a plan that can be carried out. Relative paths in the plan (public_key
// files, and the path and pin-source of a key URI) are taken against the
// plan's directory. A key on a device that is not connected is taken from
// its public_key file. Defaults (expiry periods, bin count, consistent
// snapshots) are filled in, so what Load returns is final.
//
// Example (pep458):
//
//	profile: pep458
//	repository: pypi.org
//	consistent_snapshot: true
//	keyholders:
//	  - name: alice
//	    contact: alice@example.org
//	    key: yubikey:serial=19088743;slot-id=9c
//	    public_key: keys/alice.pub
//	  - ...
//	roles:
//	  root:      {keyholders: [alice, bob, carol, dave, erin], threshold: 3, expires_days: 365}
//	  targets:   {keyholders: [alice, bob, carol], threshold: 2, expires_days: 365}
//	  snapshot:  {expires_days: 1}
//	  timestamp: {expires_days: 1}
//	  bins:      {expires_days: 1, count: 16384}
//	online:
//	  - name: online
//	    public_key: keys/online.pub
//	    uri: awskms:///arn:aws:kms:...
package plan

import (
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// Profile is the shape of repository a plan sets up.
type Profile string

const (
	// ProfileRSTUF: only root offline; one online key signs everything else.
	ProfileRSTUF Profile = "rstuf"
	// ProfilePEP458: root and targets offline; bins, snapshot, timestamp online.
	ProfilePEP458 Profile = "pep458"
	// ProfilePEP480: PEP 458 plus claimed (offline), recently-claimed and
	// unclaimed (online).
	ProfilePEP480 Profile = "pep480"
)

// Role names the plan and the metadata use beyond TUF's top-level four.
const (
	RoleBins            = "bins"
	RoleClaimed         = "claimed"
	RoleRecentlyClaimed = "recently-claimed"
	RoleUnclaimed       = "unclaimed"
)

// Plan is a whole ceremony plan.
type Plan struct {
	Profile Profile `yaml:"profile"`
	// Repository is the repository's name, shown to people (pypi.org).
	Repository string `yaml:"repository"`
	// ConsistentSnapshot defaults to true.
	ConsistentSnapshot *bool       `yaml:"consistent_snapshot"`
	Keyholders         []Keyholder `yaml:"keyholders"`
	Roles              Roles       `yaml:"roles"`
	Online             []OnlineKey `yaml:"online"`
	// Witnesses sign nothing but the ceremony's seal.
	Witnesses []Witness `yaml:"witnesses"`
	Rehearsal Rehearsal `yaml:"rehearsal"`

	// Path is the plan file as given; Dir is the directory relative paths
	// in the plan are resolved against.
	Path string `yaml:"-"`
	Dir  string `yaml:"-"`
	// Warnings are things a person must see but that do not stop the plan,
	// such as the rehearsal override of the root threshold.
	Warnings []string `yaml:"-"`
}

// Keyholder is a person who holds an offline key.
type Keyholder struct {
	Name    string `yaml:"name"`
	Contact string `yaml:"contact"`
	// Key is the key's URI (file:, pkcs11:, yubikey:). Load rewrites a
	// relative file path or pin-source in it against the plan's directory.
	Key string `yaml:"key"`
	// PublicKey is a TUF public key JSON file, relative to the plan.
	PublicKey string `yaml:"public_key"`
	// Attestation is a PEM file holding the YubiKey slot's attestation
	// certificate and then the device's F9 certificate, as 'ceremony keygen'
	// writes it; relative to the plan (Load makes it relative to the working
	// directory). Init and sign check that it chains to the attestation root
	// and certifies exactly this keyholder's key.
	//
	// Given as a mapping (a YubiHSM 2's products: key_attestation,
	// device_certificate, serial, intermediates), Attestation is the key
	// attestation file (DER or PEM) and the rest is below.
	Attestation string `yaml:"attestation"`
	// AttestationDevice is the device certificate that issued the key
	// attestation (a YubiHSM 2's opaque object 0), DER or PEM.
	AttestationDevice string `yaml:"-"`
	// AttestationIntermediates is a PEM file of Sub-CAs between the device
	// certificate and Yubico's root that this build does not hold.
	AttestationIntermediates string `yaml:"-"`
	// AttestationSerial is the device serial the attestation must name (0:
	// not given).
	AttestationSerial uint32 `yaml:"-"`
	// RequireAttestation refuses the keyholder without an attestation.
	RequireAttestation bool `yaml:"require_attestation"`

	// TUFKey and KeyID are resolved by Load. TUFKey is in the form this
	// tool writes into metadata (Ed25519 hex, ECDSA PEM, no vendor fields),
	// whatever form the public key file used.
	TUFKey *metadata.Key `yaml:"-"`
	KeyID  string        `yaml:"-"`
}

// Witness is a person who watches the ceremony and signs its seal, and
// nothing else. Names follow the keyholders' rules and are unique across
// keyholders and witnesses; a witness's key is no keyholder's or online key.
type Witness struct {
	Name    string `yaml:"name"`
	Contact string `yaml:"contact"`
	// Key is the key's URI, as for a keyholder; PublicKey its TUF public
	// key file, relative to the plan.
	Key       string `yaml:"key"`
	PublicKey string `yaml:"public_key"`

	TUFKey *metadata.Key `yaml:"-"`
	KeyID  string        `yaml:"-"`
}

// Roles holds each role's settings. Offline roles are signed at the
// ceremony; online roles only get an expiry period (and their keys from
// Online).
type Roles struct {
	Root    OfflineRole `yaml:"root"`
	Targets OfflineRole `yaml:"targets"`
	// Claimed is for pep480 only.
	Claimed         *OfflineRole `yaml:"claimed"`
	Snapshot        OnlineRole   `yaml:"snapshot"`
	Timestamp       OnlineRole   `yaml:"timestamp"`
	Bins            BinsRole     `yaml:"bins"`
	RecentlyClaimed *OnlineRole  `yaml:"recently_claimed"`
	Unclaimed       *OnlineRole  `yaml:"unclaimed"`
}

// OfflineRole is signed by keyholders. For rstuf, targets is online and
// takes only expires_days.
type OfflineRole struct {
	Keyholders  []string `yaml:"keyholders"`
	Threshold   int      `yaml:"threshold"`
	ExpiresDays int      `yaml:"expires_days"`
}

// OnlineRole is signed by the online key(s).
type OnlineRole struct {
	ExpiresDays int `yaml:"expires_days"`
}

// BinsRole is the succinct hash-bin delegation (TAP 15), bins-<hex>.
type BinsRole struct {
	ExpiresDays int `yaml:"expires_days"`
	// Count is the number of bins: a power of two from 2 to 16384.
	Count int `yaml:"count"`
}

// OnlineKey is a key the online server signs with.
type OnlineKey struct {
	Name      string `yaml:"name"`
	PublicKey string `yaml:"public_key"`
	// Key is the key's URI, as for a keyholder; optional.
	Key string `yaml:"key"`
	// URI is where the server finds the key (x-rstuf-online-key-uri);
	// required for rstuf.
	URI string `yaml:"uri"`
	// Roles the key signs; by default every online role of the profile.
	Roles []string `yaml:"roles"`

	TUFKey *metadata.Key `yaml:"-"`
	KeyID  string        `yaml:"-"`
}

// Rehearsal holds overrides that are only for practice runs.
type Rehearsal struct {
	// AllowRootThresholdOne permits a root threshold of 1. Loudly flagged.
	AllowRootThresholdOne bool `yaml:"allow_root_threshold_one"`
	// AttestationRoots is a PEM file of roots that replace Yubico's
	// attestation roots (PIV and YubiHSM), for virtual YubiKeys. Loudly
	// flagged.
	AttestationRoots string `yaml:"attestation_roots"`
}

// Any reports whether the plan uses a rehearsal override: a ceremony made
// from it is a rehearsal, marked as one everywhere it is shown.
func (r Rehearsal) Any() bool { return r.AllowRootThresholdOne || r.AttestationRoots != "" }

// Keyholder returns the keyholder with the given name.
func (p *Plan) Keyholder(name string) (*Keyholder, bool) {
	for i := range p.Keyholders {
		if p.Keyholders[i].Name == name {
			return &p.Keyholders[i], true
		}
	}
	return nil, false
}

// Consistent reports whether consistent snapshots are on (the default).
func (p *Plan) Consistent() bool {
	return p.ConsistentSnapshot == nil || *p.ConsistentSnapshot
}

// OnlineRoles are the roles the profile signs online.
func (p *Plan) OnlineRoles() []string {
	switch p.Profile {
	case ProfileRSTUF:
		return []string{metadata.TIMESTAMP, metadata.SNAPSHOT, metadata.TARGETS, RoleBins}
	case ProfilePEP480:
		return []string{metadata.TIMESTAMP, metadata.SNAPSHOT, RoleBins, RoleRecentlyClaimed, RoleUnclaimed}
	}
	return []string{metadata.TIMESTAMP, metadata.SNAPSHOT, RoleBins}
}

// OfflineRoles are the roles signed at the ceremony, in signing order.
func (p *Plan) OfflineRoles() []string {
	switch p.Profile {
	case ProfileRSTUF:
		return []string{metadata.ROOT}
	case ProfilePEP480:
		return []string{metadata.ROOT, metadata.TARGETS, RoleClaimed}
	}
	return []string{metadata.ROOT, metadata.TARGETS}
}

// OnlineKeysFor returns the online keys that sign role.
func (p *Plan) OnlineKeysFor(role string) []*OnlineKey {
	var out []*OnlineKey
	for i := range p.Online {
		k := &p.Online[i]
		if len(k.Roles) == 0 {
			out = append(out, k)
			continue
		}
		for _, r := range k.Roles {
			if r == role {
				out = append(out, k)
				break
			}
		}
	}
	return out
}
