package rehearsal

import (
	"fmt"
	"strings"

	"github.com/tuf-ceremony/ceremony/plan"
)

// planText is the lab's bootstrap plan: what a team would write after
// making these keys. Paths are relative to the lab; no secret is in it.
func planText(p plan.Profile, holders []made, online made) string {
	var b strings.Builder
	b.WriteString("# Rehearsal plan written by the ceremony rehearsal lab. Every key in it is a\n")
	b.WriteString("# practice key on simulated hardware: virtual YubiKeys, SoftHSM2 tokens, key files.\n")
	fmt.Fprintf(&b, "profile: %s\nrepository: rehearsal.example\nconsistent_snapshot: true\nkeyholders:\n", p)
	var names []string
	for _, h := range holders {
		names = append(names, h.Name)
		fmt.Fprintf(&b, "  - name: %s\n    contact: %s@rehearsal.example\n    key: %q\n    public_key: %s\n", h.Name, h.Name, h.key, h.pub)
		if h.attestation != "" {
			fmt.Fprintf(&b, "    attestation: %s\n    require_attestation: true\n", h.attestation)
		}
	}
	offline := "[alice, bob, carol]"
	fmt.Fprintf(&b, "roles:\n  root:\n    keyholders: [%s]\n    threshold: 3\n    expires_days: 365\n", strings.Join(names, ", "))
	if p == plan.ProfileRSTUF {
		b.WriteString("  targets:\n    expires_days: 365\n")
	} else {
		fmt.Fprintf(&b, "  targets:\n    keyholders: %s\n    threshold: 2\n    expires_days: 365\n", offline)
	}
	if p == plan.ProfilePEP480 {
		fmt.Fprintf(&b, "  claimed:\n    keyholders: %s\n    threshold: 2\n    expires_days: 365\n", offline)
	}
	b.WriteString("  snapshot:\n    expires_days: 1\n  timestamp:\n    expires_days: 1\n  bins:\n    expires_days: 1\n    count: 16\n")
	fmt.Fprintf(&b, "online:\n  - name: %s\n    key: %q\n    public_key: %s\n", online.Name, online.key, online.pub)
	if p == plan.ProfileRSTUF {
		b.WriteString("    uri: \"fn:online.key\"\n")
	}
	fmt.Fprintf(&b, "rehearsal:\n  attestation_roots: %s\n", rootsFile)
	return b.String()
}
