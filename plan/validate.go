package plan

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tuf-ceremony/ceremony/keys"
)

// Defaults and limits. Expiry periods follow PEP 458: a year for the
// offline roles, a day for the online ones.
const (
	defaultOfflineExpiresDays = 365
	defaultOnlineExpiresDays  = 1
	// defaultBinsCount is PEP 458's number of hash bins.
	defaultBinsCount = 16384
	maxBinsCount     = 16384

	maxOfflineExpiresDays = 1825
	maxOnlineExpiresDays  = 365
	// A root that expires sooner than this is warned about: the next
	// ceremony comes fast.
	shortRootExpiresDays = 30

	// maxKeyFileSize bounds what is read as a key file.
	maxKeyFileSize = keys.MaxPublicKeyFile
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._ -]{0,62}$`)

const nameRule = "use 1 to 63 letters, digits, '.', '_', '-' or spaces, starting with a letter or digit and not ending in a space"

var profileNames = []string{string(ProfileRSTUF), string(ProfilePEP458), string(ProfilePEP480)}

// check applies every rule to p, fills in defaults and resolves keys.
func (r *reader) check(p *Plan) {
	profileOK := r.checkProfile(p)
	if r.usable("repository") {
		r.checkText("repository", p.Repository)
	}
	if p.ConsistentSnapshot == nil && !r.given("consistent_snapshot") {
		on := true
		p.ConsistentSnapshot = &on
	}
	names := r.checkKeyholders(p)
	r.checkRoles(p, profileOK, names)
	r.checkOnline(p, profileOK)
	r.checkWitnesses(p)
	if !r.noFiles {
		r.resolveKeys(p)
	}
}

func (r *reader) checkProfile(p *Plan) bool {
	switch {
	case !r.given("profile"):
		r.problem("profile", "required; add profile: rstuf, pep458 or pep480")
	case r.bad["profile"]:
	case slices.Contains(profileNames, string(p.Profile)):
		return true
	default:
		hint := "use rstuf, pep458 or pep480"
		if s := suggest(string(p.Profile), profileNames); s != "" {
			hint = fmt.Sprintf("did you mean %q? use rstuf, pep458 or pep480", s)
		}
		r.problem("profile", "unknown profile %q; %s", p.Profile, hint)
	}
	return false
}

// checkText refuses text that could hide something from the people
// reading it: invalid UTF-8, control characters and bidirectional
// overrides.
func (r *reader) checkText(field, s string) bool {
	if !utf8.ValidString(s) {
		r.problem(field, "not valid UTF-8; write plain text")
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || isBidi(c) {
			r.problem(field, "contains the control character %U; remove it", c)
			return false
		}
	}
	return true
}

func isBidi(c rune) bool {
	return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E || c == 0x200F || c == 0x061C
}

// checkName checks a keyholder's or online key's name.
func (r *reader) checkName(field, name, what string) bool {
	switch {
	case !r.given(field):
		r.problem(field, "required; give each %s a name", what)
		return false
	case r.bad[field]:
		return false
	case name == "":
		r.problem(field, "empty; give each %s a name", what)
		return false
	case !nameRE.MatchString(name) || strings.HasSuffix(name, " "):
		r.problem(field, "%q is not a usable name; %s", name, nameRule)
		return false
	}
	return true
}

// checkKeyholders checks each keyholder and returns the names given, or
// nil if there is no list of keyholders to check roles against.
func (r *reader) checkKeyholders(p *Plan) map[string]bool {
	switch {
	case !r.given("keyholders"):
		r.problem("keyholders", "required; list the people who hold offline keys")
		return nil
	case r.bad["keyholders"]:
		return nil
	case len(p.Keyholders) == 0:
		r.problem("keyholders", "empty; list the people who hold offline keys")
		return nil
	}
	names := map[string]bool{}
	for _, k := range p.Keyholders {
		if k.Name != "" {
			names[k.Name] = true
		}
	}
	first := map[string]int{}
	for i := range p.Keyholders {
		k := &p.Keyholders[i]
		path := index("keyholders", i)
		if r.bad[path] {
			continue
		}
		if r.checkName(join(path, "name"), k.Name, "keyholder") {
			if j, dup := first[k.Name]; dup {
				r.problem(join(path, "name"), "%q is already the name of keyholders[%d]; give each keyholder a different name", k.Name, j)
			} else {
				first[k.Name] = i
			}
		}
		if r.usable(join(path, "contact")) {
			r.checkText(join(path, "contact"), k.Contact)
		}
		r.checkKeySource(path, k.Key, k.PublicKey)
		r.checkAttestation(path, k)
	}
	return names
}

// checkAttestation checks a keyholder's attestation: one PEM file, or a
// YubiHSM 2's files (key_attestation and device_certificate required),
// each a regular file within the limit.
func (r *reader) checkAttestation(path string, k *Keyholder) {
	af := join(path, "attestation")
	if !r.given(af) {
		if k.RequireAttestation && r.usable(join(path, "require_attestation")) {
			r.problem(join(path, "require_attestation"), "true but no attestation is given; add attestation: FILE.attestation.pem, written when the key was made on the device")
		}
		return
	}
	if !r.usable(af) {
		return
	}
	type file struct {
		field string
		path  *string
	}
	files := []file{{af, &k.Attestation}}
	ka, dc, in := join(af, "key_attestation"), join(af, "device_certificate"), join(af, "intermediates")
	if r.given(ka) || r.given(dc) || r.given(in) || r.given(join(af, "serial")) {
		files = []file{{ka, &k.Attestation}, {dc, &k.AttestationDevice}}
		if r.given(in) {
			files = append(files, file{in, &k.AttestationIntermediates})
		}
	}
	for _, f := range files {
		switch {
		case !r.usable(f.field) && r.given(f.field):
		case *f.path == "" && f.field == af:
			r.problem(af, "empty; give the attestation file written when the key was made on the device (FILE.attestation.pem), or remove the field")
		case *f.path == "" && r.given(f.field):
			r.problem(f.field, "empty; give the file, or remove the field")
		case *f.path == "":
			r.problem(f.field, "missing; a YubiHSM 2's attestation names its key_attestation (FILE_attestation.der) and device_certificate (SERIAL_cert.der, the device's opaque object 0)")
		default:
			*f.path = resolvePath(r.dir, *f.path)
			if !r.noFiles {
				r.checkRegularFile(f.field, *f.path)
			}
		}
	}
}

// checkWitnesses checks the witnesses: names as for keyholders, unique
// across keyholders and witnesses, and a key source each.
func (r *reader) checkWitnesses(p *Plan) {
	if r.bad["witnesses"] {
		return
	}
	holders := map[string]bool{}
	for _, k := range p.Keyholders {
		holders[k.Name] = true
	}
	first := map[string]int{}
	for i := range p.Witnesses {
		w := &p.Witnesses[i]
		path := index("witnesses", i)
		if r.bad[path] {
			continue
		}
		if r.checkName(join(path, "name"), w.Name, "witness") {
			if j, dup := first[w.Name]; dup {
				r.problem(join(path, "name"), "%q is already the name of witnesses[%d]; give each witness a different name", w.Name, j)
			} else if holders[w.Name] {
				r.problem(join(path, "name"), "%q is already the name of a keyholder; give each keyholder and witness a different name", w.Name)
			} else {
				first[w.Name] = i
			}
		}
		if r.usable(join(path, "contact")) {
			r.checkText(join(path, "contact"), w.Contact)
		}
		r.checkKeySource(path, w.Key, w.PublicKey)
	}
}

// resolvePath makes a path in the plan relative to the plan's directory.
func resolvePath(dir, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(dir, path)
}

// checkRegularFile refuses a path that is not a small regular file.
func (r *reader) checkRegularFile(field, path string) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		r.problem(field, "%v; check the path (relative to the plan)", err)
	case !fi.Mode().IsRegular():
		r.problem(field, "%q is not a regular file", path)
	case fi.Size() > maxKeyFileSize:
		r.problem(field, "%q is %d bytes, over the limit of %d", path, fi.Size(), maxKeyFileSize)
	}
}

// checkKeySource checks the key and public_key fields of a keyholder or
// online key at path.
func (r *reader) checkKeySource(path, uri, pub string) {
	kf, pf := join(path, "key"), join(path, "public_key")
	if !r.given(kf) && !r.given(pf) {
		r.problem(path, "no key; give key: (the key's URI, such as yubikey:serial=...;slot-id=9c) or public_key: (a TUF public key file), or both")
		return
	}
	if r.usable(kf) {
		if uri == "" {
			r.problem(kf, "empty; give the key's URI (file:PATH, pkcs11:... or yubikey:...) or remove the field")
		} else if _, err := keys.ParseURI(uri); err != nil {
			r.problem(kf, "%v; fix the key URI", err)
		}
	}
	if r.usable(pf) && pub == "" {
		r.problem(pf, "empty; give the path of a TUF public key file, relative to the plan, or remove the field")
	}
}

func (r *reader) checkRoles(p *Plan, profileOK bool, names map[string]bool) {
	if r.bad["roles"] {
		return
	}
	roles := &p.Roles
	const (
		root    = "roles.root"
		targets = "roles.targets"
		claimed = "roles.claimed"
	)

	// Who signs.
	r.checkOffline(root, &roles.Root, names)
	if t := join(root, "threshold"); r.usable(t) && roles.Root.Threshold == 1 {
		switch {
		case !p.Rehearsal.AllowRootThresholdOne:
			r.problem(t, "1 lets a single lost or stolen key sign a new root; use at least 2 (a rehearsal may set rehearsal.allow_root_threshold_one: true)")
		case p.Profile == ProfileRSTUF:
			r.problem(t, "RSTUF refuses a bootstrap whose root threshold is below 2, even for a rehearsal; use at least 2")
		default:
			r.warn(t, "REHEARSAL ONLY: root threshold is 1, so one key alone can sign a new root; never use this plan for a real repository")
		}
	}
	if profileOK {
		switch p.Profile {
		case ProfileRSTUF:
			for _, f := range []string{"keyholders", "threshold"} {
				if field := join(targets, f); r.given(field) {
					r.problem(field, "not used with profile rstuf: RSTUF signs targets with the online key; remove it (targets takes only expires_days here)")
				}
			}
		default:
			r.checkOffline(targets, &roles.Targets, names)
		}
		if p.Profile == ProfilePEP480 {
			if roles.Claimed == nil {
				roles.Claimed = &OfflineRole{}
			}
			r.checkOffline(claimed, roles.Claimed, names)
			if roles.RecentlyClaimed == nil {
				roles.RecentlyClaimed = &OnlineRole{}
			}
			if roles.Unclaimed == nil {
				roles.Unclaimed = &OnlineRole{}
			}
		} else {
			for _, field := range []string{claimed, "roles.recently_claimed", "roles.unclaimed"} {
				if r.given(field) {
					r.problem(field, "only profile pep480 has this role; remove it or use profile: pep480")
				}
			}
		}
	}

	// How long each role's metadata lasts.
	r.expires(root, &roles.Root.ExpiresDays, defaultOfflineExpiresDays, maxOfflineExpiresDays)
	if e := join(root, "expires_days"); r.usable(e) && roles.Root.ExpiresDays >= 1 && roles.Root.ExpiresDays < shortRootExpiresDays {
		r.warn(e, "root expires %d days after signing, so the next root ceremony must come before then (PEP 458 re-signs root yearly)", roles.Root.ExpiresDays)
	}
	if p.Profile == ProfileRSTUF {
		r.expires(targets, &roles.Targets.ExpiresDays, defaultOfflineExpiresDays, maxOnlineExpiresDays)
	} else {
		r.expires(targets, &roles.Targets.ExpiresDays, defaultOfflineExpiresDays, maxOfflineExpiresDays)
	}
	if roles.Claimed != nil {
		r.expires(claimed, &roles.Claimed.ExpiresDays, defaultOfflineExpiresDays, maxOfflineExpiresDays)
	}
	r.expires("roles.snapshot", &roles.Snapshot.ExpiresDays, defaultOnlineExpiresDays, maxOnlineExpiresDays)
	r.expires("roles.timestamp", &roles.Timestamp.ExpiresDays, defaultOnlineExpiresDays, maxOnlineExpiresDays)
	r.expires("roles.bins", &roles.Bins.ExpiresDays, defaultOnlineExpiresDays, maxOnlineExpiresDays)
	if roles.RecentlyClaimed != nil {
		r.expires("roles.recently_claimed", &roles.RecentlyClaimed.ExpiresDays, defaultOnlineExpiresDays, maxOnlineExpiresDays)
	}
	if roles.Unclaimed != nil {
		r.expires("roles.unclaimed", &roles.Unclaimed.ExpiresDays, defaultOnlineExpiresDays, maxOnlineExpiresDays)
	}

	// How many bins.
	count := "roles.bins.count"
	switch {
	case !r.given(count):
		roles.Bins.Count = defaultBinsCount
	case r.bad[count]:
	case roles.Bins.Count < 2 || roles.Bins.Count > maxBinsCount || roles.Bins.Count&(roles.Bins.Count-1) != 0:
		r.problem(count, "%d is not a power of two from 2 to %d; use one such as 256, 1024 or %d (PEP 458's number)", roles.Bins.Count, maxBinsCount, defaultBinsCount)
	}
}

// checkOffline checks an offline role's keyholders and threshold.
func (r *reader) checkOffline(path string, role *OfflineRole, names map[string]bool) {
	name := path[strings.LastIndex(path, ".")+1:]
	if !r.given(path) {
		r.problem(path, "required; give the %s role's keyholders and threshold", name)
		return
	}
	if r.bad[path] {
		return
	}
	kf, tf := join(path, "keyholders"), join(path, "threshold")
	switch {
	case !r.given(kf):
		r.problem(kf, "required; list the keyholders who sign %s", name)
	case r.bad[kf]:
	case len(role.Keyholders) == 0:
		r.problem(kf, "empty; list the keyholders who sign %s", name)
	default:
		first := map[string]int{}
		for i, n := range role.Keyholders {
			if names != nil && !names[n] {
				hint := fmt.Sprintf("add %q to keyholders or fix the spelling", n)
				if s := suggest(n, slices.Sorted(maps.Keys(names))); s != "" {
					hint = fmt.Sprintf("did you mean %q? or add %q to keyholders", s, n)
				}
				r.problem(index(kf, i), "%q is not one of the keyholders; %s", n, hint)
				continue
			}
			if j, dup := first[n]; dup {
				r.problem(index(kf, i), "%q is already listed as %s; list each keyholder once", n, index(kf, j))
				continue
			}
			first[n] = i
		}
	}
	switch t := role.Threshold; {
	case !r.given(tf):
		r.problem(tf, "required; say how many of the keyholders must sign %s", name)
	case r.bad[tf]:
	case t < 1:
		r.problem(tf, "%d is below 1; say how many of the keyholders must sign %s", t, name)
	case r.usable(kf) && len(role.Keyholders) > 0 && t > len(role.Keyholders):
		r.problem(tf, "%d exceeds the %d keyholders listed; lower the threshold or add keyholders", t, len(role.Keyholders))
	}
}

// expires fills in the default expiry of the role at path, or checks the
// one given against 1..max days.
func (r *reader) expires(path string, days *int, def, max int) {
	field := join(path, "expires_days")
	switch {
	case !r.given(field):
		*days = def
	case r.bad[field]:
	case *days < 1 || *days > max:
		if max == maxOnlineExpiresDays {
			r.problem(field, "%d is outside 1..%d days for a role signed online; the server re-signs it, so keep it short (PEP 458 uses 1)", *days, max)
		} else {
			r.problem(field, "%d is outside 1..%d days for a role signed offline; use a period the keyholders will meet again within (PEP 458 uses 365)", *days, max)
		}
	}
}

func (r *reader) checkOnline(p *Plan, profileOK bool) {
	switch {
	case !r.given("online"):
		r.problem("online", "required; list the online key the server signs with")
		return
	case r.bad["online"]:
		return
	case len(p.Online) == 0:
		r.problem("online", "empty; list the online key the server signs with")
		return
	case p.Profile == ProfileRSTUF && len(p.Online) > 1:
		r.problem("online", "profile rstuf takes exactly one online key, got %d; keep one (RSTUF's one online key signs timestamp, snapshot, targets and bins)", len(p.Online))
	}
	roles := p.OnlineRoles()
	first := map[string]int{}
	rolesOK := true
	for i := range p.Online {
		k := &p.Online[i]
		path := index("online", i)
		if r.bad[path] {
			rolesOK = false
			continue
		}
		if r.checkName(join(path, "name"), k.Name, "online key") {
			if j, dup := first[k.Name]; dup {
				r.problem(join(path, "name"), "%q is already the name of online[%d]; give each online key a different name", k.Name, j)
			} else {
				first[k.Name] = i
			}
		}
		r.checkKeySource(path, k.Key, k.PublicKey)

		uf := join(path, "uri")
		switch {
		case !r.given(uf):
			if p.Profile == ProfileRSTUF {
				r.problem(uf, "required with profile rstuf: it becomes x-rstuf-online-key-uri, which tells the server where to find the key; add uri: (such as fn:online.key or awskms:...)")
			}
		case r.bad[uf]:
		case k.URI == "":
			r.problem(uf, "empty; give where the server finds the key, or remove the field")
		case strings.IndexFunc(k.URI, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) || isBidi(c) }) >= 0 || !utf8.ValidString(k.URI):
			r.problem(uf, "%q holds a space or control character; write the URI without them", k.URI)
		}

		rf := join(path, "roles")
		switch {
		case !r.given(rf):
		case r.bad[rf]:
			rolesOK = false
		case len(k.Roles) == 0:
			r.problem(rf, "empty; list the roles this key signs, or remove roles: so it signs all of %s", strings.Join(roles, ", "))
			rolesOK = false
		case profileOK:
			seen := map[string]int{}
			for j, role := range k.Roles {
				if !slices.Contains(roles, role) {
					hint := ""
					if s := suggest(role, roles); s != "" {
						hint = fmt.Sprintf("did you mean %q? ", s)
					}
					r.problem(index(rf, j), "%q is not a role signed online with profile %s; %suse %s", role, p.Profile, hint, strings.Join(roles, ", "))
					rolesOK = false
					continue
				}
				if d, dup := seen[role]; dup {
					r.problem(index(rf, j), "%q is already listed as %s; list each role once", role, index(rf, d))
					continue
				}
				seen[role] = j
			}
		}
	}
	if profileOK && rolesOK {
		for _, role := range roles {
			if len(p.OnlineKeysFor(role)) == 0 {
				r.problem("online", "no online key signs %s; add %s to an online key's roles, or remove roles: from a key so it signs every online role", role, role)
			}
		}
	}
}
