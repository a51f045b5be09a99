package audit

// The checks of a bundle with a new root: the root chain as a client
// walks it, the roles it delegates, the RSTUF payload.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// VerifyRootBundle checks the bundle of a ceremony that signs root: the
// bundled roots as a client walks them, the roles they delegate, the RSTUF
// payload, the transcript and the attestations; extra checks what the
// kind adds (a rotation's plan and incident report).
func VerifyRootBundle(c *BundleCheck, extra func(c *BundleCheck, known map[string]bool)) {
	known := map[string]bool{ceremony.BundleInfo: true, ceremony.BundleReadme: true, ceremony.BundleState: true, ceremony.BundlePlan: true}
	m := sortEntries(c, known)
	if len(m.roots) == 0 {
		c.Add(verify.Error, "metadata/", metadata.ROOT, "missing", "the bundle holds no root metadata")
		return
	}
	newest := m.roots[len(m.roots)-1]
	if want := c.Info.Metadata[metadata.ROOT]; want != newest.Path {
		c.Add(verify.Error, newest.Path, metadata.ROOT, "bundle", "%s says the ceremony's root is %q, but the newest bundled root is %s", ceremony.BundleInfo, want, newest.Path)
	}
	finalRoot := walkRoots(c, m, newest)
	var targets *metadata.TargetsType
	targetsUnsigned := false
	for _, role := range []string{metadata.TARGETS, plan.RoleClaimed} {
		n, ok := m.roles[role]
		if !ok || finalRoot == nil {
			continue
		}
		if role == plan.RoleClaimed && targetsUnsigned {
			// In a partial bundle an unsigned targets is the work still
			// to do: a warning, as its unmet threshold is.
			c.Add(c.Severity, n.Path, role, "delegation", "no key root trusts has signed targets yet (see targets' findings), so its delegation of claimed is not read and claimed is not checked")
			continue
		}
		signed := checkDelegated(c, n, role, finalRoot, targets)
		// Targets is decoded (its delegations, for claimed) only once a
		// key root trusts has signed it: a hostile one can be made of
		// millions of tiny objects, each a map entry and a struct.
		if role == metadata.TARGETS {
			if targetsUnsigned = signed == 0; !targetsUnsigned {
				targets, _ = n.File.Targets()
			}
		}
	}
	for role, name := range c.Info.Metadata {
		if !c.Bundle.Has(name) {
			c.Add(verify.Error, name, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		}
	}
	checkPayload(c.Add, c.Bundle, c.Info, newest, m.roots, known)
	VerifyBundledTranscript(c.Engine, c.Add, c.Bundle, c.Info, known)
	VerifyBundledAttestations(c.Add, c.Bundle, known)
	extra(c, known)
	WarnUnknown(c, known)
}

// bundledMetadata are a bundle's metadata entries: its roots, oldest
// first, with their bytes by version, and its other roles by name.
type bundledMetadata struct {
	roots     []verify.Named
	rootBytes map[int64][]byte
	roles     map[string]verify.Named
}

// sortEntries reads the bundle's metadata entries, each checked against
// the type and version its name gives.
func sortEntries(c *BundleCheck, known map[string]bool) bundledMetadata {
	m := bundledMetadata{rootBytes: map[int64][]byte{}, roles: map[string]verify.Named{}}
	for _, me := range c.Bundle.Manifest.Entries {
		e, r := bundle.Entry{Name: me.Name}, bundleRootEntryRE.FindStringSubmatch(me.Name)
		if r == nil && !bundleRoleEntryRE.MatchString(me.Name) {
			continue
		}
		var ok bool
		if e.Data, ok = c.Bundle.Get(e.Name); !ok {
			// Read again and found changed: VerifyBundle reports it.
			continue
		}
		if r != nil {
			known[e.Name] = true
			if f, ok := bundleParseEntry(c.Add, e, metadata.ROOT, r[1]); ok {
				m.roots = append(m.roots, verify.Named{Path: e.Name, File: f})
				v, _ := strconv.ParseInt(r[1], 10, 64)
				m.rootBytes[v] = e.Data
			}
		} else if r := bundleRoleEntryRE.FindStringSubmatch(e.Name); r != nil {
			known[e.Name] = true
			if f, ok := bundleParseEntry(c.Add, e, r[2], r[1]); ok {
				if _, dup := m.roles[r[2]]; dup {
					c.Add(verify.Error, e.Name, r[2], "bundle", "a second %s metadata file; a ceremony signs one", r[2])
					continue
				}
				m.roles[r[2]] = verify.Named{Path: e.Name, File: f}
			}
		}
	}
	sort.Slice(m.roots, func(i, j int) bool { return m.roots[i].Path < m.roots[j].Path })
	sort.SliceStable(m.roots, func(i, j int) bool { return BundleVersion(m.roots[i].File) < BundleVersion(m.roots[j].File) })
	return m
}

// walkRoots walks the root chain as a client does, from the trusted root
// given, else from the bundle's oldest root, and returns the newest root
// if it is trusted (or, in a partial bundle, short only of signatures);
// nil otherwise.
func walkRoots(c *BundleCheck, m bundledMetadata, newest verify.Named) *metadata.RootType {
	var anchor verify.Named
	var next []verify.Named
	if trusted := c.Given; trusted != nil {
		anchor = *trusted
		tv := BundleVersion(trusted.File)
		for _, r := range m.roots {
			switch v := BundleVersion(r.File); {
			case v > tv:
				next = append(next, r)
			case v == tv && !bytes.Equal(m.rootBytes[v], c.GivenBytes):
				c.Add(verify.Error, r.Path, metadata.ROOT, "trusted-root", "differs from %s, which has the same version: this bundle was prepared from another root", c.givenPath)
			}
		}
		if len(next) == 0 || BundleVersion(next[0].File) != tv+1 {
			c.Add(verify.Error, newest.Path, metadata.ROOT, "trusted-root", "the bundle does not follow %s (v%d): it holds root v%d through v%d", c.givenPath, tv, BundleVersion(m.roots[0].File), BundleVersion(newest.File))
		}
	} else {
		anchor, next = m.roots[0], m.roots[1:]
		if len(next) > 0 {
			c.Add(verify.Warning, anchor.Path, metadata.ROOT, "trusted-root", "the chain starts from the bundle's own root v%d; give --trusted-root with the root the server trusts now", BundleVersion(anchor.File))
		}
	}
	chainFindings, final := verify.RootChain(anchor, next, c.At)
	for _, f := range chainFindings {
		if f.Check == "threshold" && f.Severity == verify.Error {
			f.Severity = c.Severity
		}
		c.Report.Findings = append(c.Report.Findings, f)
	}
	if final.File != nil {
		c.Report.RootVersion = BundleVersion(final.File)
	}
	if final.Path != newest.Path && c.Info.Partial {
		// Trust stopped short only for want of signatures: go on with the
		// newest root to check the rest.
		final = newest
	}
	if final.File != nil && final.Path == newest.Path {
		root, _ := newest.File.Root()
		return root
	}
	c.Add(verify.Error, newest.Path, metadata.ROOT, "root", "root v%d is not trusted: the roles it delegates are not checked", BundleVersion(newest.File))
	return nil
}

// checkDelegated checks targets or claimed against its delegator's rule:
// root's for targets, the bundled targets' for claimed. It returns how
// many keys of the rule signed it.
func checkDelegated(c *BundleCheck, n verify.Named, role string, root *metadata.RootType, targets *metadata.TargetsType) (signed int) {
	add := c.Add
	var rule threshold.Rule
	var err error
	switch {
	case role == metadata.TARGETS:
		rule, err = threshold.FromRoot(root, role, fmt.Sprintf("root v%d", root.Version))
	case targets == nil:
		err = fmt.Errorf("no targets metadata in the bundle delegates claimed")
	default:
		rule, err = threshold.FromTargets(targets, role, fmt.Sprintf("targets v%d", targets.Version))
	}
	if err != nil {
		add(verify.Error, n.Path, role, "delegation", "%v", err)
		return 0
	}
	t, err := threshold.Count(rule, n.File)
	if err != nil {
		add(verify.Error, n.Path, role, "parse", "%v", err)
		return 0
	}
	for _, id := range t.Invalid {
		add(verify.Error, n.Path, role, "signature", "signature by key %s does not verify", id)
	}
	if !t.Met() {
		add(c.Severity, n.Path, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
	}
	h, _ := n.File.Header()
	switch {
	case !h.Expires.After(c.At):
		add(verify.Error, n.Path, role, "expiry", "expired at %s", h.Expires.UTC().Format(time.RFC3339))
	case h.Expires.Sub(c.At) < ExpiryWarning:
		add(verify.Warning, n.Path, role, "expiry", "expires at %s", h.Expires.UTC().Format(time.RFC3339))
	}
	if c.Info.Metadata[role] != n.Path {
		add(verify.Error, n.Path, role, "bundle", "%s names %q for %s", ceremony.BundleInfo, c.Info.Metadata[role], role)
	}
	c.Report.Roles = append(c.Report.Roles, verify.RoleState{Role: role, File: n.Path, Delegator: rule.Delegator, Version: h.Version,
		Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
	return len(t.Signed)
}

// parseEntry reads a metadata entry and checks its type and the version
// its name gives ("" for none).
func bundleParseEntry(add AddFunc, e bundle.Entry, role, v string) (*metafile.File, bool) {
	f, err := metafile.ParseOwned(e.Data)
	if err != nil {
		add(verify.Error, e.Name, role, "parse", "%v", err)
		return nil, false
	}
	h, err := f.Header()
	if err != nil {
		add(verify.Error, e.Name, role, "parse", "%v", err)
		return nil, false
	}
	if h.Type != role && !(role == plan.RoleClaimed && h.Type == metadata.TARGETS) {
		add(verify.Error, e.Name, role, "type", "_type is %q, want %q", h.Type, role)
		return nil, false
	}
	if v != "" && strconv.FormatInt(h.Version, 10) != v {
		add(verify.Error, e.Name, role, "version", "holds version %d, but its name says %s", h.Version, v)
		return nil, false
	}
	return f, true
}

// checkPayload checks the RSTUF payload of an rstuf bundle.
func checkPayload(add AddFunc, b *bundle.Bundle, info ceremony.BundleInfoFile, newest verify.Named, roots []verify.Named, known map[string]bool) {
	for _, name := range []string{ceremony.BundleBootstrap, ceremony.BundleUpdate} {
		if b.Has(name) {
			known[name] = true
			if name != info.Payload {
				add(verify.Error, name, "", "payload", "%s names payload %q; this one should not be here", ceremony.BundleInfo, info.Payload)
			}
		}
	}
	if info.Profile != string(plan.ProfileRSTUF) {
		return
	}
	if info.Partial {
		if info.Payload != "" {
			add(verify.Error, info.Payload, "", "payload", "a partial bundle carries no RSTUF payload")
		}
		return
	}
	want := ceremony.BundleBootstrap
	if BundleVersion(newest.File) > 1 {
		want = ceremony.BundleUpdate
	}
	payload, ok := b.Get(want)
	if !ok {
		add(verify.Error, want, metadata.ROOT, "payload", "an rstuf bundle of root v%d must hold %s", BundleVersion(newest.File), want)
		return
	}
	if want == ceremony.BundleBootstrap {
		if err := rstuf.CheckBootstrap(payload); err != nil {
			add(verify.Error, want, metadata.ROOT, "payload", "%v", err)
		}
	} else {
		var prev *metafile.File
		for _, r := range roots {
			if BundleVersion(r.File) == BundleVersion(newest.File)-1 {
				prev = r.File
			}
		}
		if prev == nil {
			add(verify.Error, want, metadata.ROOT, "payload", "the bundle does not hold root v%d to check the update against", BundleVersion(newest.File)-1)
		} else if err := rstuf.CheckUpdate(payload, prev); err != nil {
			add(verify.Error, want, metadata.ROOT, "payload", "%v", err)
		}
	}
	var top struct {
		Metadata struct {
			Root json.RawMessage `json:"root"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(payload, &top); err != nil || len(top.Metadata.Root) == 0 {
		add(verify.Error, want, metadata.ROOT, "payload", "metadata.root is missing or not JSON")
		return
	}
	f, err := metafile.Parse(top.Metadata.Root)
	if err != nil || !metafile.SameSignatures(f, newest.File) {
		add(verify.Error, want, metadata.ROOT, "payload", "metadata.root is not %s (its signed bytes or signatures differ)", newest.Path)
	}
}

// RefuseRotationFiles refuses a rotation plan or an incident report in the
// bundle of another kind of ceremony: the online side would act on them.
func RefuseRotationFiles(c *BundleCheck, known map[string]bool) {
	for _, name := range []string{workspace.RotationFile, workspace.IncidentFile} {
		if c.Bundle.Has(name) {
			known[name] = true
			c.Add(verify.Error, name, "", "bundle", "a %s bundle holds no rotation plan or incident report", c.Info.Kind)
		}
	}
}
