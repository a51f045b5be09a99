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
	rep, add, b, info, given, givenBytes, at, sev := c.Report, c.Add, c.Bundle, c.Info, c.Given, c.GivenBytes, c.At, c.Severity
	known := map[string]bool{ceremony.BundleInfo: true, ceremony.BundleReadme: true, ceremony.BundleState: true, ceremony.BundlePlan: true}
	files := map[string]verify.Named{}
	for _, role := range []string{metadata.ROOT, metadata.TARGETS, plan.RoleClaimed} {
		entry, listed := info.Trusted[role]
		if !listed {
			entry = workspace.TrustedPath(role)
		}
		data, ok := b.Get(entry)
		if !ok {
			add(verify.Error, entry, role, "missing", "a %s bundle must hold the trusted %s metadata it started from", info.Kind, role)
			return
		}
		known[entry] = true
		f, err := metafile.Parse(data)
		if err != nil {
			add(verify.Error, entry, role, "parse", "%v", err)
			return
		}
		files[role] = verify.Named{Path: entry, File: f}
	}
	for role, entry := range info.Trusted {
		if _, ok := b.Get(entry); !ok {
			add(verify.Error, entry, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		}
		known[entry] = true
	}

	// The root: the bundle's own, or the one given (the same, or the one
	// before it).
	anchor, next := files[metadata.ROOT], []verify.Named(nil)
	if given != nil {
		gv, bv := audit.BundleVersion(given.File), audit.BundleVersion(anchor.File)
		bundled, _ := b.Get(anchor.Path)
		switch {
		case gv == bv && bytes.Equal(givenBytes, bundled):
		case gv+1 == bv:
			next = []verify.Named{anchor}
			anchor = *given
		default:
			add(verify.Error, anchor.Path, metadata.ROOT, "trusted-root", "is root v%d, but %s is root v%d: this bundle was prepared from another root than the one the server trusts", bv, given.Path, gv)
		}
	} else {
		add(verify.Warning, anchor.Path, metadata.ROOT, "trusted-root", "the chain starts from the bundle's own trusted root v%d; give --trusted-root with the root the server trusts now", audit.BundleVersion(anchor.File))
	}
	chainFindings, final := verify.RootChain(anchor, next, at)
	rep.Findings = append(rep.Findings, chainFindings...)
	if final.File == nil || final.Path != files[metadata.ROOT].Path || audit.ErrorsOf(chainFindings) > 0 {
		add(verify.Error, files[metadata.ROOT].Path, metadata.ROOT, "root", "the trusted root is not trusted: the roles it delegates are not checked")
		return
	}
	root, _ := files[metadata.ROOT].File.Root()
	rep.RootVersion = root.Version

	// Trusted targets and claimed: fully signed by their delegators.
	signedBy := func(role string, rule threshold.Rule, severity verify.Severity) bool {
		n := files[role]
		t, err := threshold.Count(rule, n.File)
		if err != nil {
			add(verify.Error, n.Path, role, "parse", "%v", err)
			return false
		}
		for _, id := range t.Invalid {
			add(verify.Error, n.Path, role, "signature", "signature by key %s does not verify", ceremony.AbbrevHash(id))
		}
		h, _ := n.File.Header()
		rep.Roles = append(rep.Roles, verify.RoleState{Role: role, File: n.Path, Delegator: rule.Delegator, Version: h.Version,
			Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
		if !t.Met() {
			add(severity, n.Path, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
			return false
		}
		return true
	}
	rule, err := threshold.FromRoot(root, metadata.TARGETS, threshold.Label(metadata.ROOT, root.Version))
	if err != nil {
		add(verify.Error, files[metadata.TARGETS].Path, metadata.TARGETS, "delegation", "%v", err)
		return
	}
	if !signedBy(metadata.TARGETS, rule, verify.Error) {
		return
	}
	targets, err := files[metadata.TARGETS].File.Targets()
	if err != nil {
		add(verify.Error, files[metadata.TARGETS].Path, metadata.TARGETS, "parse", "%v", err)
		return
	}
	if rule, err = threshold.FromTargets(targets, plan.RoleClaimed, threshold.Label(metadata.TARGETS, targets.Version)); err != nil {
		add(verify.Error, files[plan.RoleClaimed].Path, plan.RoleClaimed, "delegation", "%v", err)
		return
	}
	if !signedBy(plan.RoleClaimed, rule, verify.Error) {
		return
	}

	// The role signed at the ceremony.
	if len(info.Metadata) != 1 {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "a %s bundle signs one role, but %s lists %d", info.Kind, ceremony.BundleInfo, len(info.Metadata))
		return
	}
	var role, entry string
	for role, entry = range info.Metadata {
	}
	data, ok := b.Get(entry)
	if !ok {
		add(verify.Error, entry, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		return
	}
	known[entry] = true
	f, err := metafile.Parse(data)
	if err != nil {
		add(verify.Error, entry, role, "parse", "%v", err)
		return
	}
	h, err := f.Header()
	if err != nil || h.Type != metadata.TARGETS {
		add(verify.Error, entry, role, "type", "is not targets metadata")
		return
	}
	if want := ceremony.BundleMetadataEntry(role, h.Version, root.ConsistentSnapshot); entry != want {
		add(verify.Error, entry, role, "bundle", "holds %s v%d, which a repository serves as %s", role, h.Version, path.Base(want))
	}
	d := &Bundle{Check: c, Trusted: files, Targets: targets, Role: role, Entry: entry, Signed: f, Known: known}
	delegator := kind.Delegator(d)
	if delegator == nil {
		return
	}
	if rule, err = threshold.FromTargets(delegator, role, threshold.Label(info.Kind.Delegator(role), delegator.Version)); err != nil {
		add(verify.Error, entry, role, "delegation", "%v", err)
		return
	}
	t, err := threshold.Count(rule, f)
	if err != nil {
		add(verify.Error, entry, role, "parse", "%v", err)
		return
	}
	for _, id := range t.Invalid {
		add(verify.Error, entry, role, "signature", "signature by key %s does not verify", ceremony.AbbrevHash(id))
	}
	if !t.Met() {
		add(sev, entry, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
	}
	switch {
	case !h.Expires.After(at):
		add(verify.Error, entry, role, "expiry", "expired at %s", h.Expires.UTC().Format(time.RFC3339))
	case h.Expires.Sub(at) < audit.ExpiryWarning:
		add(verify.Warning, entry, role, "expiry", "expires at %s", h.Expires.UTC().Format(time.RFC3339))
	}
	rep.Roles = append(rep.Roles, verify.RoleState{Role: role, File: entry, Delegator: rule.Delegator, Version: h.Version,
		Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
	kind.Check(d)

	audit.CheckBundledTranscript(c.Engine, add, b, info, known)
	audit.CheckBundledAttestations(add, b, known)
	audit.RefuseRotationFiles(c, known)
	audit.WarnUnknown(c, known)
}

// Bundle is the bundle of a claims or project ceremony, as
// VerifyBundle has read it so far.
type Bundle struct {
	Check *audit.BundleCheck
	// Trusted holds the trusted root, targets and claimed it carries.
	Trusted map[string]verify.Named
	Targets *metadata.TargetsType
	// Claimed is the trusted claimed, decoded where a check needs it.
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
