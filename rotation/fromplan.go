package rotation

import (
	"sort"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
)

// DelegationsFromPlan gives the delegated roles the keys a plan gives them
// (the profiles package builds them so): for pep458 the hash bins, signed
// online; for pep480 claimed (the plan's keyholders), recently-claimed,
// unclaimed and the bins (online).
func DelegationsFromPlan(p *plan.Plan) Delegations {
	out := Delegations{}
	online := func(role string, sorted bool) RoleKeys {
		rk := RoleKeys{Keys: map[string]*metadata.Key{}, Threshold: 1}
		for _, k := range p.OnlineKeysFor(role) {
			rk.KeyIDs = append(rk.KeyIDs, k.KeyID)
			rk.Keys[k.KeyID] = k.TUFKey
		}
		if sorted {
			sort.Strings(rk.KeyIDs)
		}
		return rk
	}
	bins := profiles.BinsPrefix + "-*"
	switch p.Profile {
	case plan.ProfilePEP458, plan.ProfileRSTUF:
		out[bins] = online(plan.RoleBins, true)
	case plan.ProfilePEP480:
		out[bins] = online(plan.RoleBins, true)
		out[plan.RoleRecentlyClaimed] = online(plan.RoleRecentlyClaimed, false)
		out[plan.RoleUnclaimed] = online(plan.RoleUnclaimed, false)
		if c := p.Roles.Claimed; c != nil {
			rk := RoleKeys{Keys: map[string]*metadata.Key{}, Threshold: c.Threshold}
			for _, name := range c.Keyholders {
				if h, ok := p.Keyholder(name); ok && h.TUFKey != nil {
					rk.KeyIDs = append(rk.KeyIDs, h.KeyID)
					rk.Keys[h.KeyID] = h.TUFKey
				}
			}
			out[plan.RoleClaimed] = rk
		}
	}
	return out
}
