// Package threshold decides who may sign a role, counts the signatures a
// role has, and says who still has to sign.
//
// A Rule is one delegation: the keys a delegator (root, or a targets role)
// trusts for a role and how many of them must sign. A new root version is
// bound by two rules, the previous root's and its own (TUF specification
// 5.3.4), and both must be met; a Tally is kept for each so that the
// previous root's count and the new root's count are shown apart.
//
// Thresholds count distinct public keys: one key listed under two key IDs
// counts once, as clients count it.
package threshold

import (
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
)

// Rule is one delegation of trust for a role.
type Rule struct {
	// Role is the role this rule is for.
	Role string
	// Delegator says where the rule comes from, for people: "root v2",
	// "previous root v1", "targets v1".
	Delegator string
	KeyIDs    []string
	Threshold int
	// Keys maps each key ID of KeyIDs to its key.
	Keys map[string]*metadata.Key
}

// FromRoot is root's rule for one of the top-level roles.
func FromRoot(root *metadata.RootType, role, delegator string) (Rule, error) {
	r, ok := root.Roles[role]
	if !ok {
		return Rule{}, fmt.Errorf("%s has no role %q", delegator, role)
	}
	return newRule(role, delegator, r.KeyIDs, r.Threshold, root.Keys)
}

// FromTargets is a targets role's rule for a delegated role, named or one
// of its succinct hash bins.
func FromTargets(t *metadata.TargetsType, role, delegator string) (Rule, error) {
	d := t.Delegations
	if d == nil {
		return Rule{}, fmt.Errorf("%s delegates no roles, so not %q", delegator, role)
	}
	for _, r := range d.Roles {
		if r.Name == role {
			return newRule(role, delegator, r.KeyIDs, r.Threshold, d.Keys)
		}
	}
	if d.SuccinctRoles != nil && d.SuccinctRoles.IsDelegatedRole(role) {
		return newRule(role, delegator, d.SuccinctRoles.KeyIDs, d.SuccinctRoles.Threshold, d.Keys)
	}
	return Rule{}, fmt.Errorf("%s does not delegate %q", delegator, role)
}

func newRule(role, delegator string, keyIDs []string, threshold int, all map[string]*metadata.Key) (Rule, error) {
	if threshold < 1 {
		return Rule{}, fmt.Errorf("%s gives %q threshold %d, want at least 1", delegator, role, threshold)
	}
	r := Rule{Role: role, Delegator: delegator, KeyIDs: append([]string(nil), keyIDs...), Threshold: threshold, Keys: map[string]*metadata.Key{}}
	for _, id := range keyIDs {
		k, ok := all[id]
		if !ok || k == nil {
			return Rule{}, fmt.Errorf("%s lists key %s for %q but does not define it", delegator, short(id), role)
		}
		r.Keys[id] = k
	}
	return r, nil
}

// KeyIDFor returns the key ID under which the rule lists key k.
func (r Rule) KeyIDFor(k *metadata.Key) (string, bool) {
	for _, id := range r.KeyIDs {
		if keys.SameKey(r.Keys[id], k) {
			return id, true
		}
	}
	return "", false
}

// Tally is the state of one rule's signatures.
type Tally struct {
	Rule Rule
	// Signed are key IDs of the rule with a valid signature, one per
	// distinct public key.
	Signed []string
	// Missing are key IDs of the rule without a valid signature.
	Missing []string
	// Invalid are key IDs of the rule whose signature does not verify.
	Invalid []string
	// Foreign are key IDs of signatures the rule does not list.
	Foreign []string
}

// Met reports whether enough distinct keys have signed.
func (t Tally) Met() bool { return len(t.Signed) >= t.Rule.Threshold }

// Needed is how many more signatures the rule needs.
func (t Tally) Needed() int {
	if n := t.Rule.Threshold - len(t.Signed); n > 0 {
		return n
	}
	return 0
}

// Unmet is the first of rules that f's signatures do not meet, or nil when
// f meets them all; a rule f cannot be counted under counts as unmet.
func Unmet(f *metafile.File, rules ...Rule) *Rule {
	for i := range rules {
		if t, err := Count(rules[i], f); err != nil || !t.Met() {
			return &rules[i]
		}
	}
	return nil
}

// Count checks every signature of f against the rule.
func Count(rule Rule, f *metafile.File) (Tally, error) {
	t := Tally{Rule: rule}
	byID := map[string]string{}
	for _, s := range f.Signatures {
		if _, listed := rule.Keys[s.KeyID]; !listed {
			if s.Sig != "" {
				t.Foreign = append(t.Foreign, s.KeyID)
			}
			continue
		}
		if s.Sig != "" && byID[s.KeyID] == "" {
			byID[s.KeyID] = s.Sig
		}
	}
	// Each signature given is decoded, then all of them verified at once
	// (side by side over a large "signed": verifyAll), then counted in
	// the rule's order.
	decodeErrs := map[string]error{}
	var checks []keySig
	for _, id := range rule.KeyIDs {
		sig, ok := byID[id]
		if !ok {
			continue
		}
		raw, err := hex.DecodeString(sig)
		if err != nil {
			decodeErrs[id] = err
			continue
		}
		checks = append(checks, keySig{id: id, key: rule.Keys[id], sig: raw})
	}
	verifyErrs := map[string]error{}
	for i, err := range verifyAll(f, checks) {
		verifyErrs[checks[i].id] = err
	}
	seen := map[string]bool{}
	verifiedAny := len(checks) > 0
	for _, id := range rule.KeyIDs {
		if _, ok := byID[id]; !ok {
			t.Missing = append(t.Missing, id)
			continue
		}
		err, decoded := verifyErrs[id]
		if !decoded {
			err = decodeErrs[id]
		}
		if noCanonical := (*NoCanonicalError)(nil); errors.As(err, &noCanonical) {
			return Tally{}, noCanonical.Err
		}
		if err != nil {
			t.Invalid = append(t.Invalid, id)
			t.Missing = append(t.Missing, id)
			continue
		}
		fp := fingerprint(rule.Keys[id])
		if seen[fp] {
			continue
		}
		seen[fp] = true
		t.Signed = append(t.Signed, id)
	}
	if !verifiedAny {
		// No signature was verified: a "signed" with no canonical form
		// is still refused, as when a signature is checked over it.
		if _, err := f.Canonical(); err != nil {
			return Tally{}, err
		}
	}
	sort.Strings(t.Foreign)
	return t, nil
}

func fingerprint(k *metadata.Key) string {
	pub, err := keys.PublicKeyOf(k)
	if err != nil {
		return k.Type + "/" + k.Scheme + "/" + k.Value.PublicKey
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return k.Type + "/" + k.Scheme + "/" + k.Value.PublicKey
	}
	return string(der)
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// CheckNextRoot checks that next may follow trusted: its version is exactly
// one more. Both of RootRules' tallies must then be met.
func CheckNextRoot(trusted, next *metadata.RootType) error {
	if next.Version != trusted.Version+1 {
		return fmt.Errorf("root version %d does not follow the trusted root version %d (want %d)", next.Version, trusted.Version, trusted.Version+1)
	}
	return nil
}

// RootRules are the rules a root version must meet: its own and, unless it
// is the first root, the previous root's.
func RootRules(next, previous *metadata.RootType) ([]Rule, error) {
	own, err := FromRoot(next, metadata.ROOT, fmt.Sprintf("root v%d", next.Version))
	if err != nil {
		return nil, err
	}
	if previous == nil {
		return []Rule{own}, nil
	}
	prev, err := FromRoot(previous, metadata.ROOT, fmt.Sprintf("previous root v%d", previous.Version))
	if err != nil {
		return nil, err
	}
	return []Rule{prev, own}, nil
}
