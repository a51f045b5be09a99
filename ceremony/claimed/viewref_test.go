package claimed

// The change check as it was before it compared claimed's versions
// without decoding their delegations (view.go): every delegation's name,
// key IDs and threshold decoded, and the keys held in maps. The
// differential test in view_test.go checks that both find the same
// problems in the same changes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func refCompareClaimed(prevFile, nextFile *metafile.File, accepted []claims.Claim, rekeyed []rekeyChange) []string {
	prev, prevErr := refViewClaimed(prevFile)
	next, nextErr := refViewClaimed(nextFile)
	if prevErr != nil {
		return []string{fmt.Sprintf("the trusted claimed: %v", prevErr)}
	}
	if nextErr != nil {
		return []string{fmt.Sprintf("claimed: %v", nextErr)}
	}
	c := &refChange{prev: prev, next: next}
	if !c.checkShape() {
		return c.problems
	}
	had, replaced, ok := c.checkExisting(rekeyed)
	if !ok {
		return c.problems
	}
	want, wantKeys, err := wantedDelegations(accepted, rekeyed)
	if err != nil {
		return append(c.problems, err.Error())
	}
	c.checkAdded(had, want)
	c.checkKeys(replaced, wantKeys)
	return c.problems
}

type refChange struct {
	prev, next *refView
	problems   []string
}

func (c *refChange) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

func (c *refChange) checkShape() bool {
	prev, next := c.prev, c.next
	if next.version <= prev.version {
		c.bad("claimed v%d does not follow the trusted claimed v%d", next.version, prev.version)
	}
	if !sameMembers(prev.rest, next.rest) {
		c.bad("claimed v%d changes more than its delegations, version and expiry against the trusted v%d", next.version, prev.version)
	}
	if !sameMembers(prev.delegRest, next.delegRest) {
		c.bad("claimed v%d changes the delegations' other fields", next.version)
	}
	if len(next.roles) < len(prev.roles) {
		c.bad("claimed v%d delegates %d roles, fewer than the %d of the trusted v%d", next.version, len(next.roles), len(prev.roles), prev.version)
		return false
	}
	return true
}

func (c *refChange) checkExisting(rekeyed []rekeyChange) (had, replaced map[string]bool, ok bool) {
	prev, next := c.prev, c.next
	rekey := map[string]rekeyChange{}
	for _, r := range rekeyed {
		rekey[r.claim.Project] = r
	}
	had, replaced = map[string]bool{}, map[string]bool{}
	rekeyedAt := map[string]bool{}
	for i := range prev.roles {
		name := prev.names[i]
		had[name] = true
		r, isRekey := rekey[name]
		if !isRekey {
			if bytes.Equal(prev.roles[i], next.roles[i]) {
				continue
			}
			if next.names[i] == name && onlyKeysDiffer(prev.roles[i], next.roles[i]) {
				c.bad("claimed v%d changes the keys of %q (delegation %d), a rekey that the ceremony's init record does not name: a claimed project's keys change only at a claims ceremony run with 'claims init --rekey %s=REASON'", next.version, name, i+1, name)
			} else {
				c.bad("claimed v%d's delegation %d (%q) is not the trusted v%d's (%q) as it was", next.version, i+1, next.names[i], prev.version, name)
			}
			return nil, nil, false
		}
		if strings.Join(sortedCopy(prev.keyids[i]), ",") != strings.Join(sortedCopy(r.previousKeyIDs), ",") || prev.thresholds[i] != r.previousThreshold {
			c.bad("%s says %q was delegated to key(s) %s (threshold %d), but the trusted claimed v%d delegates it to %s (threshold %d)", workspace.AcceptedFile, name,
				abbrevList(sortedCopy(r.previousKeyIDs)), r.previousThreshold, prev.version, abbrevList(sortedCopy(prev.keyids[i])), prev.thresholds[i])
		}
		want, err := rekeyedDelegation(prev.roles[i], r.claim)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("the trusted claimed's delegation %d (%q): %v", i+1, name, err))
			return nil, nil, false
		}
		if !bytes.Equal(want, next.roles[i]) {
			c.bad("claimed v%d's delegation %d (%q) is not the trusted v%d's with the keys and threshold of its rekey's claim request: a rekey changes only those, in place", next.version, i+1, next.names[i], prev.version)
			return nil, nil, false
		}
		rekeyedAt[name] = true
		for _, id := range prev.keyids[i] {
			replaced[id] = true
		}
	}
	for _, r := range rekeyed {
		if !rekeyedAt[r.claim.Project] {
			c.bad("claimed v%d does not rekey %q as the ceremony's rekeys ask: the trusted v%d does not delegate it", next.version, r.claim.Project, prev.version)
		}
	}
	return had, replaced, true
}

func (c *refChange) checkAdded(had map[string]bool, want map[string][]byte) {
	prev, next := c.prev, c.next
	added := map[string]bool{}
	for i := len(prev.roles); i < len(next.roles); i++ {
		name := next.names[i]
		d, ok := want[name]
		switch {
		case had[name]:
			c.bad("claimed v%d delegates %q a second time: the trusted v%d delegates it already", next.version, name, prev.version)
		case !ok:
			c.bad("claimed v%d delegates %q, which no accepted claim request asks for", next.version, name)
		case added[name]:
			c.bad("claimed v%d delegates %q twice", next.version, name)
		case !bytes.Equal(d, next.roles[i]):
			c.bad("claimed v%d's delegation to %q is not what its claim request asks for", next.version, name)
		}
		added[name] = true
	}
	var missing []string
	for p := range want {
		if !added[p] {
			missing = append(missing, p)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		c.bad("claimed v%d does not delegate %s, which the accepted claim requests ask for", next.version, strings.Join(missing, ", "))
	}
}

func (c *refChange) checkKeys(replaced map[string]bool, wantKeys map[string][]byte) {
	prev, next := c.prev, c.next
	used := map[string]bool{}
	if len(replaced) > 0 {
		for _, ids := range next.keyids {
			for _, id := range ids {
				used[id] = true
			}
		}
	}
	for id, k := range prev.keys {
		nk, kept := next.keys[id]
		switch {
		case replaced[id] && !used[id]:
			if kept {
				c.bad("claimed v%d keeps key %s, which no delegation lists once the rekeys replace it: drop it", next.version, ceremony.AbbrevHash(id))
			}
		case !bytes.Equal(k, nk):
			c.bad("claimed v%d does not keep key %s of the trusted v%d as it was", next.version, ceremony.AbbrevHash(id), prev.version)
		}
	}
	for id, k := range next.keys {
		if _, ok := prev.keys[id]; ok {
			continue
		}
		if w, ok := wantKeys[id]; !ok || !bytes.Equal(w, k) {
			c.bad("claimed v%d adds key %s, which no accepted claim request holds", next.version, ceremony.AbbrevHash(id))
		}
	}
}

type refView struct {
	version         int64
	rest, delegRest map[string][]byte
	keys            map[string][]byte
	roles           [][]byte
	names           []string
	keyids          [][]string
	thresholds      []int
}

func refViewClaimed(f *metafile.File) (*refView, error) {
	canon, err := f.Canonical()
	if err != nil {
		return nil, err
	}
	top, err := metafile.Members(canon)
	if err != nil {
		return nil, err
	}
	v := &refView{rest: map[string][]byte{}, delegRest: map[string][]byte{}, keys: map[string][]byte{}}
	var deleg []metafile.Member
	for _, m := range top {
		switch m.Name {
		case "version":
			if err := json.Unmarshal(m.Value, &v.version); err != nil {
				return nil, fmt.Errorf("version: %w", err)
			}
		case "expires":
		case "delegations":
			if string(m.Value) != "null" {
				if deleg, err = metafile.Members(m.Value); err != nil {
					return nil, fmt.Errorf("delegations: %w", err)
				}
			}
		default:
			v.rest[m.Name] = m.Value
		}
	}
	for _, m := range deleg {
		switch {
		case m.Name == "roles" && string(m.Value) != "null":
			if err := v.addRoles(m.Value); err != nil {
				return nil, err
			}
		case m.Name == "keys" && string(m.Value) != "null":
			keys, err := metafile.Members(m.Value)
			if err != nil {
				return nil, fmt.Errorf("delegations.keys: %w", err)
			}
			for _, k := range keys {
				v.keys[k.Name] = k.Value
			}
		case m.Name != "roles" && m.Name != "keys":
			v.delegRest[m.Name] = m.Value
		}
	}
	return v, nil
}

func (v *refView) addRoles(roles []byte) error {
	elems, err := metafile.Elements(roles)
	if err != nil {
		return fmt.Errorf("delegations.roles: %w", err)
	}
	for i, raw := range elems {
		var r struct {
			Name      string   `json:"name"`
			KeyIDs    []string `json:"keyids"`
			Threshold int      `json:"threshold"`
		}
		members, err := metafile.Members(raw)
		if err != nil {
			return fmt.Errorf("delegations.roles[%d]: %w", i, err)
		}
		for _, m := range members {
			switch m.Name {
			case "name":
				r.Name, err = metafile.String(m.Value)
			case "keyids":
				r.KeyIDs, err = metafile.StringList(m.Value)
			case "threshold":
				r.Threshold, err = metafile.Int(m.Value)
			}
			if err != nil {
				return fmt.Errorf("delegations.roles[%d].%s: %w", i, m.Name, err)
			}
		}
		v.roles, v.names = append(v.roles, raw), append(v.names, r.Name)
		v.keyids, v.thresholds = append(v.keyids, r.KeyIDs), append(v.thresholds, r.Threshold)
	}
	return nil
}
