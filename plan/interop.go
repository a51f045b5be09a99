package plan

import "github.com/tuf-ceremony/ceremony/keys"

// warnP384 warns where a role's threshold cannot be met without P-384 keys.
// tuf-js (npm's TUF client, 5.x) verifies every ECDSA signature with
// SHA-256 whatever the key's scheme, so it does not count signatures made
// under ecdsa-sha2-nistp384 (SHA-384, as the specification, go-tuf and
// python-tuf have it). The metadata is correct; the warning is for teams
// whose users run tuf-js.
func (r *reader) warnP384(p *Plan) {
	check := func(field string, role *OfflineRole) {
		if role == nil || role.Threshold == 0 {
			return
		}
		others := 0
		for _, name := range role.Keyholders {
			if h, ok := p.Keyholder(name); ok && h.TUFKey != nil && h.TUFKey.Scheme != keys.SchemeECDSAP384 {
				others++
			}
		}
		if others < role.Threshold {
			r.warn(join(field, "threshold"), "only %d of the %d keys are not P-384, fewer than the threshold %d: tuf-js clients (npm) check ECDSA signatures with SHA-256 and will not count P-384 signatures", others, len(role.Keyholders), role.Threshold)
		}
	}
	check("roles.root", &p.Roles.Root)
	if p.Profile != ProfileRSTUF {
		check("roles.targets", &p.Roles.Targets)
	}
	check("roles.claimed", p.Roles.Claimed)
}
