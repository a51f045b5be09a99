package rotation

import (
	"fmt"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
)

// Reach is what the stolen keys can do to one role.
type Reach struct {
	Role string `json:"role"`
	// Delegator is the metadata that says who may sign the role
	// ("root v3", "targets v5").
	Delegator string `json:"delegator"`
	// Listed names the stolen keys the delegator lists for the role.
	Listed    []string `json:"listed,omitempty"`
	Threshold int      `json:"threshold"`
	Keys      int      `json:"keys"`
	// Direct: the stolen keys alone meet the role's threshold.
	Direct bool `json:"direct"`
	// Via names a role the attacker can sign that delegates this one: it
	// can rewrite the delegation, so it controls this role too.
	Via    string `json:"via,omitempty"`
	Effect string `json:"effect"`
}

// Controlled reports whether an attacker can make clients accept this
// role's metadata: directly, or through its delegator.
func (r Reach) Controlled() bool { return r.Direct || r.Via != "" }

// reachOf walks root and the delegations at hand and returns every role the
// stolen keys are listed in or control through a delegator.
func reachOf(s *State, stolen map[string]bool, labels map[string]string) []Reach {
	var out []Reach
	controlled := map[string]bool{}
	count := func(ids []string) ([]string, int) {
		var listed []string
		seen := map[string]bool{}
		n := 0
		for _, id := range ids {
			if stolen[id] && !seen[labels[id]] {
				seen[labels[id]] = true
				listed = append(listed, labels[id])
				n++
			}
		}
		return listed, n
	}
	visit := func(role, delegator, via string, ids []string, threshold int) {
		listed, n := count(ids)
		r := Reach{Role: role, Delegator: delegator, Listed: listed, Threshold: threshold, Keys: len(ids),
			Direct: threshold > 0 && n >= threshold, Via: via}
		if len(listed) == 0 && via == "" {
			return
		}
		r.Effect = effect(r)
		if r.Controlled() {
			controlled[role] = true
		}
		out = append(out, r)
	}
	rootDelegator := fmt.Sprintf("root v%d", s.Root.Version)
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, metadata.SNAPSHOT, metadata.TIMESTAMP} {
		rr := s.Root.Roles[role]
		if rr == nil {
			continue
		}
		via := ""
		if role != metadata.ROOT && controlled[metadata.ROOT] {
			via = metadata.ROOT
		}
		visit(role, rootDelegator, via, rr.KeyIDs, rr.Threshold)
	}
	// Delegations, breadth first from targets, over the metadata at hand.
	queue := []string{metadata.TARGETS}
	done := map[string]bool{}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		t := s.Targets[name]
		if done[name] || t == nil || t.Delegations == nil {
			continue
		}
		done[name] = true
		delegator := fmt.Sprintf("%s v%d", name, t.Version)
		via := ""
		if controlled[name] {
			via = name
		}
		d := t.Delegations
		for _, dr := range d.Roles {
			visit(dr.Name, delegator, via, dr.KeyIDs, dr.Threshold)
			queue = append(queue, dr.Name)
		}
		if sr := d.SuccinctRoles; sr != nil {
			visit(binsRole(sr), delegator, via, sr.KeyIDs, sr.Threshold)
		}
	}
	return out
}

// binsRole names the succinct hash bins of a delegation: "bins-*".
func binsRole(sr *metadata.SuccinctRoles) string { return sr.NamePrefix + "-*" }

func effect(r Reach) string {
	if !r.Direct && r.Via != "" {
		return fmt.Sprintf("reached through %s, which the attacker can sign: it can rewrite the delegation to %s", r.Via, r.Role)
	}
	if !r.Direct {
		return fmt.Sprintf("listed, below the threshold (%d of %d needed): cannot sign %s alone; revoke before another key is lost", len(r.Listed), r.Threshold, r.Role)
	}
	switch {
	case r.Role == metadata.ROOT:
		return "can sign any root version: clients that see the attacker's next root follow it, so no in-band recovery"
	case r.Role == metadata.TARGETS:
		return "can sign targets: any target file and any delegation below it"
	case r.Role == metadata.SNAPSHOT:
		return "can sign snapshot: with timestamp, serve any mix of published metadata and push role versions up (fast-forward)"
	case r.Role == metadata.TIMESTAMP:
		return "can sign timestamp: keep clients on old metadata until it expires (freeze) and push its version up (fast-forward)"
	case strings.HasSuffix(r.Role, "-*"):
		return "can sign every hash bin: any target file in them, once snapshot lists it"
	case r.Role == plan.RoleClaimed:
		return "can sign claimed: every claimed project's delegation and targets"
	}
	return fmt.Sprintf("can sign %s: any target file it is trusted for", r.Role)
}
