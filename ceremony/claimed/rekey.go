package claimed

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/ceremony/source"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A claims ceremony's rekeys (claims.Rekey): a claimed project's
// delegation given new keys and threshold in place, the keys no
// delegation lists any more dropped from claimed, and the checks that
// claimed changes a project's keys only where the ceremony's request
// (plan.yaml, named by the transcript's init record) says so.

// rekeyClaimed gives each rekeyed project's delegation in d the claim's
// keys (sorted key IDs, as claims.Delegation lists them) and threshold,
// keeping its name, paths, place and every other field, and adds the
// claim's keys to d.Keys. It returns the key IDs the replaced
// delegations listed: dropUnusedKeys drops those no delegation lists once
// claimed is complete.
func rekeyClaimed(d *metadata.Delegations, rekeyed []claims.Claim) (map[string]bool, error) {
	replaced := map[string]bool{}
	if len(rekeyed) == 0 {
		return replaced, nil
	}
	at := make(map[string]int, len(d.Roles))
	for i, r := range d.Roles {
		at[r.Name] = i
	}
	for _, c := range rekeyed {
		i, ok := at[c.Project]
		if !ok {
			return nil, fmt.Errorf("the trusted claimed does not delegate %q: its keys cannot be changed, it can only be claimed", c.Project)
		}
		r := &d.Roles[i]
		for _, id := range r.KeyIDs {
			replaced[id] = true
		}
		nd := claims.Delegation(c)
		r.KeyIDs, r.Threshold = nd.KeyIDs, nd.Threshold
		for id, k := range c.Keys {
			if _, ok := d.Keys[id]; !ok {
				d.Keys[id] = k
			}
		}
	}
	return replaced, nil
}

// dropUnusedKeys removes from d.Keys each key of replaced that no
// delegation in d lists.
func dropUnusedKeys(d *metadata.Delegations, replaced map[string]bool) {
	if len(replaced) == 0 {
		return
	}
	used := map[string]bool{}
	for _, r := range d.Roles {
		for _, id := range r.KeyIDs {
			used[id] = true
		}
	}
	for id := range replaced {
		if !used[id] {
			delete(d.Keys, id)
		}
	}
}

// rekeyText says a rekey for the transcript and messages: the project,
// its keys before and after, and the reason.
func rekeyText(v *claims.Verdict) string {
	if v == nil || v.Claim == nil || v.Previous == nil {
		return ""
	}
	return fmt.Sprintf("rekeys %s (key(s) %s, threshold %d -> key(s) %s, threshold %d; reason %q)", v.Claim.Project,
		abbrevList(sortedCopy(v.Previous.KeyIDs)), v.Previous.Threshold, abbrevList(claims.Delegation(*v.Claim).KeyIDs), v.Claim.Threshold, v.RekeyReason)
}

// rekeyVersionWarnings warns of each rekeyed project whose role's
// published version the source does not show: its maintainers' next
// version must follow it, so they start from the repository.
func rekeyVersionWarnings(st *source.TrustedState, rekeyed []claims.Claim) []string {
	var out []string
	for _, c := range rekeyed {
		if !st.FromRepository && st.Seen[c.Project] == 0 {
			out = append(out, fmt.Sprintf("rekey of %s: %s does not show which version of %s's role the repository serves; once this ceremony is published, its maintainers start %s's project ceremony from the repository, so that their next version follows the published one", c.Project, st.From, c.Project, c.Project))
		}
	}
	return out
}

// checkRekeysRecorded says how the accepted list's rekeys are not those
// the ceremony's request (plan.yaml) names with the same reasons, or "".
// The request is what the transcript's init record names by SHA-256: a
// key change that it does not name is not the administrators'.
func checkRekeysRecorded(req *delegated.ClaimsRequest, list *delegated.AcceptedProjects) string {
	asked := map[string]string{}
	for _, r := range req.Rekey {
		asked[r.Project] = r.Reason
	}
	done := map[string]bool{}
	for _, p := range list.Rekeyed {
		reason, ok := asked[p.Project]
		switch {
		case !ok:
			return fmt.Sprintf("%s rekeys %s, but the ceremony's request (%s, which the transcript's init record names) does not: a claimed project's keys change only with 'claims init --rekey %s=REASON'", workspace.AcceptedFile, p.Project, workspace.PlanFile, p.Project)
		case reason != p.Reason:
			return fmt.Sprintf("%s gives the rekey of %s the reason %q, the ceremony's request (%s) %q", workspace.AcceptedFile, p.Project, p.Reason, workspace.PlanFile, reason)
		case done[p.Project]:
			return fmt.Sprintf("%s rekeys %s twice", workspace.AcceptedFile, p.Project)
		}
		done[p.Project] = true
	}
	for _, r := range req.Rekey {
		if !done[r.Project] {
			return fmt.Sprintf("the ceremony's request (%s) rekeys %s, but %s does not", workspace.PlanFile, r.Project, workspace.AcceptedFile)
		}
	}
	return ""
}

// rekeyedRoles pairs each rekeyed project's claim with what the accepted
// list says it replaces, for checkClaimedChange.
func rekeyedRoles(list *delegated.AcceptedProjects, rekeyed []claims.Claim) []rekeyChange {
	byProject := map[string]claims.Claim{}
	for _, c := range rekeyed {
		byProject[c.Project] = c
	}
	var out []rekeyChange
	for _, p := range list.Rekeyed {
		out = append(out, rekeyChange{claim: byProject[p.Project], previousKeyIDs: p.PreviousKeyIDs, previousThreshold: p.PreviousThreshold})
	}
	return out
}

// rekeyChange is a rekey as checkClaimedChange checks it: the claim, and
// the keys and threshold the accepted list says it replaces.
type rekeyChange struct {
	claim             claims.Claim
	previousKeyIDs    []string
	previousThreshold int
}

// rekeyedDelegation is prev (a delegation in canonical form) with the
// claim's keys and threshold: what a rekey makes of it.
func rekeyedDelegation(prev []byte, c claims.Claim) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(prev, &m); err != nil {
		return nil, err
	}
	d := claims.Delegation(c)
	ids, err := json.Marshal(d.KeyIDs)
	if err != nil {
		return nil, err
	}
	m["keyids"], m["threshold"] = ids, json.RawMessage(fmt.Sprint(d.Threshold))
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return metafile.Canonicalize(raw)
}

// onlyKeysDiffer reports whether two delegations (canonical form) differ
// in their keys or threshold alone.
func onlyKeysDiffer(a, b []byte) bool {
	strip := func(data []byte) []byte {
		var m map[string]json.RawMessage
		if json.Unmarshal(data, &m) != nil {
			return nil
		}
		delete(m, "keyids")
		delete(m, "threshold")
		raw, err := json.Marshal(m)
		if err != nil {
			return nil
		}
		c, _ := metafile.Canonicalize(raw)
		return c
	}
	sa, sb := strip(a), strip(b)
	return sa != nil && string(sa) == string(sb)
}

func sortedCopy(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

func abbrevList(ids []string) string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = ceremony.AbbrevHash(id)
	}
	return strings.Join(out, ", ")
}
