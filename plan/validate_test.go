package plan

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/keys"
)

// marker marks, in a test plan, the line a problem must be reported on.
const marker = " #!"

// A case edits a valid plan (old -> new, where new carries the marker on
// the line the problem belongs to) and expects exactly one problem, at the
// marked line, on field, saying want.
type badCase struct {
	name     string
	base     string
	old, new string
	field    string
	want     string
}

func (c badCase) text(t *testing.T) (string, int) {
	t.Helper()
	if !strings.Contains(c.base, c.old) {
		t.Fatalf("the base plan has no %q", c.old)
	}
	text := strings.Replace(c.base, c.old, c.new, 1)
	line := 0
	for i, l := range strings.Split(text, "\n") {
		if strings.HasSuffix(l, marker) {
			if line != 0 {
				t.Fatalf("two markers in the plan")
			}
			line = i + 1
		}
	}
	if line == 0 {
		t.Fatalf("no marker in the plan:\n%s", text)
	}
	return text, line
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		t.Fatal("Parse accepted the plan")
	}
	var perr *Error
	if !errors.As(err, &perr) {
		t.Fatalf("error is %T, not *plan.Error: %v", err, err)
	}
	return perr.Problems
}

func TestParseRefuses(t *testing.T) {
	f := shared
	const (
		addKeyholder = "roles:\n"
		alicePub     = "    public_key: keys/alice.pub\n"
		root458      = "  root: {keyholders: [alice, bob, carol], threshold: 2}\n"
		targets458   = "  targets: {keyholders: [alice, bob], threshold: 1}\n"
		online458    = "  - name: online\n    public_key: keys/online.pub\n"
		online480    = "  - name: online\n    public_key: keys/online.pub\n    roles: [timestamp, snapshot]\n"
		onlineRSTUF  = "  - name: online\n    public_key: keys/online.pub\n    uri: fn:online.key\n"
	)
	// Problems with a field missing at the top are reported on the plan's
	// first line.
	rstufLine1 := strings.Replace(rstufPlan, "profile: rstuf\n", "profile: rstuf #!\n", 1)
	pep480NoClaimed := strings.Replace(pep480Plan, "  claimed: {keyholders: [bob, carol], threshold: 1, expires_days: 90}\n", "", 1)
	pep458Line1 := strings.Replace(pep458Plan, "profile: pep458\n", "profile: pep458 #!\n", 1)
	cases := []badCase{
		// profile
		{"profile missing", pep458Plan, "profile: pep458\nrepository: pypi.org\n", "repository: pypi.org #!\n",
			"profile", "required; add profile: rstuf, pep458 or pep480"},
		{"profile unknown", pep458Plan, "profile: pep458", "profile: pep459 #!",
			"profile", `unknown profile "pep459"; did you mean "pep458"?`},
		// repository
		{"repository control character", pep458Plan, "repository: pypi.org", `repository: "pypi\u0007.org" #!`,
			"repository", "contains the control character U+0007; remove it"},
		{"repository bidi override", pep458Plan, "repository: pypi.org", `repository: "pypi\u202e.org" #!`,
			"repository", "contains the control character U+202E"},
		// keyholders
		{"keyholders missing", rstufLine1, "keyholders:\n  - name: alice\n    contact: alice@example.org\n    public_key: keys/alice.pub\n  - name: bob\n    public_key: keys/bob.pub\n", "",
			"keyholders", "required; list the people who hold offline keys"},
		{"keyholders as text", rstufPlan, "keyholders:\n  - name: alice\n    contact: alice@example.org\n    public_key: keys/alice.pub\n  - name: bob\n    public_key: keys/bob.pub\n", "keyholders: alice #!\n",
			"keyholders", `want a list, got the text "alice"; give a list`},
		{"keyholders empty", rstufPlan, "keyholders:\n  - name: alice\n    contact: alice@example.org\n    public_key: keys/alice.pub\n  - name: bob\n    public_key: keys/bob.pub\n", "keyholders: [] #!\n",
			"keyholders", "empty; list the people who hold offline keys"},
		{"keyholder name missing", pep458Plan, addKeyholder, "  - public_key: keys/dave.pub #!\nroles:\n",
			"keyholders[3].name", "required; give each keyholder a name"},
		{"keyholder name empty", pep458Plan, addKeyholder, "  - name: \"\" #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", "empty; give each keyholder a name"},
		{"keyholder name trailing space", pep458Plan, addKeyholder, "  - name: \"dave \" #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", `"dave " is not a usable name; use 1 to 63 letters`},
		{"keyholder name bad character", pep458Plan, addKeyholder, "  - name: dave/ops #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", `"dave/ops" is not a usable name`},
		{"keyholder name too long", pep458Plan, addKeyholder, "  - name: " + strings.Repeat("d", 64) + " #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", "is not a usable name"},
		{"keyholder name twice", pep458Plan, addKeyholder, "  - name: alice #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", `"alice" is already the name of keyholders[0]; give each keyholder a different name`},
		{"keyholder contact control character", pep458Plan, "contact: alice@example.org", `contact: "alice\r@example.org" #!`,
			"keyholders[0].contact", "contains the control character U+000D"},
		{"keyholder without key", pep458Plan, addKeyholder, "  - name: dave #!\nroles:\n",
			"keyholders[3]", "no key; give key: (the key's URI"},
		{"keyholder key URI malformed", pep458Plan, alicePub, "    key: bogus:thing #!\n" + alicePub,
			"keyholders[0].key", `malformed key URI "bogus:thing": unknown scheme "bogus"`},
		{"keyholder key URI holds a PIN", pep458Plan, alicePub, "    key: yubikey:slot-id=9c;pin-value=123456 #!\n" + alicePub,
			"keyholders[0].key", "holds a PIN"},
		{"keyholder key empty", pep458Plan, alicePub, "    key: \"\" #!\n" + alicePub,
			"keyholders[0].key", "empty; give the key's URI"},
		{"keyholder public_key empty", pep458Plan, alicePub, "    public_key: \"\" #!\n",
			"keyholders[0].public_key", "empty; give the path of a TUF public key file"},
		{"keyholder public_key missing file", pep458Plan, "public_key: keys/bob.pub", "public_key: keys/nope.pub #!",
			"keyholders[1].public_key", "failed to read public key file"},
		{"keyholder public_key not a key", pep458Plan, "public_key: keys/bob.pub", "public_key: keys/junk.pub #!",
			"keyholders[1].public_key", "not a TUF key object"},
		{"keyholder public_key is a directory", pep458Plan, "public_key: keys/bob.pub", "public_key: keys #!",
			"keyholders[1].public_key", "not a regular file"},
		{"keyholder key differs from public_key", pep458Plan, alicePub, "    key: file:keys/filekey.key #!\n" + alicePub,
			"keyholders[0].key", `is not the key in public_key "keys/alice.pub"; fix whichever is wrong`},
		{"keyholder device absent without public_key", pep458Plan, alicePub, "    key: yubikey:serial=19088743;slot-id=9c #!\n",
			"keyholders[0].key", "connect the device, or add public_key:"},
		{"keyholder file key missing without public_key", pep458Plan, alicePub, "    key: file:keys/gone.key #!\n",
			"keyholders[0].key", "check the path (relative to the plan's directory)"},
		{"keyholder file key is not a key file", pep458Plan, alicePub, "    key: file:keys/junk.pub #!\n" + alicePub,
			"keyholders[0].key", "is not an encrypted ceremony key"},
		{"keyholder rsa key", pep458Plan, "public_key: keys/carol.pub", "public_key: keys/rsa.pub #!",
			"keyholders[2].public_key", "rsa keys are not accepted for new metadata; use an ed25519 or ecdsa P-256/P-384 key"},
		{"keyholder P-521 key", pep458Plan, "public_key: keys/carol.pub", "public_key: keys/p521.pub #!",
			"keyholders[2].public_key", `ecdsa key with unknown scheme "ecdsa-sha2-nistp521"`},
		// one key listed twice
		{"two keyholders share a key", pep458Plan, "public_key: keys/bob.pub", "public_key: keys/alice.pub #!",
			"keyholders[1].public_key", "keyholders[1] (bob) and keyholders[0] (alice) hold the same public key"},
		{"two keyholders share a key in two encodings", pep458Plan, "public_key: keys/carol.pub", "public_key: keys/alice-legacy.pub #!",
			"keyholders[2].public_key", "keyholders[2] (carol) and keyholders[0] (alice) hold the same public key"},
		{"keyholder and online key share a key", pep458Plan, "public_key: keys/online.pub", "public_key: keys/bob.pub #!",
			"online[0].public_key", "online[0] (online) and keyholders[1] (bob) hold the same public key"},
		{"two online keys share a key", pep480Plan, "public_key: keys/online2.pub", "public_key: keys/online.pub #!",
			"online[1].public_key", "online[1] (online2) and online[0] (online) hold the same public key"},
		// roles.root
		{"roles missing", rstufLine1, "roles:\n  root: {keyholders: [alice, bob], threshold: 2}\n", "",
			"roles.root", "required; give the root role's keyholders and threshold"},
		{"root missing", pep458Plan, "roles:\n" + root458, "roles: #!\n",
			"roles.root", "required; give the root role's keyholders and threshold"},
		{"root keyholders missing", pep458Plan, root458, "  root: {threshold: 2} #!\n",
			"roles.root.keyholders", "required; list the keyholders who sign root"},
		{"root keyholders empty", pep458Plan, root458, "  root: {keyholders: [], threshold: 2} #!\n",
			"roles.root.keyholders", "empty; list the keyholders who sign root"},
		{"root keyholder unknown", pep458Plan, root458, "  root: {keyholders: [alice, bob, carl], threshold: 2} #!\n",
			"roles.root.keyholders[2]", `"carl" is not one of the keyholders; did you mean "carol"?`},
		{"root keyholder twice", pep458Plan, root458, "  root:\n    keyholders:\n      - alice\n      - bob\n      - alice #!\n    threshold: 2\n",
			"roles.root.keyholders[2]", `"alice" is already listed as roles.root.keyholders[0]; list each keyholder once`},
		{"root threshold missing", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol]} #!\n",
			"roles.root.threshold", "required; say how many of the keyholders must sign root"},
		{"root threshold exceeds keyholders", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 4} #!\n",
			"roles.root.threshold", "4 exceeds the 3 keyholders listed; lower the threshold or add keyholders"},
		{"root threshold zero", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 0} #!\n",
			"roles.root.threshold", "0 is below 1"},
		{"root threshold one", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 1} #!\n",
			"roles.root.threshold", "1 lets a single lost or stolen key sign a new root; use at least 2 (a rehearsal may set rehearsal.allow_root_threshold_one: true)"},
		{"root threshold one in an rstuf rehearsal", rstufPlan + "rehearsal: {allow_root_threshold_one: true}\n",
			"  root: {keyholders: [alice, bob], threshold: 2}\n", "  root: {keyholders: [alice, bob], threshold: 1} #!\n",
			"roles.root.threshold", "RSTUF refuses a bootstrap whose root threshold is below 2"},
		{"root threshold one with the override off", pep458Plan + "rehearsal: {allow_root_threshold_one: false}\n",
			root458, "  root: {keyholders: [alice, bob, carol], threshold: 1} #!\n",
			"roles.root.threshold", "1 lets a single lost or stolen key sign a new root"},
		// roles.targets
		{"targets missing for pep458", pep458Plan, "roles:\n" + root458 + targets458, "roles: #!\n" + root458,
			"roles.targets", "required; give the targets role's keyholders and threshold"},
		{"targets threshold exceeds for pep480", pep480Plan, "targets: {keyholders: [alice, bob], threshold: 2}", "targets: {keyholders: [alice, bob], threshold: 3} #!",
			"roles.targets.threshold", "3 exceeds the 2 keyholders listed"},
		{"targets keyholders for rstuf", rstufPlan, "  root: {keyholders: [alice, bob], threshold: 2}\n", "  root: {keyholders: [alice, bob], threshold: 2}\n  targets:\n    keyholders: [alice] #!\n",
			"roles.targets.keyholders", "not used with profile rstuf: RSTUF signs targets with the online key; remove it (targets takes only expires_days here)"},
		{"targets threshold for rstuf", rstufPlan, "  root: {keyholders: [alice, bob], threshold: 2}\n", "  root: {keyholders: [alice, bob], threshold: 2}\n  targets:\n    threshold: 1 #!\n",
			"roles.targets.threshold", "not used with profile rstuf"},
		{"rstuf targets expiry over a year", rstufPlan, "  root: {keyholders: [alice, bob], threshold: 2}\n", "  root: {keyholders: [alice, bob], threshold: 2}\n  targets: {expires_days: 730} #!\n",
			"roles.targets.expires_days", "730 is outside 1..365 days for a role signed online"},
		// claimed, recently_claimed, unclaimed
		{"claimed missing for pep480", pep480NoClaimed, "roles:\n  root:\n", "roles: #!\n  root:\n",
			"roles.claimed", "required; give the claimed role's keyholders and threshold"},
		{"claimed threshold missing", pep480Plan, "claimed: {keyholders: [bob, carol], threshold: 1, expires_days: 90}", "claimed: {keyholders: [bob, carol]} #!",
			"roles.claimed.threshold", "required; say how many of the keyholders must sign claimed"},
		{"claimed for pep458", pep458Plan, targets458, targets458 + "  claimed: {keyholders: [bob], threshold: 1} #!\n",
			"roles.claimed", "only profile pep480 has this role; remove it or use profile: pep480"},
		{"recently_claimed for pep458", pep458Plan, targets458, targets458 + "  recently_claimed: {expires_days: 1} #!\n",
			"roles.recently_claimed", "only profile pep480 has this role"},
		{"unclaimed for rstuf", rstufPlan, "  root: {keyholders: [alice, bob], threshold: 2}\n", "  root: {keyholders: [alice, bob], threshold: 2}\n  unclaimed: {} #!\n",
			"roles.unclaimed", "only profile pep480 has this role"},
		// bins
		{"bins count not a power of two", pep458Plan, targets458, targets458 + "  bins: {count: 1000} #!\n",
			"roles.bins.count", "1000 is not a power of two from 2 to 16384"},
		{"bins count one", pep458Plan, targets458, targets458 + "  bins: {count: 1} #!\n",
			"roles.bins.count", "1 is not a power of two from 2 to 16384"},
		{"bins count too many", pep458Plan, targets458, targets458 + "  bins: {count: 32768} #!\n",
			"roles.bins.count", "32768 is not a power of two from 2 to 16384"},
		// expires_days
		{"root expiry too long", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 2, expires_days: 1826} #!\n",
			"roles.root.expires_days", "1826 is outside 1..1825 days for a role signed offline"},
		{"targets expiry zero", pep458Plan, targets458, "  targets: {keyholders: [alice, bob], threshold: 1, expires_days: 0} #!\n",
			"roles.targets.expires_days", "0 is outside 1..1825 days"},
		{"claimed expiry negative", pep480Plan, "threshold: 1, expires_days: 90}", "threshold: 1, expires_days: -5} #!",
			"roles.claimed.expires_days", "-5 is outside 1..1825 days"},
		{"snapshot expiry too long", pep458Plan, targets458, targets458 + "  snapshot: {expires_days: 366} #!\n",
			"roles.snapshot.expires_days", "366 is outside 1..365 days for a role signed online"},
		{"timestamp expiry zero", pep458Plan, targets458, targets458 + "  timestamp: {expires_days: 0} #!\n",
			"roles.timestamp.expires_days", "0 is outside 1..365 days"},
		{"bins expiry too long", pep458Plan, targets458, targets458 + "  bins: {expires_days: 400} #!\n",
			"roles.bins.expires_days", "400 is outside 1..365 days"},
		{"recently_claimed expiry too long", pep480Plan, "recently_claimed: {expires_days: 3}", "recently_claimed: {expires_days: 999} #!",
			"roles.recently_claimed.expires_days", "999 is outside 1..365 days"},
		{"unclaimed expiry zero", pep480Plan, "  recently_claimed: {expires_days: 3}\n", "  recently_claimed: {expires_days: 3}\n  unclaimed: {expires_days: 0} #!\n",
			"roles.unclaimed.expires_days", "0 is outside 1..365 days"},
		// online
		{"online missing", pep458Line1, "online:\n" + online458, "",
			"online", "required; list the online key the server signs with"},
		{"online empty", pep458Plan, "online:\n" + online458, "online: [] #!\n",
			"online", "empty; list the online key the server signs with"},
		{"online name missing", pep458Plan, online458, "  - public_key: keys/online.pub #!\n",
			"online[0].name", "required; give each online key a name"},
		{"online name bad", pep458Plan, "  - name: online\n", "  - name: \" online\" #!\n",
			"online[0].name", `" online" is not a usable name`},
		{"online name twice", pep480Plan, "  - name: online2\n", "  - name: online #!\n",
			"online[1].name", `"online" is already the name of online[0]; give each online key a different name`},
		{"online without key", pep458Plan, online458, "  - name: online #!\n",
			"online[0]", "no key; give key:"},
		{"online key URI malformed", pep458Plan, online458, online458 + "    key: pkcs11:token #!\n",
			"online[0].key", `malformed key URI "pkcs11:token": an attribute is not name=value`},
		{"online uri missing for rstuf", rstufPlan, onlineRSTUF, "  - name: online #!\n    public_key: keys/online.pub\n",
			"online[0].uri", "required with profile rstuf: it becomes x-rstuf-online-key-uri"},
		{"online uri with a space", rstufPlan, "uri: fn:online.key", "uri: fn:online key #!",
			"online[0].uri", `"fn:online key" holds a space or control character`},
		{"online uri empty", rstufPlan, "uri: fn:online.key", "uri: \"\" #!",
			"online[0].uri", "empty; give where the server finds the key"},
		{"rstuf with two online keys", rstufPlan, "online:\n" + onlineRSTUF, "online: #!\n" + onlineRSTUF + "  - name: online2\n    public_key: keys/online2.pub\n    uri: fn:online2.key\n",
			"online", "profile rstuf takes exactly one online key, got 2; keep one"},
		{"online role unknown", pep480Plan, "roles: [bins, recently-claimed, unclaimed]", "roles: [bins, recently_claimed, unclaimed] #!",
			"online[1].roles[1]", `"recently_claimed" is not a role signed online with profile pep480; did you mean "recently-claimed"?`},
		{"online role not online for the profile", pep458Plan, online458, online458 + "    roles: [timestamp, snapshot, bins, targets] #!\n",
			"online[0].roles[3]", `"targets" is not a role signed online with profile pep458; use timestamp, snapshot, bins`},
		{"online role twice", pep480Plan, "roles: [timestamp, snapshot]", "roles: [timestamp, snapshot, timestamp] #!",
			"online[0].roles[2]", `"timestamp" is already listed as online[0].roles[0]; list each role once`},
		{"online roles empty", pep458Plan, online458, online458 + "    roles: [] #!\n",
			"online[0].roles", "empty; list the roles this key signs, or remove roles: so it signs all of timestamp, snapshot, bins"},
		{"online role not covered", pep480Plan, "online:\n" + online480 + "  - name: online2\n    public_key: keys/online2.pub\n    roles: [bins, ",
			"online: #!\n" + online480 + "  - name: online2\n    public_key: keys/online2.pub\n    roles: [",
			"online", "no online key signs bins; add bins to an online key's roles"},
		{"online key file missing", pep458Plan, "public_key: keys/online.pub", "public_key: keys/gone.pub #!",
			"online[0].public_key", "failed to read public key file"},
		{"online rsa key", pep458Plan, "public_key: keys/online.pub", "public_key: keys/rsa.pub #!",
			"online[0].public_key", "rsa keys are not accepted"},
		// strict YAML
		{"unknown top-level field", pep458Plan, "repository: pypi.org", "repository: pypi.org\nrepo: pypi #!",
			"repo", `unknown field "repo"; allowed fields are profile, repository, consistent_snapshot, keyholders, roles, online, witnesses, rehearsal`},
		{"unknown field with a suggestion", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 2, expiry_days: 30} #!\n",
			"roles.root.expiry_days", `unknown field "expiry_days" (did you mean "expires_days"?); allowed fields are keyholders, threshold, expires_days`},
		{"unknown keyholder field", pep458Plan, alicePub, alicePub + "    email: alice@example.org #!\n",
			"keyholders[0].email", `unknown field "email"; allowed fields are name, contact, key, public_key`},
		{"unknown role", pep458Plan, targets458, targets458 + "  delegations: {} #!\n",
			"roles.delegations", `unknown field "delegations"; allowed fields are root, targets, claimed, snapshot, timestamp, bins, recently_claimed, unclaimed`},
		{"unknown online key field", rstufPlan, "uri: fn:online.key", "uri: fn:online.key\n    url: x #!",
			"online[0].url", `unknown field "url" (did you mean "uri"?)`},
		{"unknown rehearsal field", pep458Plan + "rehearsal:\n  skip_checks: true #!\n", "", "",
			"rehearsal.skip_checks", `unknown field "skip_checks"; allowed fields are allow_root_threshold_one`},
		{"duplicate top-level field", pep458Plan, "repository: pypi.org", "repository: pypi.org\nrepository: test.pypi.org #!",
			"repository", "given twice (first on line 2); keep one"},
		{"duplicate nested field", pep458Plan, root458, "  root:\n    keyholders: [alice, bob, carol]\n    threshold: 2\n    threshold: 3 #!\n",
			"roles.root.threshold", "given twice (first on line 14); keep one"},
		{"duplicate role", pep458Plan, targets458, targets458 + "  targets: {keyholders: [alice], threshold: 1} #!\n",
			"roles.targets", "given twice (first on line 13); keep one"},
		{"threshold as text", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: \"three\"} #!\n",
			"roles.root.threshold", `want a whole number, got the text "three"; give a whole number`},
		{"threshold as a float", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 2.5} #!\n",
			"roles.root.threshold", "want a whole number, got the number 2.5"},
		{"threshold too large", pep458Plan, root458, "  root: {keyholders: [alice, bob, carol], threshold: 99999999999999999999999} #!\n",
			"roles.root.threshold", "99999999999999999999999 is too large; give a small whole number"},
		{"expires_days as a list", pep458Plan, targets458, targets458 + "  snapshot: {expires_days: [1]} #!\n",
			"roles.snapshot.expires_days", "want a whole number, got a list"},
		{"name as a number", pep458Plan, addKeyholder, "  - name: 007 #!\n    public_key: keys/dave.pub\nroles:\n",
			"keyholders[3].name", `want text, got the number 007; put it in quotes ("007") if it is meant as text`},
		{"repository as a date", pep458Plan, "repository: pypi.org", "repository: 2026-01-31 #!",
			"repository", `want text, got the date 2026-01-31; put it in quotes ("2026-01-31") if it is meant as text`},
		{"consistent_snapshot as text", pep458Plan, "repository: pypi.org", "repository: pypi.org\nconsistent_snapshot: \"yes\" #!",
			"consistent_snapshot", `want true or false, got the text "yes"`},
		{"role as a list", pep458Plan, targets458, targets458 + "  snapshot: [1] #!\n",
			"roles.snapshot", "want a role (field: value lines), got a list"},
		{"role without value", pep458Plan, targets458, targets458 + "  snapshot: #!\n",
			"roles.snapshot", "has no value; give a role (field: value lines) or remove the field"},
		{"keyholder as text", pep458Plan, addKeyholder, "  - dave #!\nroles:\n",
			"keyholders[3]", `want a keyholder (field: value lines), got the text "dave"`},
		{"alias", pep458Plan, root458 + targets458, "  root: &rootrole {keyholders: [alice, bob, carol], threshold: 2}\n  targets: *rootrole #!\n",
			"roles.targets", "aliases (*rootrole) are not allowed in a plan; write the value out"},
		{"merge key", pep458Plan, targets458, "  targets: {<<: {threshold: 1}, keyholders: [alice]} #!\n",
			"roles.targets", "merge keys (<<) are not allowed in a plan; write the fields out"},
		{"plan is a list", "- profile: pep458 #!\n", "", "",
			"", "want the plan (field: value lines), got a list"},
		{"syntax error", pep458Plan, "  targets: {keyholders: [alice, bob], threshold: 1}\n", "  targets: {keyholders: [alice, bob], threshold: 1 #!\n",
			"", "invalid YAML: "},
		{"tab indentation", pep458Plan, "  - name: bob\n    public_key: keys/bob.pub\n", "  - name: bob # and on the next line:\n\tpublic_key: keys/bob.pub #!\n",
			"", "invalid YAML: found character that cannot start any token; fix the syntax"},
		// yaml.v3 names the line where the block it could not finish began.
		{"syntax error in a block", strings.Replace(pep458Plan, "  - name: bob\n", "  - name: bob\n  name: robert\n", 1), "  - name: alice\n", "  - name: alice #!\n",
			"", "invalid YAML: did not find expected '-' indicator; fix the syntax"},
		{"second document", pep458Plan + "--- #!\nprofile: rstuf\n", "", "",
			"", `a second YAML document starts here; a plan is one document: remove the "---" and what follows`},
		{"empty document", "--- #!\n", "", "",
			"", "the plan is empty"},
		{"null document", "~ #!\n", "", "",
			"", "the plan is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, line := c.text(t)
			_, err := parse(t, f, text)
			ps := problemsOf(t, err)
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if len(ps) != 1 {
				t.Fatalf("want one problem at line %d, got %d:\n%s\nplan:\n%s", line, len(ps), strings.Join(got, "\n"), text)
			}
			p := ps[0]
			if p.File != "plan.yaml" || p.Line != line || p.Field != c.field || !strings.Contains(p.Message, c.want) {
				t.Errorf("got  %s\nwant plan.yaml:%d: %s: ...%s...\nplan:\n%s", p, line, c.field, c.want, text)
			}
			prefix := fmt.Sprintf("plan.yaml:%d: ", line)
			if c.field != "" {
				prefix += c.field + ": "
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
		})
	}
}

// Every problem is reported, each on its own line, in line order.
func TestParseReportsEveryProblem(t *testing.T) {
	f := shared
	text := `profile: pep458
repository: pypi.org
keyholders:
  - name: alice
    public_key: keys/alice.pub
    colour: blue
  - name: bob
    public_key: keys/alice.pub
  - name: carol
roles:
  root: {keyholders: [alice, bob, mallory], threshold: 6}
  targets: {keyholders: [alice], threshold: "one"}
  bins: {count: 100}
  snapshot: {expires_days: 30}
  snapshot: {expires_days: 1}
online:
  - name: online
    roles: [timestamp]
`
	_, err := parse(t, f, text)
	ps := problemsOf(t, err)
	want := []string{
		`plan.yaml:6: keyholders[0].colour: unknown field "colour"`,
		`plan.yaml:8: keyholders[1].public_key: keyholders[1] (bob) and keyholders[0] (alice) hold the same public key`,
		`plan.yaml:9: keyholders[2]: no key`,
		`plan.yaml:11: roles.root.keyholders[2]: "mallory" is not one of the keyholders`,
		`plan.yaml:11: roles.root.threshold: 6 exceeds the 3 keyholders listed; lower the threshold or add keyholders`,
		`plan.yaml:12: roles.targets.threshold: want a whole number, got the text "one"`,
		`plan.yaml:13: roles.bins.count: 100 is not a power of two`,
		`plan.yaml:15: roles.snapshot: given twice (first on line 14)`,
		`plan.yaml:16: online: no online key signs snapshot`,
		`plan.yaml:16: online: no online key signs bins`,
		`plan.yaml:17: online[0]: no key`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(ps) != len(want) || len(lines) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%s", len(ps), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) || ps[i].String() != lines[i] {
			t.Errorf("problem %d:\ngot  %s\nwant %s...", i, lines[i], w)
		}
	}
}

func TestParseEmpty(t *testing.T) {
	for _, text := range []string{"", "\n\n", "# only a comment\n"} {
		_, err := Parse([]byte(text), "plan.yaml", t.TempDir(), testKeys)
		ps := problemsOf(t, err)
		if len(ps) != 1 || ps[0].Field != "" || !strings.Contains(ps[0].Message, "the plan is empty") {
			t.Errorf("%q: %v", text, err)
		}
	}
}

func TestRebase(t *testing.T) {
	for _, c := range []struct{ uri, dir, want, path, pinSource string }{
		{"file:keys/a.key", ".", "file:keys/a.key", "keys/a.key", ""},
		{"file:keys/a.key?pin-source=a.pass", "/plans/2026 root", "file:/plans/2026%20root/keys/a.key?pin-source=/plans/2026%20root/a.pass", "/plans/2026 root/keys/a.key", "/plans/2026 root/a.pass"},
		{"file:/abs/a.key?pin-source=/abs/a.pass", "plans", "file:/abs/a.key?pin-source=/abs/a.pass", "/abs/a.key", "/abs/a.pass"},
		{"file:a%26b.key", "x&y?", "file:x%26y%3F/a%26b.key", "x&y?/a&b.key", ""},
		{"yubikey:serial=1;slot-id=9c?pin-source=pin.txt", "plans", "yubikey:serial=1;slot-id=9c?pin-source=plans/pin.txt", "", "plans/pin.txt"},
		{"pkcs11:token=t;object=o?module-path=/usr/lib/softhsm/libsofthsm2.so", "plans", "pkcs11:token=t;object=o?module-path=/usr/lib/softhsm/libsofthsm2.so", "", ""},
	} {
		u, err := keys.ParseURI(c.uri)
		if err != nil {
			t.Fatal(err)
		}
		got := rebase(c.uri, u, c.dir)
		if got != c.want {
			t.Errorf("rebase(%q, %q) = %q, want %q", c.uri, c.dir, got, c.want)
			continue
		}
		gu, err := keys.ParseURI(got)
		if err != nil {
			t.Fatalf("rebased URI %q does not parse: %v", got, err)
		}
		if gu.Path != c.path || gu.Query["pin-source"] != c.pinSource {
			t.Errorf("%q: path %q pin-source %q, want %q %q", got, gu.Path, gu.Query["pin-source"], c.path, c.pinSource)
		}
	}
}

// A plan read by a build without the backend of a key's scheme (the
// auditor's build) says so, and to give the public key: connecting the
// device would not help.
func TestKeyOfNoBackend(t *testing.T) {
	f := shared
	text := strings.Replace(pep458Plan, "public_key: keys/alice.pub", "key: yubikey:serial=19088743;slot-id=9c", 1)
	_, err := Parse([]byte(text), "plan.yaml", f.dir, keys.NewBackends())
	if err == nil || !strings.Contains(err.Error(), "not supported by this build; add public_key:") || strings.Contains(err.Error(), "connect the device") {
		t.Fatalf("err = %v", err)
	}
}
