package verify

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// DefaultExpiryWarning is how close to its expiry a role draws a warning.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// findings collects the findings about one file.
type findings struct {
	file, role string
	// delegator is Finding.Delegator.
	delegator string
	list      []Finding
}

func (found *findings) errorf(check, format string, args ...any) {
	found.list = append(found.list, Finding{Severity: Error, File: found.file, Role: found.role, Check: check, Message: fmt.Sprintf(format, args...), Delegator: found.delegator})
}

func (found *findings) warnf(check, format string, args ...any) {
	found.list = append(found.list, Finding{Severity: Warning, File: found.file, Role: found.role, Check: check, Message: fmt.Sprintf(format, args...), Delegator: found.delegator})
}

// delegatorOf names who delegates a role by the rules it is checked
// against: the first rule's delegator, "" if there is none.
func delegatorOf(rules []threshold.Rule) string {
	if len(rules) == 0 {
		return ""
	}
	return rules[0].Delegator
}

// checkKeys warns about keys whose key ID is neither of the two ways tools
// compute one (published repositories carry such IDs: clients take key IDs
// as given, so this is never an error), and about keys that cannot be
// decoded, whose signatures therefore never count.
func (found *findings) checkKeys(ks map[string]*metadata.Key) {
	ids := make([]string, 0, len(ks))
	for id := range ks {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		k := ks[id]
		if k == nil {
			found.errorf("key", "key %s is null", short(id))
			continue
		}
		if _, err := keys.PublicKeyOf(k); err != nil {
			found.warnf("key", "key %s cannot be used, so its signatures do not count: %v", short(id), err)
			continue
		}
		if keys.IDMatches(id, k) {
			continue
		}
		core, _ := keys.ID(k)
		found.warnf("keyid", "key ID %s is not the SHA-256 of the key (want %s); tools and clients that check key IDs reject it", short(id), short(core))
	}
}

// checkSignatures counts f's signatures against each rule and reports
// unmet thresholds and signatures that do not verify. It returns the
// tallies, in the order of rules (nil entries where counting failed).
func (found *findings) checkSignatures(f *metafile.File, rules []threshold.Rule) []*threshold.Tally {
	tallies := make([]*threshold.Tally, len(rules))
	invalid := map[string]string{}
	for i, rule := range rules {
		t, err := threshold.Count(rule, f)
		if err != nil {
			found.errorf("canonical", "cannot compute the signed bytes: %v", err)
			return tallies
		}
		tallies[i] = &t
		for _, id := range t.Invalid {
			if _, err := keys.PublicKeyOf(rule.Keys[id]); err != nil {
				continue // the key itself is reported where it is defined
			}
			if _, seen := invalid[id]; !seen {
				invalid[id] = rule.Delegator
			}
		}
	}
	ids := make([]string, 0, len(invalid))
	for id := range invalid {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		found.errorf("signature", "signature by key %s (trusted by %s) does not verify", short(id), invalid[id])
	}
	for _, t := range tallies {
		if t != nil && !t.Met() {
			found.errorf("threshold", "%d of %d required signatures from %s, have %d (missing: %s)",
				t.Rule.Threshold, len(t.Rule.KeyIDs), t.Rule.Delegator, len(t.Signed), shortList(t.Missing))
		}
	}
	var foreign []string
	for _, s := range f.Signatures {
		if s.Sig == "" {
			continue
		}
		listed := false
		for _, rule := range rules {
			if _, ok := rule.Keys[s.KeyID]; ok {
				listed = true
				break
			}
		}
		if !listed {
			foreign = append(foreign, short(s.KeyID))
		}
	}
	if len(foreign) > 0 && len(rules) > 0 {
		names := make([]string, len(rules))
		for i, r := range rules {
			names[i] = r.Delegator
		}
		found.warnf("signature", "signatures by keys that %s does not list, ignored: %s", strings.Join(names, " or "), strings.Join(foreign, ", "))
	}
	return tallies
}

// checkExpiry reports a role that has expired at `at`, or expires within
// `within` of it.
func (found *findings) checkExpiry(expires, at time.Time, within time.Duration) {
	if !expires.After(at) {
		found.errorf("expiry", "expired at %s (verifying as of %s)", stamp(expires), stamp(at))
		return
	}
	if within > 0 && expires.Sub(at) < within {
		found.warnf("expiry", "expires at %s, within %s of %s", stamp(expires), days(within), stamp(at))
	}
}

// checkHeader checks the fields every role carries: type and spec version.
func (found *findings) checkHeader(h metafile.Header, wantType string) bool {
	if h.Type != wantType {
		found.errorf("type", "_type is %q, want %q", h.Type, wantType)
		return false
	}
	major, _, _ := strings.Cut(h.SpecVersion, ".")
	switch {
	case h.SpecVersion == "":
		found.warnf("spec_version", "spec_version is missing")
	case major != "1":
		found.errorf("spec_version", "spec_version %q is not supported (want 1.x)", h.SpecVersion)
	}
	return true
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// shortList names up to five key IDs.
func shortList(ids []string) string {
	if len(ids) == 0 {
		return "none"
	}
	var parts []string
	for i, id := range ids {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("and %d more", len(ids)-5))
			break
		}
		parts = append(parts, short(id))
	}
	return strings.Join(parts, ", ")
}

// ruleFor builds a delegation's rule. It is threshold.FromTargets without
// the search through the delegator's roles (which, done for each of
// 100,000 delegations, would be quadratic).
func ruleFor(role, delegator string, keyIDs []string, thr int, all map[string]*metadata.Key) (threshold.Rule, error) {
	if thr < 1 {
		return threshold.Rule{}, fmt.Errorf("threshold %d, want at least 1", thr)
	}
	if thr > len(keyIDs) {
		return threshold.Rule{}, fmt.Errorf("threshold %d but only %d keys, so it can never be met", thr, len(keyIDs))
	}
	r := threshold.Rule{Role: role, Delegator: delegator, KeyIDs: append([]string(nil), keyIDs...), Threshold: thr, Keys: map[string]*metadata.Key{}}
	for _, id := range keyIDs {
		k, ok := all[id]
		if !ok || k == nil {
			return threshold.Rule{}, fmt.Errorf("key %s is listed but not defined", short(id))
		}
		r.Keys[id] = k
	}
	return r, nil
}

// topLevelRule is root's rule for a top-level role.
func topLevelRule(root *metadata.RootType, role string) (threshold.Rule, error) {
	r, ok := root.Roles[role]
	if !ok || r == nil {
		return threshold.Rule{}, fmt.Errorf("root v%d has no %q role", root.Version, role)
	}
	rule, err := ruleFor(role, fmt.Sprintf("root v%d", root.Version), r.KeyIDs, r.Threshold, root.Keys)
	if err != nil {
		return threshold.Rule{}, fmt.Errorf("root v%d's %q role: %w", root.Version, role, err)
	}
	return rule, nil
}

func stateOf(role, file string, h metafile.Header, t *threshold.Tally) RoleState {
	s := RoleState{Role: role, File: file, Version: h.Version, Expires: h.Expires}
	if t != nil {
		s.Delegator = t.Rule.Delegator
		s.Threshold = t.Rule.Threshold
		s.Signed = t.Signed
	}
	return s
}
