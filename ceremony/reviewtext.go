package ceremony

// The review as people read it: the lines the command prints and the app
// shows before the PIN.

import (
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/workspace"
)

func (rv *reviewer) summary(rep *ReviewReport, l *Loaded) []string {
	lines := []string{}
	head := fmt.Sprintf("workspace %s: %s ceremony, profile %s", rep.Dir, rep.Kind, rep.Profile)
	if rep.Repository != "" {
		head += ", repository " + rep.Repository
	}
	lines = append(lines, head)
	for _, w := range rep.Warnings {
		lines = append(lines, "WARNING: "+w)
	}
	switch {
	case !rv.ws.State.Kind.SignsRoot():
		var trusted []string
		for _, role := range rv.ws.State.Trusted {
			if f := l.Given[role]; f != nil {
				if h, err := f.Header(); err == nil {
					trusted = append(trusted, fmt.Sprintf("%s v%d", role, h.Version))
				}
			}
		}
		lines = append(lines, fmt.Sprintf("clients trust %s now (%s/); this ceremony signs %s", strings.Join(trusted, ", "), workspace.TrustedDir, strings.Join(rv.ws.State.Roles, ", ")))
	case l.TrustedRoot != nil:
		lines = append(lines, fmt.Sprintf("clients trust root v%d now (%s); this ceremony signs %s", l.TrustedRoot.Version, workspace.TrustedRoot, strings.Join(rv.ws.State.Roles, ", ")))
	default:
		lines = append(lines, fmt.Sprintf("bootstrap: clients trust nothing yet, everything below is new; this ceremony signs %s", strings.Join(rv.ws.State.Roles, ", ")))
	}
	if rep.Key != nil {
		if u, err := keys.ParseURI(rep.Key.URI); err == nil && u.Scheme == "pkcs11" {
			lines = append(lines, "the key's PKCS#11 module, whose code runs in this process to sign: "+u.Query["module-path"])
		}
		if len(rep.KeyMaySign) > 0 {
			lines = append(lines, fmt.Sprintf("the key about to sign, %s, may sign %s", rep.Key, strings.Join(rep.KeyMaySign, ", ")))
		} else {
			lines = append(lines, fmt.Sprintf("the key about to sign, %s, may sign nothing in this workspace", rep.Key))
		}
	}
	return lines
}

func (rv *reviewer) roleLines(r RoleReview, rules []threshold.Rule) []string {
	expiry := fmt.Sprintf("expires %s (%s)", r.Expires.Format(time.DateOnly), reviewDays(r.ExpiresInDays, r.Expired))
	var lines []string
	if r.TrustedVersion != 0 {
		lines = append(lines, fmt.Sprintf("%s v%d replaces v%d; %s; v%d %s", r.Role, r.Version, r.TrustedVersion, expiry,
			r.TrustedVersion, reviewExpiry(*r.TrustedExpires, r.TrustedExpiresInDays, !r.TrustedExpires.After(rv.now))))
	} else {
		lines = append(lines, fmt.Sprintf("%s v%d is new; %s", r.Role, r.Version, expiry))
	}
	for _, p := range r.Problems {
		lines = append(lines, "PROBLEM: "+p)
	}
	if r.Root != nil {
		lines = append(lines, rootLines(r.Root, r.TrustedVersion != 0)...)
	}
	if r.Targets != nil {
		lines = append(lines, targetsLines(r.Targets)...)
	}
	for i, c := range r.Signers {
		all := make([]string, 0, len(rules[i].KeyIDs))
		for _, id := range rules[i].KeyIDs {
			all = append(all, HolderName(rv.ws, id))
		}
		state := "threshold met"
		if !c.Met {
			state = fmt.Sprintf("needs %d more", c.Threshold-len(c.Signed))
		}
		line := fmt.Sprintf("must sign: %s requires %d of %s; signed: %s (%s)", c.Delegator, c.Threshold, strings.Join(all, ", "), signerNames(c.Signed), state)
		if len(c.Invalid) > 0 {
			line += "; INVALID signature from " + signerNames(c.Invalid)
		}
		lines = append(lines, line)
	}
	lines = append(lines, "canonical bytes to sign: sha256 "+r.CanonicalSHA256)
	if sum, err := hex.DecodeString(r.CanonicalSHA256); err == nil {
		lines = append(lines, "  as PGP words: "+bundle.PGPWords(sum))
	}
	if a := r.Key; a != nil {
		switch {
		case !a.Authorized:
			lines = append(lines, fmt.Sprintf("the key about to sign may NOT sign %s (%s)", r.Role, whoMay(rv.ws, rules)))
		case a.AlreadySigned:
			lines = append(lines, fmt.Sprintf("the key about to sign has already signed %s", r.Role))
		case len(a.NotCountedBy) > 0:
			lines = append(lines, fmt.Sprintf("the key about to sign may sign %s: counted for %s, not for %s", r.Role, strings.Join(a.CountedBy, ", "), strings.Join(a.NotCountedBy, ", ")))
		default:
			lines = append(lines, fmt.Sprintf("the key about to sign may sign %s: counted for %s", r.Role, strings.Join(a.CountedBy, ", ")))
		}
	}
	return lines
}

func reviewDays(days int, expired bool) string {
	switch {
	case expired && days >= 0:
		return "EXPIRED"
	case expired:
		return fmt.Sprintf("EXPIRED %d days ago", -days)
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

func reviewExpiry(t time.Time, days int, expired bool) string {
	if expired {
		return fmt.Sprintf("expired %s (%s)", t.Format(time.DateOnly), reviewDays(days, true))
	}
	return fmt.Sprintf("expires %s (%s)", t.Format(time.DateOnly), reviewDays(days, false))
}

func signerNames(ps []Party) string {
	if len(ps) == 0 {
		return "none yet"
	}
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Holder
	}
	return strings.Join(names, ", ")
}

// reviewKeyNames names keys by label; a key no holder is known for, by
// its short key ID too, so that two unknown keys are never one name.
func reviewKeyNames(ks []ReviewKey) string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.Label()
		if k.Holder == "" && !k.Online {
			names[i] += " " + k.Short()
		}
	}
	return strings.Join(names, ", ")
}

func rootLines(rr *RootReview, trusted bool) []string {
	var lines []string
	for _, r := range rr.Roles {
		var parts []string
		for _, k := range r.Added {
			parts = append(parts, "+ "+k.String())
		}
		for _, k := range r.Removed {
			parts = append(parts, "- "+k.String())
		}
		keysText := strings.Join(parts, ", ")
		switch {
		case len(parts) == 0 && len(r.Kept) == 0:
			keysText = "none"
		case len(parts) == 0:
			keysText = "unchanged (" + reviewKeyNames(r.Kept) + ")"
		case len(r.Kept) > 0:
			keysText += "; kept " + reviewKeyNames(r.Kept)
		}
		thr := fmt.Sprintf("%s threshold %d", r.Role, r.Threshold)
		switch {
		case r.Threshold == 0:
			thr = fmt.Sprintf("%s role REMOVED (threshold was %d)", r.Role, r.TrustedThreshold)
		case trusted && r.TrustedThreshold == 0:
			thr = fmt.Sprintf("%s role is new, threshold %d", r.Role, r.Threshold)
		case trusted:
			thr = fmt.Sprintf("%s threshold %d -> %d", r.Role, r.TrustedThreshold, r.Threshold)
		}
		lines = append(lines, fmt.Sprintf("%s keys: %s; %s", r.Role, keysText, thr))
	}
	if !trusted {
		lines = append(lines, fmt.Sprintf("spec_version %s; consistent_snapshot %t", rr.SpecVersion, rr.ConsistentSnapshot))
		return lines
	}
	lines = append(lines, fmt.Sprintf("spec_version %s%s; consistent_snapshot %s",
		reviewArrow(rr.TrustedSpecVersion, rr.SpecVersion), unchangedNote(rr.TrustedSpecVersion == rr.SpecVersion),
		reviewArrow(strconv.FormatBool(*rr.TrustedConsistentSnapshot), strconv.FormatBool(rr.ConsistentSnapshot))+unchangedNote(*rr.TrustedConsistentSnapshot == rr.ConsistentSnapshot)))
	return lines
}

func reviewArrow(old, next string) string { return old + " -> " + next }

func unchangedNote(same bool) string {
	if same {
		return " (unchanged)"
	}
	return " (CHANGED)"
}

func targetsLines(tr *TargetsReview) []string {
	var lines []string
	if len(tr.Delegations) == 0 {
		if tr.DelegationsUnchanged > 0 {
			lines = append(lines, fmt.Sprintf("delegations: unchanged (%d)", tr.DelegationsUnchanged))
		} else {
			lines = append(lines, "delegations: none")
		}
	} else {
		head := "delegations:"
		if tr.DelegationsUnchanged > 0 {
			head += fmt.Sprintf(" (%d unchanged)", tr.DelegationsUnchanged)
		}
		lines = append(lines, head)
		for i, d := range tr.Delegations {
			if i == maxListed {
				lines = append(lines, fmt.Sprintf("  ... and %d more delegations (the JSON review lists every one)", len(tr.Delegations)-maxListed))
				break
			}
			lines = append(lines, "  "+delegationLine(d))
		}
	}
	if len(tr.Targets) == 0 {
		if tr.TargetsUnchanged > 0 {
			lines = append(lines, fmt.Sprintf("targets: unchanged (%d)", tr.TargetsUnchanged))
		} else {
			lines = append(lines, "targets: none")
		}
		return lines
	}
	head := "targets:"
	if tr.TargetsUnchanged > 0 {
		head += fmt.Sprintf(" (%d unchanged)", tr.TargetsUnchanged)
	}
	lines = append(lines, head)
	for i, t := range tr.Targets {
		if i == maxListed {
			lines = append(lines, fmt.Sprintf("  ... and %d more targets (the JSON review lists every one)", len(tr.Targets)-maxListed))
			break
		}
		switch t.Change {
		case ChangeAdded:
			lines = append(lines, fmt.Sprintf("  + %s (%s)", t.Path, targetText(t.New)))
		case ChangeRemoved:
			lines = append(lines, fmt.Sprintf("  - %s (%s)", t.Path, targetText(t.Old)))
		default:
			lines = append(lines, fmt.Sprintf("  ~ %s (%s -> %s)", t.Path, targetText(t.Old), targetText(t.New)))
		}
	}
	return lines
}

func targetText(t *TargetInfo) string {
	alg := "sha256"
	if _, ok := t.Hashes[alg]; !ok {
		algs := make([]string, 0, len(t.Hashes))
		for a := range t.Hashes {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		if len(algs) == 0 {
			return fmt.Sprintf("%d bytes, no hash", t.Length)
		}
		alg = algs[0]
	}
	return fmt.Sprintf("%d bytes, %s %s", t.Length, alg, t.Hashes[alg])
}

func delegationLine(d DelegationReview) string {
	switch d.Change {
	case ChangeAdded:
		return "+ " + termsText(d.Name, d.New)
	case ChangeRemoved:
		return "- " + termsText(d.Name, d.Old)
	}
	var parts []string
	for _, k := range d.KeysAdded {
		parts = append(parts, "+ "+k.String())
	}
	for _, k := range d.KeysRemoved {
		parts = append(parts, "- "+k.String())
	}
	if len(parts) > 0 {
		parts = []string{"keys " + strings.Join(parts, ", ")}
	}
	o, n := d.Old, d.New
	if o.Threshold != n.Threshold {
		parts = append(parts, fmt.Sprintf("threshold %d -> %d", o.Threshold, n.Threshold))
	}
	if !slices.Equal(o.paths, n.paths) {
		parts = append(parts, fmt.Sprintf("paths %d -> %d (changed)", o.Paths, n.Paths))
	}
	if !slices.Equal(o.prefixes, n.prefixes) {
		parts = append(parts, fmt.Sprintf("path_hash_prefixes %d -> %d (changed)", o.PathHashPrefixes, n.PathHashPrefixes))
	}
	if o.Terminating != n.Terminating {
		parts = append(parts, fmt.Sprintf("terminating %t -> %t", o.Terminating, n.Terminating))
	}
	if o.HashBins != nil && n.HashBins != nil && *o.HashBins != *n.HashBins {
		parts = append(parts, fmt.Sprintf("hash bins %d %s..%s -> %d %s..%s", o.HashBins.Count, o.HashBins.First, o.HashBins.Last, n.HashBins.Count, n.HashBins.First, n.HashBins.Last))
	}
	return "~ " + d.Name + ": " + strings.Join(parts, "; ")
}

func termsText(name string, t *DelegationTerms) string {
	ks := make([]string, len(t.Keys))
	online := 0
	for i, k := range t.Keys {
		ks[i] = k.String()
		if k.Online {
			online++
		}
	}
	if b := t.HashBins; b != nil {
		kind := "key"
		if online == len(t.Keys) {
			kind = "online key"
		}
		if len(t.Keys) != 1 {
			kind += "s"
		}
		return fmt.Sprintf("%d hash-bin roles %s..%s, each %d %s, threshold %d: %s", b.Count, b.First, b.Last, len(t.Keys), kind, t.Threshold, strings.Join(ks, ", "))
	}
	var scope []string
	if t.Paths > 0 {
		scope = append(scope, fmt.Sprintf("%d paths", t.Paths))
	}
	if t.PathHashPrefixes > 0 {
		scope = append(scope, fmt.Sprintf("%d path_hash_prefixes", t.PathHashPrefixes))
	}
	if len(scope) == 0 {
		scope = append(scope, "no paths")
	}
	term := "not terminating"
	if t.Terminating {
		term = "terminating"
	}
	return fmt.Sprintf("%s: keys %s; threshold %d; %s; %s", name, strings.Join(ks, ", "), t.Threshold, strings.Join(scope, ", "), term)
}
