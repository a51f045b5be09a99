package plan

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/theupdateframework/go-tuf/v2/metadata"

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

	// maxKeyFileSize bounds what is read as a key file; TUF public keys
	// are well under a kilobyte.
	maxKeyFileSize = 64 << 10
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
	r.resolveKeys(p)
}

func (r *reader) checkProfile(p *Plan) bool {
	switch {
	case !r.given("profile"):
		r.problem("profile", "required; add profile: rstuf, pep458 or pep480")
	case r.bad["profile"]:
	case contains(profileNames, string(p.Profile)):
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
		af := join(path, "attestation")
		switch {
		case r.usable(af) && k.Attestation == "":
			r.problem(af, "empty; give the attestation file 'ceremony keygen --out FILE' wrote (FILE.attestation.pem) or remove the field")
		case r.usable(af):
			k.Attestation = resolvePath(r.dir, k.Attestation)
			r.checkRegularFile(af, k.Attestation)
		case k.RequireAttestation && r.usable(join(path, "require_attestation")):
			r.problem(join(path, "require_attestation"), "true but no attestation is given; add attestation: FILE.attestation.pem, written by 'ceremony keygen --out FILE' on the device")
		}
	}
	return names
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
				if s := suggest(n, sortedKeys(names)); s != "" {
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
				if !contains(roles, role) {
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

// found is a key the plan resolved, for the check that no key is listed
// twice.
type found struct {
	label, field string
	key          *metadata.Key
}

// resolveKeys reads the public key of every keyholder and online key,
// sets TUFKey and KeyID, and refuses a key listed twice.
func (r *reader) resolveKeys(p *Plan) {
	var all []found
	// resolveOne resolves the key at path and points the entry's fields at
	// the result.
	resolveOne := func(path, name string, uri *string, pub string, tufKey **metadata.Key, keyID *string) {
		if r.bad[path] {
			return
		}
		resolved, key, field := r.resolve(path, *uri, pub)
		*uri = resolved
		if key == nil {
			return
		}
		*tufKey, *keyID = r.keyID(field, key)
		if *tufKey != nil {
			all = append(all, found{fmt.Sprintf("%s (%s)", path, name), field, *tufKey})
		}
	}
	for i := range p.Keyholders {
		k := &p.Keyholders[i]
		resolveOne(index("keyholders", i), k.Name, &k.Key, k.PublicKey, &k.TUFKey, &k.KeyID)
	}
	for i := range p.Online {
		k := &p.Online[i]
		resolveOne(index("online", i), k.Name, &k.Key, k.PublicKey, &k.TUFKey, &k.KeyID)
	}
	for i := range p.Witnesses {
		w := &p.Witnesses[i]
		resolveOne(index("witnesses", i), w.Name, &w.Key, w.PublicKey, &w.TUFKey, &w.KeyID)
	}
	for j := range all {
		for i := 0; i < j; i++ {
			if keys.SameKey(all[i].key, all[j].key) {
				r.problem(all[j].field, "%s and %s hold the same public key; every keyholder, online key and witness needs a key of its own", all[j].label, all[i].label)
				break
			}
		}
	}
}

func (r *reader) keyID(field string, k *metadata.Key) (*metadata.Key, string) {
	id, err := keys.ID(k)
	if err != nil {
		r.problem(field, "%v; use an ed25519 or ecdsa P-256/P-384 key", err)
		return nil, ""
	}
	return k, id
}

// resolve finds the public key of the entry at path from its key URI and
// its public key file. It returns the key URI with relative paths taken
// against the plan's directory, the key in the form we write into
// metadata, and the field the key came from. A key URI that cannot be
// read is accepted when a public key file stands in for it and the key is
// on a device (or in a file) that is not here.
func (r *reader) resolve(path, uri, pub string) (string, *metadata.Key, string) {
	kf, pf := join(path, "key"), join(path, "public_key")
	var u *keys.URI
	if r.usable(kf) && uri != "" {
		var err error
		if u, err = keys.ParseURI(uri); err != nil {
			u = nil // reported by checkKeySource
		}
	}
	havePub := r.usable(pf) && pub != ""
	if u == nil && !havePub {
		return uri, nil, ""
	}

	var fromFile, fromURI *metadata.Key
	if havePub {
		if fromFile = r.readPublicKey(pf, pub); fromFile == nil {
			return uri, nil, ""
		}
	}
	if u != nil {
		uri = rebase(uri, u, r.dir)
		k, err := r.publicKeyOf(uri)
		switch {
		case err == nil:
			fromURI = k
		case havePub && absent(u, err):
			// The device (or key file) is not here; public_key stands in.
		case u.Scheme == "file":
			r.problem(kf, "%v; check the path (relative to the plan's directory)", err)
			return uri, nil, ""
		default:
			r.problem(kf, "cannot read the key's public key: %v; connect the device, or add public_key: with the key's TUF public key file", err)
			return uri, nil, ""
		}
	}
	if fromFile != nil && fromURI != nil && !keys.SameKey(fromFile, fromURI) {
		r.problem(kf, "the key at %q is not the key in public_key %q; fix whichever is wrong", uri, pub)
		return uri, nil, ""
	}
	k, field := fromFile, pf
	if k == nil {
		k, field = fromURI, kf
	}
	norm, err := forMetadata(k)
	if err != nil {
		r.problem(field, "%v", err)
		return uri, nil, ""
	}
	return uri, norm, field
}

// absent reports whether err from reading the key at u means only that the
// key is not here: a file that does not exist, or any failure of a device
// backend (not built in, device not connected).
func absent(u *keys.URI, err error) bool {
	if u.Scheme == "file" {
		return errors.Is(err, fs.ErrNotExist)
	}
	return true
}

// publicKeyOf reads the public key uri names, refusing first what is not a
// plain, small file for file: URIs so that a plan naming a device or a
// pipe cannot hang the tool.
func (r *reader) publicKeyOf(uri string) (*metadata.Key, error) {
	u, err := keys.ParseURI(uri)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		if err := plainFile(u.Path); err != nil {
			return nil, fmt.Errorf("key file %q: %w", u.Path, err)
		}
	}
	if r.keys == nil {
		return nil, errors.New("this step reads no keys from devices: give the keyholder's public_key")
	}
	return r.keys.PublicKey(uri)
}

func plainFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err // the caller names the path
		}
		return err
	}
	if !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if fi.Size() > maxKeyFileSize {
		return fmt.Errorf("%d bytes is too large for a key file", fi.Size())
	}
	return nil
}

// readPublicKey reads a TUF public key file named in the plan.
func (r *reader) readPublicKey(field, name string) *metadata.Key {
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(r.dir, path)
	}
	if err := plainFile(path); err != nil {
		r.problem(field, "failed to read public key file %q: %v; give the path of the key's TUF public key file, relative to the plan", path, err)
		return nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		r.problem(field, "failed to read public key file %q: %v; give the path of the key's TUF public key file, relative to the plan", path, err)
		return nil
	}
	k, err := keys.ParseKeyJSON(data)
	if err != nil {
		r.problem(field, "public key file %q: %v; give a TUF public key file such as 'ceremony keygen' writes (NAME.pub)", path, err)
		return nil
	}
	return k
}

// forMetadata returns k as this tool writes keys into metadata: Ed25519 as
// hex, ECDSA P-256 and P-384 as PEM, no vendor fields. Other key types are
// read from others' metadata but never put into ours.
func forMetadata(k *metadata.Key) (*metadata.Key, error) {
	pub, err := keys.PublicKeyOf(k)
	if err != nil {
		return nil, fmt.Errorf("unusable key: %w; use an ed25519 or ecdsa P-256/P-384 key", err)
	}
	if _, ok := pub.(*rsa.PublicKey); ok {
		return nil, errors.New("rsa keys are not accepted for new metadata; use an ed25519 or ecdsa P-256/P-384 key")
	}
	out, err := keys.FromPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w; use an ed25519 or ecdsa P-256/P-384 key", err)
	}
	return out, nil
}

// rebase takes the relative paths in a key URI (a file: key's path and a
// pin-source file) against the plan's directory, so the key is the same
// wherever the tool runs from.
func rebase(raw string, u *keys.URI, dir string) string {
	if dir == "." {
		return raw
	}
	scheme, rest, _ := strings.Cut(raw, ":")
	path, query, hasQuery := strings.Cut(rest, "?")
	changed := false
	if scheme == "file" && !filepath.IsAbs(u.Path) {
		path = escapePath(filepath.Join(dir, u.Path))
		changed = true
	}
	if src := u.Query["pin-source"]; hasQuery && src != "" && !filepath.IsAbs(src) {
		parts := strings.Split(query, "&")
		for i, part := range parts {
			if name, _, _ := strings.Cut(part, "="); name == "pin-source" {
				parts[i] = "pin-source=" + escapePath(filepath.Join(dir, src))
				changed = true
			}
		}
		query = strings.Join(parts, "&")
	}
	if !changed {
		return raw
	}
	out := scheme + ":" + path
	if hasQuery {
		out += "?" + query
	}
	if _, err := keys.ParseURI(out); err != nil {
		return raw
	}
	return out
}

// escapePath percent-encodes what would end a path or attribute in a key
// URI, leaving ordinary path characters as they are.
func escapePath(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~/:+@,", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	// Order only decides between two equally close suggestions.
	sort.Strings(out)
	return out
}
