package claimed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/claims"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// What a claims ceremony may change in claimed is checked the same way by
// replay (from the requests kept in the workspace) and by the bundle's
// verification (from the requests in the bundle): the requests are
// reviewed again as of the ceremony's time, and claimed's new version must
// be the trusted one with exactly the accepted projects added and the
// rekeys the ceremony's request names made.

// checkClaimedChange says how next is not prev with exactly the accepted
// claims added and the rekeys made (nil if it is): every delegation of prev
// kept as it is but a rekeyed one, which gets its claim's keys and
// threshold in place and nothing else; every key of prev kept as it is but
// a rekeyed delegation's old keys that no delegation lists any more, which
// go; one delegation per accepted claim (claims.Delegation) with its keys,
// nothing else added, targets and every other field unchanged, the version
// above prev's. The "signed" objects of the two versions are compared
// member by member in canonical form, without decoding 100,000
// delegations into go-tuf's types.
func checkClaimedChange(prev, next *metafile.File, accepted []claims.Claim, rekeyed []rekeyChange) []string {
	key, err := changeKey(prev.SignedSum(), next.SignedSum(), accepted, rekeyed)
	if err == nil {
		if problems, ok := lastChange.get(key); ok {
			return problems
		}
	}
	problems := compareClaimed(prev, next, accepted, rekeyed)
	if err == nil {
		lastChange.put(key, problems)
	}
	return problems
}

func compareClaimed(prevFile, nextFile *metafile.File, accepted []claims.Claim, rekeyed []rekeyChange) []string {
	prev, next, prevErr, nextErr := viewBoth(prevFile, nextFile)
	if prevErr != nil {
		return []string{fmt.Sprintf("the trusted claimed: %v", prevErr)}
	}
	if nextErr != nil {
		return []string{fmt.Sprintf("claimed: %v", nextErr)}
	}
	c := &claimedChange{prev: prev, next: next}
	if !c.checkShape() {
		return c.problems
	}
	replaced, ok := c.checkExisting(rekeyed)
	if !ok {
		return c.problems
	}
	want, wantKeys, err := wantedDelegations(accepted, rekeyed)
	if err != nil {
		return append(c.problems, err.Error())
	}
	if !c.checkAdded(want) {
		return c.problems
	}
	c.checkKeys(replaced, wantKeys)
	return c.problems
}

// viewBoth is viewClaimed of each version, side by side on two cores:
// each is a pass over a canonical form of 53 MB at 100,000 projects, and
// both views are held at once however they are made. The same file twice
// is viewed once at a time, as its canonical form is made on first use.
func viewBoth(prevFile, nextFile *metafile.File) (prev, next *claimedView, prevErr, nextErr error) {
	if prevFile == nextFile {
		prev, prevErr = viewClaimed(prevFile)
		next, nextErr = viewClaimed(nextFile)
		return prev, next, prevErr, nextErr
	}
	done := make(chan struct{})
	var panicked any // raised again here, on the caller's goroutine
	go func() {
		defer close(done)
		defer func() { panicked = recover() }()
		prev, prevErr = viewClaimed(prevFile)
	}()
	// Waited for however this goroutine's view ends, a panic included:
	// nothing goes on with prevFile once viewBoth has returned.
	defer func() { <-done }()
	next, nextErr = viewClaimed(nextFile)
	<-done
	if panicked != nil {
		panic(panicked)
	}
	return prev, next, prevErr, nextErr
}

// claimedChange is claimed's next version checked against the trusted one.
type claimedChange struct {
	prev, next *claimedView
	problems   []string
}

func (c *claimedChange) bad(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// checkShape checks what must not change but the version, and that no
// delegation goes; false if the delegations cannot be compared.
func (c *claimedChange) checkShape() bool {
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

// checkExisting checks the trusted delegations in the next version: each
// as it was (the same bytes), or rekeyed as a rekey of the ceremony asks,
// in place. It returns the key IDs the rekeyed delegations listed; false
// if checking must stop.
func (c *claimedChange) checkExisting(rekeyed []rekeyChange) (replaced map[string]bool, ok bool) {
	prev, next := c.prev, c.next
	rekey := map[string]rekeyChange{}
	for _, r := range rekeyed {
		q, err := quoted(r.claim.Project)
		if err != nil {
			c.problems = append(c.problems, err.Error())
			return nil, false
		}
		rekey[q] = r
	}
	replaced = map[string]bool{}
	rekeyedAt := map[string]bool{}
	for i := range prev.roles {
		var r rekeyChange
		isRekey := false
		if len(rekey) > 0 {
			name, err := prev.quotedName(i)
			if err != nil {
				c.problems = append(c.problems, fmt.Sprintf("the trusted claimed: %v", err))
				return nil, false
			}
			r, isRekey = rekey[string(name)]
		}
		if !isRekey && bytes.Equal(prev.roles[i], next.roles[i]) {
			continue
		}
		was, err := prev.role(i)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("the trusted claimed: %v", err))
			return nil, false
		}
		is, err := next.role(i)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("claimed: %v", err))
			return nil, false
		}
		name := was.name
		if !isRekey {
			if is.name == name && onlyKeysDiffer(prev.roles[i], next.roles[i]) {
				c.bad("claimed v%d changes the keys of %q (delegation %d), a rekey that the ceremony's init record does not name: a claimed project's keys change only at a claims ceremony run with 'claims init --rekey %s=REASON'", next.version, name, i+1, name)
			} else {
				c.bad("claimed v%d's delegation %d (%q) is not the trusted v%d's (%q) as it was", next.version, i+1, is.name, prev.version, name)
			}
			return nil, false
		}
		if strings.Join(sortedCopy(was.keyIDs), ",") != strings.Join(sortedCopy(r.previousKeyIDs), ",") || was.threshold != r.previousThreshold {
			c.bad("%s says %q was delegated to key(s) %s (threshold %d), but the trusted claimed v%d delegates it to %s (threshold %d)", workspace.AcceptedFile, name,
				abbrevList(sortedCopy(r.previousKeyIDs)), r.previousThreshold, prev.version, abbrevList(sortedCopy(was.keyIDs)), was.threshold)
		}
		want, err := rekeyedDelegation(prev.roles[i], r.claim)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("the trusted claimed's delegation %d (%q): %v", i+1, name, err))
			return nil, false
		}
		if !bytes.Equal(want, next.roles[i]) {
			c.bad("claimed v%d's delegation %d (%q) is not the trusted v%d's with the keys and threshold of its rekey's claim request: a rekey changes only those, in place", next.version, i+1, is.name, prev.version)
			return nil, false
		}
		rekeyedAt[name] = true
		for _, id := range was.keyIDs {
			replaced[id] = true
		}
	}
	for _, r := range rekeyed {
		if !rekeyedAt[r.claim.Project] {
			c.bad("claimed v%d does not rekey %q as the ceremony's rekeys ask: the trusted v%d does not delegate it", next.version, r.claim.Project, prev.version)
		}
	}
	return replaced, true
}

// wantedDelegations are the delegations the accepted requests ask for, by
// project, and the keys the accepted and rekeyed requests hold, by key
// ID, each in canonical form.
func wantedDelegations(accepted []claims.Claim, rekeyed []rekeyChange) (want, wantKeys map[string][]byte, err error) {
	want, wantKeys = map[string][]byte{}, map[string][]byte{}
	for _, r := range rekeyed {
		for id, k := range r.claim.Keys {
			if wantKeys[id], err = canonicalJSON(k); err != nil {
				return nil, nil, err
			}
		}
	}
	for _, c := range accepted {
		d, err := canonicalJSON(claims.Delegation(c))
		if err != nil {
			return nil, nil, err
		}
		want[c.Project] = d
		for id, k := range c.Keys {
			if wantKeys[id], err = canonicalJSON(k); err != nil {
				return nil, nil, err
			}
		}
	}
	return want, wantKeys, nil
}

// checkAdded checks the delegations added after the trusted ones: each
// exactly what an accepted request asks for, none a project the trusted
// version delegates already, and every accepted request delegated. False
// if a delegation cannot be read, and checking must stop.
func (c *claimedChange) checkAdded(want map[string][]byte) bool {
	prev, next := c.prev, c.next
	var roles []delegatedRole
	names := map[string]bool{} // the added delegations' names as written
	for i := len(prev.roles); i < len(next.roles); i++ {
		r, err := next.role(i)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("claimed: %v", err))
			return false
		}
		q, err := next.quotedName(i)
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("claimed: %v", err))
			return false
		}
		roles, names[string(q)] = append(roles, r), true
	}
	had, ok := c.trustedAmong(names)
	if !ok {
		return false
	}
	added := map[string]bool{}
	for k, r := range roles {
		i, name := len(prev.roles)+k, r.name
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
	return true
}

// trustedAmong are the projects of names (as written) that the trusted
// version delegates, by name decoded: one pass over its delegations'
// names, none decoded but those. False if a trusted delegation's name
// cannot be read.
func (c *claimedChange) trustedAmong(names map[string]bool) (map[string]bool, bool) {
	had := map[string]bool{}
	if len(names) == 0 {
		return had, true
	}
	for i := range c.prev.roles {
		q, err := c.prev.quotedName(i)
		if err == nil && names[string(q)] {
			var name string
			if name, err = metafile.String(q); err == nil {
				had[name] = true
			}
		}
		if err != nil {
			c.problems = append(c.problems, fmt.Sprintf("the trusted claimed: %v", err))
			return nil, false
		}
	}
	return had, true
}

// checkKeys checks the delegations' keys: the trusted ones kept as they
// were, but those the rekeys replace and no delegation lists any more,
// which go; a new key only from an accepted or rekeyed request. A key's
// ID is decoded only where it is needed: a rekey, a new key, a problem.
func (c *claimedChange) checkKeys(replaced map[string]bool, wantKeys map[string][]byte) {
	prev, next := c.prev, c.next
	used := map[string]bool{}
	if len(replaced) > 0 {
		for i := range next.roles {
			r, err := next.role(i)
			if err != nil {
				which := "claimed"
				if i < len(prev.roles) && bytes.Equal(prev.roles[i], next.roles[i]) {
					which = "the trusted claimed"
				}
				c.problems = append(c.problems, fmt.Sprintf("%s: %v", which, err))
				return
			}
			for _, id := range r.keyIDs {
				used[id] = true
			}
		}
	}
	var added []string // the problems of new keys, after those of the trusted ones
	eachKeyPair(prev.keys, next.keys, func(q, k, nk []byte) {
		if k != nil && len(replaced) == 0 && bytes.Equal(k, nk) {
			return
		}
		id, err := metafile.String(q)
		if err != nil {
			id = string(q)
		}
		switch {
		case k == nil:
			if w, ok := wantKeys[id]; !ok || !bytes.Equal(w, nk) {
				added = append(added, fmt.Sprintf("claimed v%d adds key %s, which no accepted claim request holds", next.version, ceremony.AbbrevHash(id)))
			}
		case replaced[id] && !used[id]:
			if nk != nil {
				c.bad("claimed v%d keeps key %s, which no delegation lists once the rekeys replace it: drop it", next.version, ceremony.AbbrevHash(id))
			}
		case !bytes.Equal(k, nk):
			c.bad("claimed v%d does not keep key %s of the trusted v%d as it was", next.version, ceremony.AbbrevHash(id), prev.version)
		}
	})
	c.problems = append(c.problems, added...)
}

func sameMembers(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || !bytes.Equal(v, w) {
			return false
		}
	}
	return true
}

// canonicalJSON is v's canonical JSON.
func canonicalJSON(v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return metafile.Canonicalize(raw)
}

// acceptedClaims verifies again, as of the ceremony's time and with its
// attestation roots, the claim request of each project an accepted list
// names, added or rekeyed; read gives a request's bytes by its entry
// (claims/NAME). It returns the claims added and rekeyed, or why one does
// not hold.
func acceptedClaims(list *delegated.AcceptedProjects, read func(entry string) ([]byte, bool), at time.Time, roots []byte) (added, rekeyed []claims.Claim, file, why string) {
	one := func(project, file, sha string, keyIDs []string, threshold int) (*claims.Claim, string, string) {
		data, ok := read(file)
		if !ok || !strings.HasPrefix(file, workspace.ClaimsDir+"/") {
			return nil, workspace.AcceptedFile, fmt.Sprintf("the claim request of %s (%s) is not in %s/", project, file, workspace.ClaimsDir)
		}
		c, err := claims.Verify(data, file, claims.Options{Now: at, Roots: certPool(roots)})
		if err != nil {
			return nil, file, err.Error()
		}
		if c.Project != project || c.SHA256 != sha {
			return nil, file, fmt.Sprintf("is the claim request of %s (%s), but %s names it for %s (%s)", c.Project, ceremony.AbbrevHash(c.SHA256), workspace.AcceptedFile, project, ceremony.AbbrevHash(sha))
		}
		d := claims.Delegation(*c)
		if strings.Join(d.KeyIDs, ",") != strings.Join(keyIDs, ",") || d.Threshold != threshold {
			return nil, workspace.AcceptedFile, fmt.Sprintf("gives %s keys or a threshold its claim request does not", project)
		}
		return c, "", ""
	}
	seen := map[string]bool{}
	for _, p := range list.Projects {
		c, file, why := one(p.Project, p.ClaimFile, p.ClaimSHA256, p.KeyIDs, p.Threshold)
		if why != "" {
			return nil, nil, file, why
		}
		seen[p.Project] = true
		added = append(added, *c)
	}
	for _, p := range list.Rekeyed {
		if seen[p.Project] {
			return nil, nil, workspace.AcceptedFile, fmt.Sprintf("both adds and rekeys %s", p.Project)
		}
		c, file, why := one(p.Project, p.ClaimFile, p.ClaimSHA256, p.KeyIDs, p.Threshold)
		if why != "" {
			return nil, nil, file, why
		}
		rekeyed = append(rekeyed, *c)
	}
	return added, rekeyed, "", ""
}

// checkClaimsWorkspace checks what a claims workspace's init made: the
// request of each project its accepted list names, verified again, and
// claimed's state (next: its first, or its current file) the trusted
// claimed (as checked against the init record, where it was) with exactly
// those projects added. It returns why not, or "".
func checkClaimsWorkspace(ws *workspace.Workspace, next *metafile.File, trusted delegated.Checked) string {
	req, err := delegated.ReadClaimsRequest(ws)
	if err != nil {
		return err.Error()
	}
	at, err := time.Parse(time.RFC3339, req.Time)
	if err != nil {
		return fmt.Sprintf("%s: claims.time: %v", workspace.PlanFile, err)
	}
	prev, err := trusted.TrustedMetadata(ws, plan.RoleClaimed)
	if err != nil {
		return err.Error()
	}
	list, err := delegated.ReadAcceptedFile(ws)
	if err != nil {
		return err.Error()
	}
	if why := checkRekeysRecorded(req, list); why != "" {
		return why
	}
	accepted, rekeyed, file, why := acceptedClaims(list, func(entry string) ([]byte, bool) {
		data, err := ws.ReadFile(entry)
		return data, err == nil
	}, at, []byte(ws.State.AttestationRoots))
	if why != "" {
		return file + ": " + why
	}
	if h, err := next.Header(); err != nil || h.Version != list.ClaimedVersion {
		return fmt.Sprintf("%s is for claimed v%d, but the workspace signs claimed v%d", workspace.AcceptedFile, list.ClaimedVersion, h.Version)
	}
	if problems := checkClaimedChange(prev, next, accepted, rekeyedRoles(list, rekeyed)); len(problems) > 0 {
		return problems[0]
	}
	return ""
}
