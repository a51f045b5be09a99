package plan

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
)

// FuzzParse checks that no input makes Parse panic, that a refusal is a
// list of located problems, and that a plan Parse accepts keeps every rule.
// The seeds run in every 'go test'; 'go test -fuzz FuzzParse ./plan/'
// explores from them.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		rstufPlan, pep458Plan, pep480Plan,
		pep458Plan + "rehearsal: {allow_root_threshold_one: true}\n",
		strings.Replace(pep458Plan, "    public_key: keys/carol.pub\n", "    key: file:keys/filekey.key\n", 1),
		strings.Replace(pep458Plan, "keys/alice.pub", "keys/alice-legacy.pub", 1),
		"", "---\n", "~", "[]", "profile: pep458\n---\nprofile: rstuf\n",
		"profile: &a [*a]\n", "roles: {root: &r {threshold: 2}, targets: *r}\n",
		"a: {b: 1\n", "\tprofile: x\n", "profile: \"\\u202e\"\n",
		"roles:\n  root: {keyholders: [a, a], threshold: 99999999999999999999}\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "plan.yaml", shared.dir, testKeys)
		if err != nil {
			var perr *Error
			if !errors.As(err, &perr) || len(perr.Problems) == 0 {
				t.Fatalf("refusal is not a list of problems: %T %v", err, err)
			}
			for _, pr := range perr.Problems {
				if pr.File != "plan.yaml" || pr.Message == "" || pr.Line < 0 {
					t.Fatalf("malformed problem %+v", pr)
				}
			}
			return
		}
		checkValid(t, p)
	})
}

// checkValid asserts, from the Plan alone, the rules Parse enforces.
func checkValid(t *testing.T, p *Plan) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("accepted plan breaks a rule: "+format, args...)
	}
	if !slices.Contains(profileNames, string(p.Profile)) {
		fail("profile %q", p.Profile)
	}
	if p.ConsistentSnapshot == nil {
		fail("consistent_snapshot not filled in")
	}
	if len(p.Keyholders) == 0 || len(p.Online) == 0 {
		fail("%d keyholders, %d online keys", len(p.Keyholders), len(p.Online))
	}
	var all []keyEntry
	names := map[string]bool{}
	for _, k := range p.Keyholders {
		if !nameRE.MatchString(k.Name) || strings.HasSuffix(k.Name, " ") || names[k.Name] {
			fail("keyholder name %q", k.Name)
		}
		names[k.Name] = true
		all = append(all, keyEntry{k.Name, k.TUFKey, k.KeyID})
	}
	onlineNames := map[string]bool{}
	for _, k := range p.Online {
		if !nameRE.MatchString(k.Name) || onlineNames[k.Name] {
			fail("online key name %q", k.Name)
		}
		onlineNames[k.Name] = true
		if p.Profile == ProfileRSTUF && k.URI == "" {
			fail("rstuf online key without uri")
		}
		for _, r := range k.Roles {
			if !slices.Contains(p.OnlineRoles(), r) {
				fail("online role %q", r)
			}
		}
		all = append(all, keyEntry{k.Name, k.TUFKey, k.KeyID})
	}
	for i, e := range all {
		if e.key == nil {
			fail("%s has no key", e.name)
		}
		if id, err := keys.ID(e.key); err != nil || id != e.id {
			fail("%s key ID %q", e.name, e.id)
		}
		if e.key.Type != keys.KeyTypeEd25519 && e.key.Type != keys.KeyTypeECDSA {
			fail("%s key type %q", e.name, e.key.Type)
		}
		for _, o := range all[:i] {
			if keys.SameKey(o.key, e.key) {
				fail("%s and %s share a key", o.name, e.name)
			}
		}
	}
	offline := func(what string, r *OfflineRole, min int) {
		t.Helper()
		if r == nil {
			fail("%s missing", what)
		}
		if len(r.Keyholders) == 0 || r.Threshold < min || r.Threshold > len(r.Keyholders) {
			fail("%s: %d of %d", what, r.Threshold, len(r.Keyholders))
		}
		seen := map[string]bool{}
		for _, n := range r.Keyholders {
			if !names[n] || seen[n] {
				fail("%s keyholder %q", what, n)
			}
			seen[n] = true
		}
	}
	rootMin := 2
	if p.Rehearsal.AllowRootThresholdOne && p.Profile != ProfileRSTUF {
		rootMin = 1
	}
	offline("root", &p.Roles.Root, rootMin)
	switch p.Profile {
	case ProfileRSTUF:
		if len(p.Roles.Targets.Keyholders) != 0 || p.Roles.Targets.Threshold != 0 {
			fail("rstuf targets has keyholders")
		}
	default:
		offline("targets", &p.Roles.Targets, 1)
	}
	if p.Profile == ProfilePEP480 {
		offline("claimed", p.Roles.Claimed, 1)
		if p.Roles.RecentlyClaimed == nil || p.Roles.Unclaimed == nil {
			fail("pep480 online roles missing")
		}
	} else if p.Roles.Claimed != nil || p.Roles.RecentlyClaimed != nil || p.Roles.Unclaimed != nil {
		fail("pep480 roles in a %s plan", p.Profile)
	}
	days := func(what string, d, max int) {
		t.Helper()
		if d < 1 || d > max {
			fail("%s expires_days %d", what, d)
		}
	}
	days("root", p.Roles.Root.ExpiresDays, 1825)
	days("targets", p.Roles.Targets.ExpiresDays, 1825)
	days("snapshot", p.Roles.Snapshot.ExpiresDays, 365)
	days("timestamp", p.Roles.Timestamp.ExpiresDays, 365)
	days("bins", p.Roles.Bins.ExpiresDays, 365)
	if p.Roles.Claimed != nil {
		days("claimed", p.Roles.Claimed.ExpiresDays, 1825)
	}
	for what, r := range map[string]*OnlineRole{"recently_claimed": p.Roles.RecentlyClaimed, "unclaimed": p.Roles.Unclaimed} {
		if r != nil {
			days(what, r.ExpiresDays, 365)
		}
	}
	if c := p.Roles.Bins.Count; c < 2 || c > 16384 || c&(c-1) != 0 {
		fail("bins count %d", c)
	}
	for _, role := range p.OnlineRoles() {
		if len(p.OnlineKeysFor(role)) == 0 {
			fail("no online key signs %s", role)
		}
	}
	if p.Profile == ProfileRSTUF && len(p.Online) != 1 {
		fail("rstuf with %d online keys", len(p.Online))
	}
}

type keyEntry struct {
	name string
	key  *metadata.Key
	id   string
}
