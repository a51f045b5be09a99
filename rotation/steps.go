package rotation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/plan"
)

// signing says, threshold by threshold, who signs what.
func (a *analysis) signing(newRoot *metadata.RootType, res Resigned) {
	s := a.s
	prev, next := rootRoleKeys(s.Root, metadata.ROOT), rootRoleKeys(newRoot, metadata.ROOT)
	var from, stolen, lost, swaps []string
	seen := map[string]bool{}
	for _, id := range prev.KeyIDs {
		l := a.label(id)
		if seen[l] {
			continue
		}
		seen[l] = true
		switch a.cause[id] {
		case Stolen:
			stolen = append(stolen, l)
		case Lost:
			lost = append(lost, l)
		case Retired:
			from = append(from, l+" (previous key)")
			if nk, ok := a.repl[id]; ok {
				swaps = append(swaps, fmt.Sprintf("%s signs the previous root with the old key and the new root with the new one (%s)", a.ring.byID[id].holderOr("its holder"), short(nk.ID)))
			}
		default:
			from = append(from, l)
		}
	}
	var notes []string
	if len(stolen) > 0 {
		notes = append(notes, "compromised, not signing: "+strings.Join(stolen, ", "))
	}
	if len(lost) > 0 {
		notes = append(notes, "lost: "+strings.Join(lost, ", "))
	}
	notes = append(notes, swaps...)
	a.p.Signing = append(a.p.Signing,
		SigningStep{Role: metadata.ROOT, Version: newRoot.Version, Rule: fmt.Sprintf("previous root v%d", s.Root.Version),
			Threshold: prev.Threshold, From: from, Note: strings.Join(notes, "; ")},
		SigningStep{Role: metadata.ROOT, Version: newRoot.Version, Rule: fmt.Sprintf("root v%d", newRoot.Version),
			Threshold: next.Threshold, From: a.labelsOf(next.KeyIDs), Note: "a key in both roots signs once and counts for both"})
	for _, r := range res.Resign {
		rk, rule := a.newKeysFor(r.Role, newRoot, res)
		a.p.Signing = append(a.p.Signing, SigningStep{Role: r.Role, Version: r.Version, Rule: rule, Threshold: rk.Threshold, From: a.labelsOf(rk.KeyIDs)})
	}
}

func (k *Key) holderOr(def string) string {
	if k == nil || k.Holder == "" {
		return def
	}
	return k.Holder
}

func (a *analysis) labelsOf(ids []string) []string {
	var out []string
	for _, id := range ids {
		out = appendOnce(out, a.label(id))
	}
	return out
}

// newKeysFor is who may sign role under the new metadata, and the rule's
// name.
func (a *analysis) newKeysFor(role string, newRoot *metadata.RootType, res Resigned) (RoleKeys, string) {
	if r := newRoot.Roles[role]; r != nil {
		return rootRoleKeys(newRoot, role), fmt.Sprintf("root v%d", newRoot.Version)
	}
	for _, name := range slices.Sorted(maps.Keys(a.s.Targets)) {
		t := res.Targets[name]
		if t == nil {
			t = a.s.Targets[name]
		}
		if t.Delegations == nil {
			continue
		}
		for _, dr := range t.Delegations.Roles {
			if dr.Name == role {
				return RoleKeys{KeyIDs: dr.KeyIDs, Keys: t.Delegations.Keys, Threshold: dr.Threshold}, fmt.Sprintf("%s v%d", name, t.Version)
			}
		}
	}
	return RoleKeys{}, "?"
}

// steps writes the offline and online steps, in order.
func (a *analysis) steps(newRoot *metadata.RootType, res Resigned) {
	p, s := a.p, a.s
	off := func(format string, args ...any) {
		p.OfflineSteps = append(p.OfflineSteps, fmt.Sprintf(format, args...))
	}
	on := func(format string, args ...any) { p.OnlineSteps = append(p.OnlineSteps, fmt.Sprintf(format, args...)) }

	if p.Emergency {
		off("Read this plan aloud with the witnesses present; check each compromised or lost key, and each replacement, by its holder's name and device serial.")
	} else {
		off("Read this plan aloud with the witnesses present; check each key that changes by its holder's name and device serial.")
	}
	if len(a.repl) > 0 {
		off("Check each replacement key before anything is signed: made on its holder's device ('ceremony keygen'), its key ID read aloud by its holder and compared.")
	}
	for _, st := range p.Signing {
		line := fmt.Sprintf("Sign %s v%d: %d of %s under %s", st.Role, st.Version, st.Threshold, strings.Join(st.From, ", "), st.Rule)
		if st.Note != "" {
			line += " (" + st.Note + ")"
		}
		off("%s.", line)
	}
	off("Each keyholder runs 'ceremony sign --key URI WORKSPACE'; 'ceremony status WORKSPACE' counts the previous root's and the new root's thresholds apart.")
	off("Then 'ceremony verify WORKSPACE', 'ceremony seal --key URI ... WORKSPACE' and 'ceremony bundle --out BUNDLE WORKSPACE'; read the bundle's SHA-256 words aloud and write them down.")
	off("Carry the bundle to the online side with this plan's online steps; the bundle holds them in incident-report.md.")

	onlineNew := onlineKeyLabels(a, newRoot)
	onlineChanged := onlineNew != onlineKeyLabels(a, s.Root)
	if p.Emergency {
		on("Keep the evidence first: copy the repository's metadata directory and the servers' logs as they are now, before changing anything.")
	}
	if a.req.Online {
		on("Cut the attacker off: stop the online signer, revoke the compromised online key where it is kept (KMS or HSM), and rebuild the server from a known-good image.")
	}
	if onlineChanged {
		on("Make the new online key (%s) usable by the server and check that it signs, BEFORE root v%d is uploaded: once clients take root v%d, they accept timestamp and snapshot only from the new key.", onlineNew, newRoot.Version, newRoot.Version)
	}
	if a.req.Online {
		lastGood := "the last snapshot published before the compromise"
		if lg := s.LastGood; lg != nil && lg.Current[metadata.SNAPSHOT] > 0 {
			lastGood = fmt.Sprintf("snapshot v%d of %s", lg.Current[metadata.SNAPSHOT], lg.Source)
		}
		on("Compare every hash bin with the last good snapshot (%s): a bin whose version differs was signed after it; check each of its targets against the package index and drop any target not legitimately uploaded since.", lastGood)
	}
	if len(p.Evidence) > 0 && p.Emergency {
		on("Remove what the attacker published (see Evidence) from the repository and the CDN, after keeping a copy.")
	}
	var uploads []string
	for _, r := range p.Resign {
		uploads = append(uploads, fmt.Sprintf("%s v%d", r.Role, r.Version))
	}
	if s.Profile == plan.ProfileRSTUF {
		on("Upload root v%d to RSTUF: POST the bundle's rstuf/update.json to /api/v1/metadata/.", newRoot.Version)
	} else {
		on("Upload, exactly as bundled and in this order: %s (root as %d.root.json, then root.json).", strings.Join(uploads, ", "), newRoot.Version)
	}
	var resign []string
	for _, w := range p.Online {
		if w.Role == metadata.SNAPSHOT || w.Role == metadata.TIMESTAMP {
			continue
		}
		resign = append(resign, fmt.Sprintf("%s (%s)", w.Role, VersionText(w.MinVersion)))
	}
	var sn, ts int64
	snapshot := false
	for _, w := range p.Online {
		switch w.Role {
		case metadata.SNAPSHOT:
			sn, snapshot = w.MinVersion, true
		case metadata.TIMESTAMP:
			ts = w.MinVersion
		}
	}
	if len(resign) > 0 {
		on("With the online key now in service, sign again: %s.", strings.Join(resign, ", "))
	}
	if snapshot {
		on("Then publish snapshot %s, listing every role at its new version, and timestamp %s, LAST.", VersionText(sn), VersionText(ts))
		on("Purge the CDN's cached timestamp.json so that clients see the new state at once.")
	}
	on("Check as a client would: 'ceremony verify --trusted-root %d.root.json REPOSITORY', and refresh a TUF client that trusts root v%d: it must reach root v%d and download a target.", s.Root.Version, s.Root.Version, newRoot.Version)
}

// onlineKeyLabels names the timestamp keys of r.
func onlineKeyLabels(a *analysis, r *metadata.RootType) string {
	rk := rootRoleKeys(r, metadata.TIMESTAMP)
	return strings.Join(a.labelsOf(rk.KeyIDs), ", ")
}
