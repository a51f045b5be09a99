// Package profiles builds the metadata each repository profile calls for,
// from a validated plan.
//
//   - rstuf: root only is offline. Its targets, snapshot and timestamp roles
//     are all given the online key, which RSTUF reads as
//     roles.timestamp.keyids[0]; keys carry x-rstuf-key-name and the online
//     key x-rstuf-online-key-uri (added after the key ID is computed, as RSTUF
//     does).
//   - pep458: root and targets offline; targets delegates to succinct hash
//     bins (TAP 15) named bins-<hex>, signed online.
//   - pep480: as pep458, but targets delegates, in this order, to claimed
//     (offline, the administrators' keys), recently-claimed and unclaimed
//     (online); unclaimed delegates to the hash bins. Each of the three
//     covers every target path (path_hash_prefixes 0-f) and none is
//     terminating, so a search falls through claimed to the online roles.
//
// Everything built here is unsigned. Expiry times are whole seconds in UTC.
package profiles

import (
	"fmt"
	"math/bits"
	"sort"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
)

// SpecVersion is the TUF specification version we write.
const SpecVersion = "1.0.31"

// Vendor fields RSTUF reads from root keys.
const (
	RSTUFKeyName      = "x-rstuf-key-name"
	RSTUFOnlineKeyURI = "x-rstuf-online-key-uri"
)

// BinsPrefix is the name prefix of the hash bins (bins-<hex>), as RSTUF uses.
const BinsPrefix = "bins"

// Expiry is now plus days, in whole seconds, UTC.
func Expiry(now time.Time, days int) time.Time {
	return now.UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour)
}

// Root builds root metadata of the given version for p.
func Root(p *plan.Plan, version int64, now time.Time) (*metadata.RootType, error) {
	r := &metadata.RootType{
		Type:               metadata.ROOT,
		SpecVersion:        SpecVersion,
		ConsistentSnapshot: p.Consistent(),
		Version:            version,
		Expires:            Expiry(now, p.Roles.Root.ExpiresDays),
		Keys:               map[string]*metadata.Key{},
		Roles:              map[string]*metadata.Role{},
	}
	holders, err := holderKeys(p, p.Roles.Root.Keyholders)
	if err != nil {
		return nil, fmt.Errorf("roles.root: %w", err)
	}
	addRole(r, metadata.ROOT, holders, p.Roles.Root.Threshold, p.Profile)
	if p.Profile == plan.ProfileRSTUF {
		addRole(r, metadata.TARGETS, onlineKeys(p, metadata.TARGETS), 1, p.Profile)
	} else {
		holders, err := holderKeys(p, p.Roles.Targets.Keyholders)
		if err != nil {
			return nil, fmt.Errorf("roles.targets: %w", err)
		}
		addRole(r, metadata.TARGETS, holders, p.Roles.Targets.Threshold, p.Profile)
	}
	for _, role := range []string{metadata.SNAPSHOT, metadata.TIMESTAMP} {
		online := onlineKeys(p, role)
		if len(online) == 0 {
			return nil, fmt.Errorf("no online key for %s", role)
		}
		addRole(r, role, online, 1, p.Profile)
	}
	return r, nil
}

// namedKey is a key as it goes into metadata, with what RSTUF wants beside it.
type namedKey struct {
	id        string
	key       *metadata.Key
	name      string
	onlineURI string
}

func holderKeys(p *plan.Plan, names []string) ([]namedKey, error) {
	var out []namedKey
	for _, name := range names {
		h, ok := p.Keyholder(name)
		if !ok || h.TUFKey == nil {
			return nil, fmt.Errorf("keyholder %q has no resolved key", name)
		}
		out = append(out, namedKey{id: h.KeyID, key: h.TUFKey, name: h.Name})
	}
	return out, nil
}

func onlineKeys(p *plan.Plan, role string) []namedKey {
	var out []namedKey
	for _, k := range p.OnlineKeysFor(role) {
		out = append(out, namedKey{id: k.KeyID, key: k.TUFKey, name: k.Name, onlineURI: k.URI})
	}
	return out
}

// addRole lists ks for role; rstuf keys get their vendor fields. The online
// key is first in every role's key IDs, as RSTUF reads keyids[0].
func addRole(r *metadata.RootType, role string, ks []namedKey, threshold int, profile plan.Profile) {
	ids := make([]string, 0, len(ks))
	for _, k := range ks {
		ids = append(ids, k.id)
		if _, ok := r.Keys[k.id]; ok {
			continue
		}
		c := keys.Copy(k.key)
		if profile == plan.ProfileRSTUF {
			if c.UnrecognizedFields == nil {
				c.UnrecognizedFields = map[string]any{}
			}
			c.UnrecognizedFields[RSTUFKeyName] = k.name
			if k.onlineURI != "" {
				c.UnrecognizedFields[RSTUFOnlineKeyURI] = k.onlineURI
			}
		}
		r.Keys[k.id] = c
	}
	r.Roles[role] = &metadata.Role{KeyIDs: ids, Threshold: threshold}
}

// Targets builds the top-level targets role for pep458 and pep480.
func Targets(p *plan.Plan, version int64, now time.Time) (*metadata.TargetsType, error) {
	t := &metadata.TargetsType{
		Type:        metadata.TARGETS,
		SpecVersion: SpecVersion,
		Version:     version,
		Expires:     Expiry(now, p.Roles.Targets.ExpiresDays),
		Targets:     map[string]*metadata.TargetFiles{},
	}
	switch p.Profile {
	case plan.ProfilePEP458:
		t.Delegations = BinsDelegation(p)
	case plan.ProfilePEP480:
		claimed, err := holderKeys(p, p.Roles.Claimed.Keyholders)
		if err != nil {
			return nil, fmt.Errorf("roles.claimed: %w", err)
		}
		d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
		d.Roles = append(d.Roles, delegatedRole(d, plan.RoleClaimed, claimed, p.Roles.Claimed.Threshold))
		for _, role := range []string{plan.RoleRecentlyClaimed, plan.RoleUnclaimed} {
			d.Roles = append(d.Roles, delegatedRole(d, role, onlineKeys(p, role), 1))
		}
		t.Delegations = d
	default:
		return nil, fmt.Errorf("profile %q has no offline targets role", p.Profile)
	}
	return t, nil
}

// Claimed builds an empty claimed role (pep480): projects are added to it by
// claims ceremonies. It has no delegations yet, and so no delegations object
// (TUF requires one of roles or succinct_roles in it).
func Claimed(p *plan.Plan, version int64, now time.Time) *metadata.TargetsType {
	return &metadata.TargetsType{
		Type:        metadata.TARGETS,
		SpecVersion: SpecVersion,
		Version:     version,
		Expires:     Expiry(now, p.Roles.Claimed.ExpiresDays),
		Targets:     map[string]*metadata.TargetFiles{},
	}
}

// AllPaths is a path_hash_prefixes list that covers every target path.
func AllPaths() []string {
	return []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"}
}

func delegatedRole(d *metadata.Delegations, name string, ks []namedKey, threshold int) metadata.DelegatedRole {
	ids := make([]string, 0, len(ks))
	for _, k := range ks {
		ids = append(ids, k.id)
		d.Keys[k.id] = keys.Copy(k.key)
	}
	return metadata.DelegatedRole{Name: name, KeyIDs: ids, Threshold: threshold, PathHashPrefixes: AllPaths()}
}

// BinsDelegation is the succinct delegation to p.Roles.Bins.Count bins,
// signed by the online keys for bins.
func BinsDelegation(p *plan.Plan) *metadata.Delegations {
	d := &metadata.Delegations{Keys: map[string]*metadata.Key{}}
	var ids []string
	for _, k := range onlineKeys(p, plan.RoleBins) {
		ids = append(ids, k.id)
		d.Keys[k.id] = keys.Copy(k.key)
	}
	sort.Strings(ids)
	d.SuccinctRoles = &metadata.SuccinctRoles{
		KeyIDs:     ids,
		Threshold:  1,
		BitLength:  BitLength(p.Roles.Bins.Count),
		NamePrefix: BinsPrefix,
	}
	return d
}

// BitLength is log2 of a power-of-two bin count.
func BitLength(count int) int {
	return bits.Len(uint(count)) - 1
}
