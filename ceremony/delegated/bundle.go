package delegated

import (
	"bytes"
	"path"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// VerifyBundle checks the bundle of a claims or project
// ceremony, which signs no root: the trusted metadata it carries (root by
// its own threshold, or the root given if any; targets by root's rule;
// claimed by targets'), the role signed against the trusted delegator's
// rule, its version above the trusted one and not expired; what the kind
// adds (claimsbundle.go, projectbundle.go); the transcript replayed.
func VerifyBundle(c *audit.BundleCheck, kind Checks) {
	known := map[string]bool{ceremony.BundleInfo: true, ceremony.BundleReadme: true, ceremony.BundleState: true, ceremony.BundlePlan: true}
	files, ok := readTrusted(c, known)
	if !ok {
		return
	}
	root, ok := trustRoot(c, files)
	if !ok {
		return
	}
	targets, ok := trustDelegators(c, files, root)
	if !ok {
		return
	}
	d, ok := readSigned(c, root, known)
	if !ok {
		return
	}
	d.Trusted, d.Targets = files, targets
	delegator := kind.Delegator(d)
	if delegator == nil {
		return
	}
	if !checkSigned(d, delegator) {
		return
	}
	kind.Check(d)
	audit.VerifyBundledTranscript(c.Engine, c.Add, c.Bundle, c.Info, known)
	audit.VerifyBundledAttestations(c.Add, c.Bundle, known)
	audit.RefuseRotationFiles(c, known)
	audit.WarnUnknown(c, known)
}

// readTrusted reads the trusted root, targets and claimed the bundle
// carries, and checks that every trusted file bundle-info.json lists is
// there.
func readTrusted(c *audit.BundleCheck, known map[string]bool) (map[string]verify.Named, bool) {
	add, b, info := c.Add, c.Bundle, c.Info
	files := map[string]verify.Named{}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, plan.RoleClaimed} {
		entry, listed := info.Trusted[role]
		if !listed {
			entry = workspace.TrustedPath(role)
		}
		data, ok := b.Get(entry)
		if !ok {
			add(verify.Error, entry, role, "missing", "a %s bundle must hold the trusted %s metadata it started from", info.Kind, role)
			return nil, false
		}
		known[entry] = true
		f, err := metafile.ParseOwned(data)
		if err != nil {
			add(verify.Error, entry, role, "parse", "%v", err)
			return nil, false
		}
		files[role] = verify.Named{Path: entry, File: f}
	}
	for role, entry := range info.Trusted {
		if !b.Has(entry) {
			add(verify.Error, entry, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		}
		known[entry] = true
	}
	return files, true
}

// trustRoot walks the root chain to the bundle's trusted root: from the
// root given (the same, or the one before it), else from the bundle's own.
func trustRoot(c *audit.BundleCheck, files map[string]verify.Named) (*metadata.RootType, bool) {
	add, b, given := c.Add, c.Bundle, c.Given
	anchor, next := files[metadata.ROOT], []verify.Named(nil)
	if given != nil {
		gv, bv := audit.BundleVersion(given.File), audit.BundleVersion(anchor.File)
		bundled, _ := b.Get(anchor.Path)
		switch {
		case gv == bv && bytes.Equal(c.GivenBytes, bundled):
		case gv+1 == bv:
			next = []verify.Named{anchor}
			anchor = *given
		default:
			add(verify.Error, anchor.Path, metadata.ROOT, "trusted-root", "is root v%d, but %s is root v%d: this bundle was prepared from another root than the one the server trusts", bv, given.Path, gv)
		}
	} else {
		add(verify.Warning, anchor.Path, metadata.ROOT, "trusted-root", "the chain starts from the bundle's own trusted root v%d; give --trusted-root with the root the server trusts now", audit.BundleVersion(anchor.File))
	}
	chainFindings, final := verify.RootChain(anchor, next, c.At)
	c.Report.Findings = append(c.Report.Findings, chainFindings...)
	if final.File == nil || final.Path != files[metadata.ROOT].Path || audit.ErrorsOf(chainFindings) > 0 {
		add(verify.Error, files[metadata.ROOT].Path, metadata.ROOT, "root", "the trusted root is not trusted: the roles it delegates are not checked")
		return nil, false
	}
	root, _ := files[metadata.ROOT].File.Root()
	c.Report.RootVersion = root.Version
	return root, true
}

// trustDelegators checks that the trusted targets and claimed are fully
// signed by their delegators, and returns targets.
func trustDelegators(c *audit.BundleCheck, files map[string]verify.Named, root *metadata.RootType) (*metadata.TargetsType, bool) {
	add := c.Add
	rule, err := threshold.FromRoot(root, metadata.TARGETS, threshold.Label(metadata.ROOT, root.Version))
	if err != nil {
		add(verify.Error, files[metadata.TARGETS].Path, metadata.TARGETS, "delegation", "%v", err)
		return nil, false
	}
	if !signedFully(c, files[metadata.TARGETS], metadata.TARGETS, rule) {
		return nil, false
	}
	targets, err := files[metadata.TARGETS].File.Targets()
	if err != nil {
		add(verify.Error, files[metadata.TARGETS].Path, metadata.TARGETS, "parse", "%v", err)
		return nil, false
	}
	if rule, err = threshold.FromTargets(targets, plan.RoleClaimed, threshold.Label(metadata.TARGETS, targets.Version)); err != nil {
		add(verify.Error, files[plan.RoleClaimed].Path, plan.RoleClaimed, "delegation", "%v", err)
		return nil, false
	}
	if !signedFully(c, files[plan.RoleClaimed], plan.RoleClaimed, rule) {
		return nil, false
	}
	return targets, true
}

// signedFully reports whether trusted metadata n of role meets its rule,
// adding its state to the report and what falls short to the findings.
func signedFully(c *audit.BundleCheck, n verify.Named, role string, rule threshold.Rule) bool {
	t, err := threshold.Count(rule, n.File)
	if err != nil {
		c.Add(verify.Error, n.Path, role, "parse", "%v", err)
		return false
	}
	for _, id := range t.Invalid {
		c.Add(verify.Error, n.Path, role, "signature", "signature by key %s does not verify", ceremony.AbbrevHash(id))
	}
	h, _ := n.File.Header()
	c.Report.Roles = append(c.Report.Roles, verify.RoleState{Role: role, File: n.Path, Delegator: rule.Delegator, Version: h.Version,
		Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
	if !t.Met() {
		c.Add(verify.Error, n.Path, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
		return false
	}
	return true
}

// readSigned reads the one role signed at the ceremony, as bundle-info.json
// names it.
func readSigned(c *audit.BundleCheck, root *metadata.RootType, known map[string]bool) (*Bundle, bool) {
	add, b, info := c.Add, c.Bundle, c.Info
	if len(info.Metadata) != 1 {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "a %s bundle signs one role, but %s lists %d", info.Kind, ceremony.BundleInfo, len(info.Metadata))
		return nil, false
	}
	var role, entry string
	for role, entry = range info.Metadata {
	}
	data, ok := b.Get(entry)
	if !ok {
		add(verify.Error, entry, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		return nil, false
	}
	known[entry] = true
	f, err := metafile.ParseOwned(data)
	if err != nil {
		add(verify.Error, entry, role, "parse", "%v", err)
		return nil, false
	}
	h, err := f.Header()
	if err != nil || h.Type != metadata.TARGETS {
		add(verify.Error, entry, role, "type", "is not targets metadata")
		return nil, false
	}
	if want := ceremony.BundleMetadataEntry(role, h.Version, root.ConsistentSnapshot); entry != want {
		add(verify.Error, entry, role, "bundle", "holds %s v%d, which a repository serves as %s", role, h.Version, path.Base(want))
	}
	return &Bundle{Check: c, Role: role, Entry: entry, Signed: f, Known: known}, true
}

// checkSigned checks the role signed at the ceremony against its
// delegator's rule and its expiry; false if the rule cannot be read.
func checkSigned(d *Bundle, delegator *metadata.TargetsType) bool {
	c, role, entry := d.Check, d.Role, d.Entry
	rule, err := threshold.FromTargets(delegator, role, threshold.Label(c.Info.Kind.Delegator(role), delegator.Version))
	if err != nil {
		c.Add(verify.Error, entry, role, "delegation", "%v", err)
		return false
	}
	t, err := threshold.Count(rule, d.Signed)
	if err != nil {
		c.Add(verify.Error, entry, role, "parse", "%v", err)
		return false
	}
	for _, id := range t.Invalid {
		c.Add(verify.Error, entry, role, "signature", "signature by key %s does not verify", ceremony.AbbrevHash(id))
	}
	if !t.Met() {
		c.Add(c.Severity, entry, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
	}
	h, _ := d.Signed.Header()
	switch {
	case !h.Expires.After(c.At):
		c.Add(verify.Error, entry, role, "expiry", "expired at %s", h.Expires.UTC().Format(time.RFC3339))
	case h.Expires.Sub(c.At) < audit.ExpiryWarning:
		c.Add(verify.Warning, entry, role, "expiry", "expires at %s", h.Expires.UTC().Format(time.RFC3339))
	}
	c.Report.Roles = append(c.Report.Roles, verify.RoleState{Role: role, File: entry, Delegator: rule.Delegator, Version: h.Version,
		Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
	return true
}

// Bundle is the bundle of a claims or project ceremony, as
// VerifyBundle has read it so far.
type Bundle struct {
	Check *audit.BundleCheck
	// Trusted holds the trusted root, targets and claimed it carries.
	Trusted map[string]verify.Named
	Targets *metadata.TargetsType
	// Claimed is the trusted claimed, decoded where a check needs it (a
	// project bundle's: for its delegation to the project's role alone).
	Claimed *metadata.TargetsType
	// Role is the role signed at the ceremony, entry its bundle entry,
	// signed its metadata.
	Role, Entry string
	Signed      *metafile.File
	Known       map[string]bool
}

// Checks is what a claims or a project bundle adds to the checks
// of VerifyBundle.
type Checks interface {
	// Delegator returns the trusted metadata whose rule names who signs
	// d.role; nil, with a finding added, if d.role is not what the kind
	// signs.
	Delegator(d *Bundle) *metadata.TargetsType
	// Check checks what the kind changes, against the trusted metadata.
	Check(d *Bundle)
}
