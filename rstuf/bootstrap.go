package rstuf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/threshold"
)

// DefaultTimeout is the bootstrap timeout RSTUF's CLI uses, in seconds.
const DefaultTimeout = 300

// Bins limits: RSTUF's API takes 1 < number_of_delegated_bins < 16385, and
// its worker makes 2^floor(log2(n)) bins, so only a power of two means what
// it says (RSTUF's CLI offers 2, 4, ... 16384).
const (
	MinBins = 2
	MaxBins = 16384
)

// settings is settings.roles of the bootstrap payload, in the order RSTUF's
// CLI writes it.
type settings struct {
	Roles settingsRoles `json:"roles"`
}

type settingsRoles struct {
	Root      expiration `json:"root"`
	Timestamp expiration `json:"timestamp"`
	Snapshot  expiration `json:"snapshot"`
	Targets   expiration `json:"targets"`
	Bins      binsRole   `json:"bins"`
}

type expiration struct {
	Expiration int `json:"expiration"`
}

type binsRole struct {
	Expiration            int `json:"expiration"`
	NumberOfDelegatedBins int `json:"number_of_delegated_bins"`
}

// Bootstrap builds RSTUF's bootstrap payload for the plan p (profile rstuf)
// and its signed root v1: the expiry periods and bin count of the plan, the
// root with "signed" copied byte for byte, and the timeout in seconds.
//
// The payload is checked by CheckBootstrap before it is returned; a payload
// RSTUF would refuse or fail on is refused here, and nothing is returned to
// write. The root must also be the plan's: its root threshold, its keyholders
// and its online key and URI.
func Bootstrap(p *plan.Plan, root *metafile.File, timeout int) ([]byte, error) {
	if p == nil || root == nil {
		return nil, fmt.Errorf("bootstrap payload needs a plan and a signed root")
	}
	if p.Profile != plan.ProfileRSTUF {
		return nil, fmt.Errorf("plan profile is %q: an RSTUF bootstrap payload needs profile rstuf (RSTUF signs targets with its online key, so targets cannot be an offline role)", p.Profile)
	}
	if timeout < 1 {
		return nil, fmt.Errorf("bootstrap timeout is %d seconds; want a positive number of seconds (RSTUF's default is %d)", timeout, DefaultTimeout)
	}
	if err := matchPlan(p, root); err != nil {
		return nil, err
	}
	return bootstrapPayload(p, root, timeout)
}

// RebuildBootstrap makes again the bootstrap payload Bootstrap made for p
// and root, byte for byte, from a plan read with plan.ParseSettings: its
// keys are not read, so root is not matched against them (the auditor
// verifies root on its own: its chain, its signatures, the transcript).
func RebuildBootstrap(p *plan.Plan, root *metafile.File, timeout int) ([]byte, error) {
	if p == nil || root == nil {
		return nil, fmt.Errorf("bootstrap payload needs a plan and a signed root")
	}
	if p.Profile != plan.ProfileRSTUF {
		return nil, fmt.Errorf("plan profile is %q: an RSTUF bootstrap payload needs profile rstuf", p.Profile)
	}
	return bootstrapPayload(p, root, timeout)
}

// bootstrapPayload writes the payload: the plan's settings, root, the
// timeout; checked by CheckBootstrap.
func bootstrapPayload(p *plan.Plan, root *metafile.File, timeout int) ([]byte, error) {
	s := settings{Roles: settingsRoles{
		Root:      expiration{p.Roles.Root.ExpiresDays},
		Timestamp: expiration{p.Roles.Timestamp.ExpiresDays},
		Snapshot:  expiration{p.Roles.Snapshot.ExpiresDays},
		Targets:   expiration{p.Roles.Targets.ExpiresDays},
		Bins:      binsRole{Expiration: p.Roles.Bins.ExpiresDays, NumberOfDelegatedBins: p.Roles.Bins.Count},
	}}
	sj, err := json.MarshalIndent(s, "  ", "  ")
	if err != nil {
		return nil, fmt.Errorf("failed to encode bootstrap settings: %w", err)
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"settings\": ")
	b.Write(sj)
	b.WriteString(",\n  \"metadata\": {\n    \"root\": ")
	writeMetadata(&b, root, "    ")
	b.WriteString("\n  },\n")
	fmt.Fprintf(&b, "  \"timeout\": %d\n}\n", timeout)
	out := b.Bytes()
	if err := CheckBootstrap(out); err != nil {
		return nil, err
	}
	return out, nil
}

// matchPlan checks that root is the root the plan describes, so that the
// settings (from the plan) and the root (from the workspace) belong
// together.
func matchPlan(p *plan.Plan, f *metafile.File) error {
	root, err := f.Root()
	if err != nil {
		return fmt.Errorf("root: %w", err)
	}
	rr := root.Roles[metadata.ROOT]
	if rr == nil {
		return fmt.Errorf("root has no root role")
	}
	if rr.Threshold != p.Roles.Root.Threshold {
		return fmt.Errorf("root's root threshold is %d, but the plan's roles.root.threshold is %d: this root was not made from this plan", rr.Threshold, p.Roles.Root.Threshold)
	}
	for _, name := range p.Roles.Root.Keyholders {
		h, ok := p.Keyholder(name)
		if !ok || !slices.Contains(rr.KeyIDs, h.KeyID) {
			return fmt.Errorf("root does not list keyholder %q's key for root, which the plan's roles.root.keyholders does: this root was not made from this plan", name)
		}
	}
	if len(p.Online) != 1 {
		return fmt.Errorf("plan lists %d online keys; RSTUF has exactly one", len(p.Online))
	}
	o := p.Online[0]
	ts := root.Roles[metadata.TIMESTAMP]
	if ts == nil || len(ts.KeyIDs) == 0 {
		return fmt.Errorf("root lists no timestamp key; RSTUF's online key is roles.timestamp.keyids[0]")
	}
	k := root.Keys[ts.KeyIDs[0]]
	if k == nil || !keys.SameKey(k, o.TUFKey) {
		return fmt.Errorf("root's online key (roles.timestamp.keyids[0], %s) is not the plan's online key %q: this root was not made from this plan", short(ts.KeyIDs[0]), o.Name)
	}
	if uri, _ := k.UnrecognizedFields[OnlineKeyURIField].(string); uri != o.URI {
		return fmt.Errorf("root's online key has %s %q, but the plan's online uri is %q: this root was not made from this plan", OnlineKeyURIField, uri, o.URI)
	}
	return nil
}

// writeMetadata writes a metadata file as a JSON object member value:
// unknown top-level fields, "signatures", then "signed" exactly as it is in
// f. indent is the indentation of the line the object starts on.
func writeMetadata(b *bytes.Buffer, f *metafile.File, indent string) {
	in := indent + "  "
	b.WriteString("{\n")
	for _, name := range slices.Sorted(maps.Keys(f.Extra)) {
		fmt.Fprintf(b, "%s%s: %s,\n", in, jsonString(name), f.Extra[name])
	}
	b.WriteString(in + "\"signatures\": [")
	for i, s := range f.Signatures {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(b, "\n%s  {\"keyid\": %s, \"sig\": %s", in, jsonString(s.KeyID), jsonString(s.Sig))
		for _, name := range slices.Sorted(maps.Keys(s.Extra)) {
			fmt.Fprintf(b, ", %s: %s", jsonString(name), s.Extra[name])
		}
		b.WriteString("}")
	}
	if len(f.Signatures) > 0 {
		b.WriteString("\n" + in)
	}
	b.WriteString("],\n" + in + "\"signed\": ")
	b.Write(f.Signed)
	b.WriteString("\n" + indent + "}")
}

func jsonString(s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// delegatedName is the pattern RSTUF's API allows for custom delegated
// role names.
var delegatedName = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// CheckBootstrap checks a bootstrap payload by RSTUF's rules, all of them
// at once; the error is an *Error naming each field that is wrong.
//
// From RSTUF's API (repository_service_tuf_api/bootstrap.py and
// common_models.py): settings.roles has root, timestamp, snapshot, targets,
// each with a positive integer expiration (days), and exactly one of bins
// (1 < number_of_delegated_bins < 16385) or delegations (role names of
// [a-zA-Z0-9_-], non-empty path patterns); extra fields in signed are named
// x-<vendor>-<name>. From its worker (repository_service_tuf_worker/
// repository.py bootstrap, _validate_signature, _bootstrap_finalize;
// signer.py SignerStore.get): at least one signature, each by a root key and
// valid; the online key is roles.timestamp.keyids[0], signs every online
// role, and carries x-rstuf-online-key-uri. From its CLI (cli/admin/
// helpers.py): root threshold at least 2, every key named (x-rstuf-key-name,
// non-empty, unique), the online key not a root key, bins a power of two.
// From python-tuf, which the worker reads root with: exactly the four
// top-level roles, unique key IDs and signatures, expires as
// YYYY-MM-DDTHH:MM:SSZ, spec version 1.x.
//
// Ours, stricter than RSTUF: root version 1; the root threshold met (RSTUF
// would hold the bootstrap pending more signatures); no field RSTUF does
// not read; the timeout a positive integer.
func CheckBootstrap(payload []byte) error {
	c := &checker{}
	top, ok := asObject(payload)
	if !ok {
		c.add("(payload)", "is not a JSON object")
		return c.err("bootstrap payload")
	}
	c.checkFields("", top, []string{"settings", "metadata", "timeout"}, "of RSTUF's bootstrap payload")
	if raw, ok := top["timeout"]; ok {
		if n, ok := asInt(raw); !ok || n < 1 {
			c.add("timeout", "is %s, not a positive number of seconds", trim(raw))
		}
	}
	c.checkSettings(top["settings"])

	md, ok := asObject(top["metadata"])
	if !ok {
		c.add("metadata", "is missing or not an object; it holds the signed root")
		return c.err("bootstrap payload")
	}
	c.checkFields("metadata", md, []string{metadata.ROOT}, "of the bootstrap payload's metadata (it takes the root only)")
	raw, ok := md[metadata.ROOT]
	if !ok {
		c.add("metadata.root", "is missing; it is the signed root v1")
		return c.err("bootstrap payload")
	}
	f, err := metafile.Parse(raw)
	if err != nil {
		c.add("metadata.root", "%v", err)
		return c.err("bootstrap payload")
	}
	if root := c.checkRoot("metadata.root", f, forBootstrap, nil); root != nil {
		rule, err := threshold.FromRoot(root, metadata.ROOT, describeVersion(root, ""))
		if err == nil {
			c.checkSignatures("metadata.root", f, []threshold.Rule{rule}, describeVersion(root, ""), false)
		}
	}
	return c.err("bootstrap payload")
}

func (c *checker) checkSettings(raw json.RawMessage) {
	s, ok := asObject(raw)
	if !ok {
		c.add("settings", "is missing or not an object")
		return
	}
	c.checkFields("settings", s, []string{"roles"}, "of RSTUF's bootstrap settings")
	roles, ok := asObject(s["roles"])
	if !ok {
		c.add("settings.roles", "is missing or not an object")
		return
	}
	c.checkFields("settings.roles", roles, []string{"root", "timestamp", "snapshot", "targets", "bins", "delegations"}, "of RSTUF's bootstrap settings")
	for _, name := range topLevelRoles {
		rp := join("settings.roles", name)
		r, ok := asObject(roles[name])
		if !ok {
			c.add(rp, "is missing or not an object; RSTUF needs the expiration of each top-level role")
			continue
		}
		c.checkFields(rp, r, []string{"expiration"}, "of a role's settings")
		c.positiveInt(rp, r, "expiration", "RSTUF takes the role's expiry period in days")
	}
	bins, hasBins := roles["bins"]
	hasBins = hasBins && !isNull(bins)
	deleg, hasDeleg := roles["delegations"]
	hasDeleg = hasDeleg && !isNull(deleg)
	switch {
	case hasBins && hasDeleg:
		c.add("settings.roles", "has both bins and delegations; RSTUF takes exactly one of them: keep bins (hash-bin delegation, signed online)")
	case !hasBins && !hasDeleg:
		c.add("settings.roles", "has neither bins nor delegations; RSTUF takes exactly one of them: add bins")
	}
	if hasBins {
		c.checkBins(bins)
	}
	if hasDeleg {
		c.checkDelegations(deleg)
	}
}

func (c *checker) checkBins(raw json.RawMessage) {
	const bp = "settings.roles.bins"
	b, ok := asObject(raw)
	if !ok {
		c.add(bp, "is not an object")
		return
	}
	c.checkFields(bp, b, []string{"expiration", "number_of_delegated_bins"}, "of RSTUF's bins settings")
	c.positiveInt(bp, b, "expiration", "RSTUF takes the bins' expiry period in days")
	field := join(bp, "number_of_delegated_bins")
	nraw, ok := b["number_of_delegated_bins"]
	if !ok {
		c.add(field, "is missing; RSTUF needs the number of hash bins")
		return
	}
	n, ok := asInt(nraw)
	switch {
	case !ok:
		c.add(field, "is %s, not an integer", trim(nraw))
	case n < MinBins || n > MaxBins:
		c.add(field, "is %d; RSTUF takes 1 < number_of_delegated_bins < 16385: use a power of two from %d to %d", n, MinBins, MaxBins)
	case n&(n-1) != 0:
		c.add(field, "is %d, not a power of two; RSTUF would make %d bins (2 to the power floor(log2 %d)): use a power of two from %d to %d", n, 1<<(bitLen(n)-1), n, MinBins, MaxBins)
	}
}

func bitLen(n int64) int {
	l := 0
	for ; n > 0; n >>= 1 {
		l++
	}
	return l
}

// checkDelegations checks custom delegations as RSTUF's API does. This tool
// writes bins; RSTUF's own payloads may use delegations instead.
func (c *checker) checkDelegations(raw json.RawMessage) {
	const dp = "settings.roles.delegations"
	d, ok := asObject(raw)
	if !ok {
		c.add(dp, "is not an object")
		return
	}
	ko, ok := asObject(d["keys"])
	if !ok {
		c.add(join(dp, "keys"), "is missing or not an object")
	}
	for _, id := range slices.Sorted(maps.Keys(ko)) {
		k, ok := asObject(ko[id])
		if !ok {
			c.add(join(dp, "keys."+id), "is not a key object")
			continue
		}
		for _, f := range []string{"keytype", "scheme"} {
			if _, ok := asString(k[f]); !ok {
				c.add(join(dp, "keys."+id+"."+f), "is missing or not a string")
			}
		}
		if _, ok := asObject(k["keyval"]); !ok {
			c.add(join(dp, "keys."+id+".keyval"), "is missing or not an object")
		}
	}
	roles, ok := asArray(d["roles"])
	if !ok {
		c.add(join(dp, "roles"), "is missing or not a list")
		return
	}
	for i, raw := range roles {
		rp := index(join(dp, "roles"), i)
		r, ok := asObject(raw)
		if !ok {
			c.add(rp, "is not an object")
			continue
		}
		if name, ok := asString(r["name"]); !ok || !delegatedName.MatchString(name) {
			c.add(join(rp, "name"), "is %s; RSTUF allows only a-z, A-Z, 0-9, - and _ in delegated role names", trim(r["name"]))
		}
		if _, ok := asBool(r["terminating"]); !ok {
			c.add(join(rp, "terminating"), "is missing or not true or false")
		}
		if _, bad, ok := asStrings(r["keyids"]); !ok {
			if bad >= 0 {
				c.add(index(join(rp, "keyids"), bad), "is not a key ID string")
			} else {
				c.add(join(rp, "keyids"), "is missing or not a list")
			}
		}
		if t, ok := asInt(r["threshold"]); !ok || t < 1 {
			c.add(join(rp, "threshold"), "is %s, not a positive integer", trim(r["threshold"]))
		}
		paths, bad, ok := asStrings(r["paths"])
		switch {
		case !ok && bad >= 0:
			c.add(index(join(rp, "paths"), bad), "is not a string")
		case !ok:
			c.add(join(rp, "paths"), "is missing or not a list; RSTUF needs at least one path pattern")
		case len(paths) == 0:
			c.add(join(rp, "paths"), "is empty; RSTUF needs at least one path pattern")
		}
		for j, p := range paths {
			if p == "" {
				c.add(index(join(rp, "paths"), j), "is empty; RSTUF refuses empty path patterns")
			}
		}
		if raw, ok := r["x-rstuf-expire-policy"]; ok {
			if n, ok := asInt(raw); !ok || n < 1 {
				c.add(join(rp, "x-rstuf-expire-policy"), "is %s, not a positive number of days", trim(raw))
			}
		}
	}
}
