package rotation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// nextVersion is the lowest version role may be published at: above every
// version of it seen below SafeVersion and above its current version; 0
// when the source says nothing of it (a workspace holds no online roles).
func (s *State) nextVersion(role string) int64 {
	v := s.seenFor(role).MaxSafe
	if c := s.Current[role]; c < SafeVersion {
		v = max(v, c)
	}
	switch {
	case v == 0 && s.Current[role] >= SafeVersion:
		// Only an attacker's version was seen (timestamp.json is replaced
		// each time): the key changes, so clients accept any version.
		return 1
	case v == 0:
		return 0
	}
	return v + 1
}

// VersionText says which versions to publish a role at, for people.
func VersionText(v int64) string {
	if v == 0 {
		return "at a version above the one published now"
	}
	return fmt.Sprintf("at v%d or later", v)
}

// online works out what the online side signs again, and the fast-forward
// recovery.
func (a *analysis) online(newRoot *metadata.RootType, res Resigned) {
	s := a.s
	tsChanged := !sameRoleKeys(rootRoleKeys(s.Root, metadata.TIMESTAMP), rootRoleKeys(newRoot, metadata.TIMESTAMP))
	snChanged := !sameRoleKeys(rootRoleKeys(s.Root, metadata.SNAPSHOT), rootRoleKeys(newRoot, metadata.SNAPSHOT))
	var work []OnlineWork
	lastGood := "the last snapshot published before the compromise"
	if lg := a.s.LastGood; lg != nil && lg.Current[metadata.SNAPSHOT] > 0 {
		lastGood = fmt.Sprintf("the last good snapshot (v%d of %s)", lg.Current[metadata.SNAPSHOT], lg.Source)
	}
	binsDone := map[string]bool{}
	for _, c := range a.p.Changes {
		if strings.HasSuffix(c.Role, "-*") && !binsDone[c.Role] {
			binsDone[c.Role] = true
			why := "their key changes: sign every bin again with the new online key"
			if a.req.Online {
				why += ", each bin's targets first compared with " + lastGood
			}
			work = append(work, OnlineWork{Role: c.Role, MinVersion: s.nextVersion(strings.TrimSuffix(c.Role, "*")), Why: why})
		}
	}
	for _, role := range res.OnlineChanged {
		work = append(work, OnlineWork{Role: role, MinVersion: s.nextVersion(role),
			Why: "signed online, and its keys or its delegations' keys change: sign it again with the online key now in service"})
	}
	if a.req.Online && len(binsDone) == 0 {
		for _, name := range slices.Sorted(maps.Keys(s.Targets)) {
			if d := s.Targets[name].Delegations; d != nil && d.SuccinctRoles != nil {
				role := binsRole(d.SuccinctRoles)
				work = append(work, OnlineWork{Role: role, MinVersion: s.nextVersion(strings.TrimSuffix(role, "*")),
					Why: "the online server was compromised: every bin compared with " + lastGood + " and signed again"})
			}
		}
	}
	if len(res.Resign) > 0 || len(work) > 0 || tsChanged || snChanged || a.req.Online {
		work = append(work,
			OnlineWork{Role: metadata.SNAPSHOT, MinVersion: s.nextVersion(metadata.SNAPSHOT), Why: "lists every role at its new version"},
			OnlineWork{Role: metadata.TIMESTAMP, MinVersion: s.nextVersion(metadata.TIMESTAMP), Why: "published last: it points clients at the new snapshot"})
	}
	a.p.Online = work

	switch {
	case tsChanged:
		a.p.FastForward = append(a.p.FastForward, fmt.Sprintf("Timestamp's keys change with root v%d, so clients delete their trusted timestamp and snapshot metadata when they take it (TUF 1.0.31 §5.3.11, fast-forward attack recovery; go-tuf 2.4.2 keeps the files but drops them, as they no longer verify under the new keys). A timestamp or snapshot version an attacker pushed up no longer holds them back.", newRoot.Version))
	case snChanged:
		a.p.FastForward = append(a.p.FastForward, fmt.Sprintf("Snapshot's keys change with root v%d, so clients delete their trusted snapshot metadata when they take it (TUF 1.0.31 §5.3.11): role versions an attacker pushed up in a snapshot no longer hold them back.", newRoot.Version))
	}
	ts, sn := s.seenFor(metadata.TIMESTAMP), s.seenFor(metadata.SNAPSHOT)
	if (a.req.Online || tsChanged || snChanged) && (ts.MaxSafe > 0 || sn.MaxSafe > 0) {
		a.p.FastForward = append(a.p.FastForward, fmt.Sprintf("Publish snapshot %s and timestamp %s: above every version below 2^53 seen in %s (timestamp up to v%d, snapshot up to v%d), so that clients that never saw an attacker's metadata move forward as usual.",
			VersionText(s.nextVersion(metadata.SNAPSHOT)), VersionText(s.nextVersion(metadata.TIMESTAMP)), s.Source, ts.MaxSafe, sn.MaxSafe))
	}
	for _, x := range []struct {
		role string
		v    Versions
	}{{metadata.TIMESTAMP, ts}, {metadata.SNAPSHOT, sn}} {
		if x.v.Max < SafeVersion {
			continue
		}
		if !tsChanged && (x.role == metadata.TIMESTAMP || !snChanged) {
			a.p.Problems = append(a.p.Problems, fmt.Sprintf("%s was published at version %d, which no new version can exceed, and its keys do not change: clients that took it can only recover when the key changes (TUF 5.3.11): give --online (or --replace ONLINE=NEWKEY)", x.role, x.v.Max))
			continue
		}
		a.p.FastForward = append(a.p.FastForward, fmt.Sprintf("%s v%d (the attacker's) cannot be exceeded; clients that took it recover through the key change alone. Remove it from the repository and the CDN before publishing.", x.role, x.v.Max))
	}
	if a.req.Online && !tsChanged {
		a.p.Problems = appendOnce(a.p.Problems, "the online server was compromised, but timestamp would keep its key: give --replace ONLINE=NEWKEY with the new online key")
	}
}
