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
	rep, add, b, info, at := c.Report, c.Add, c.Bundle, c.Info, c.At
	trusted, trustedBytes, trustedRoot, thresholdSeverity := c.Given, c.GivenBytes, c.givenPath, c.Severity

	// Sort the metadata entries.
	var roots []verify.Named
	rootBytes := map[int64][]byte{}
	roles := map[string]verify.Named{}
	known := map[string]bool{ceremony.BundleInfo: true, ceremony.BundleReadme: true, ceremony.BundleState: true, ceremony.BundlePlan: true}
	for _, e := range b.Entries {
		if m := bundleRootEntryRE.FindStringSubmatch(e.Name); m != nil {
			known[e.Name] = true
			f, ok := bundleParseEntry(add, e, metadata.ROOT, m[1])
			if ok {
				roots = append(roots, verify.Named{Path: e.Name, File: f})
				v, _ := strconv.ParseInt(m[1], 10, 64)
				rootBytes[v] = e.Data
			}
		} else if m := bundleRoleEntryRE.FindStringSubmatch(e.Name); m != nil {
			known[e.Name] = true
			if f, ok := bundleParseEntry(add, e, m[2], m[1]); ok {
				if _, dup := roles[m[2]]; dup {
					add(verify.Error, e.Name, m[2], "bundle", "a second %s metadata file; a ceremony signs one", m[2])
					continue
				}
				roles[m[2]] = verify.Named{Path: e.Name, File: f}
			}
		}
	}
	sort.Slice(roots, func(i, j int) bool { return roots[i].Path < roots[j].Path })
	sort.SliceStable(roots, func(i, j int) bool { return BundleVersion(roots[i].File) < BundleVersion(roots[j].File) })
	if len(roots) == 0 {
		add(verify.Error, "metadata/", metadata.ROOT, "missing", "the bundle holds no root metadata")
		return
	}
	newest := roots[len(roots)-1]
	if want := info.Metadata[metadata.ROOT]; want != newest.Path {
		add(verify.Error, newest.Path, metadata.ROOT, "bundle", "%s says the ceremony's root is %q, but the newest bundled root is %s", ceremony.BundleInfo, want, newest.Path)
	}

	// The root chain, as a client walks it.
	var anchor verify.Named
	var next []verify.Named
	if trusted != nil {
		anchor = *trusted
		tv := BundleVersion(trusted.File)
		for _, r := range roots {
			switch v := BundleVersion(r.File); {
			case v > tv:
				next = append(next, r)
			case v == tv && !bytes.Equal(rootBytes[v], trustedBytes):
				add(verify.Error, r.Path, metadata.ROOT, "trusted-root", "differs from %s, which has the same version: this bundle was prepared from another root", trustedRoot)
			}
		}
		if len(next) == 0 || BundleVersion(next[0].File) != tv+1 {
			add(verify.Error, newest.Path, metadata.ROOT, "trusted-root", "the bundle does not follow %s (v%d): it holds root v%d through v%d", trustedRoot, tv, BundleVersion(roots[0].File), BundleVersion(newest.File))
		}
	} else {
		anchor, next = roots[0], roots[1:]
		if len(next) > 0 {
			add(verify.Warning, anchor.Path, metadata.ROOT, "trusted-root", "the chain starts from the bundle's own root v%d; give --trusted-root with the root the server trusts now", BundleVersion(anchor.File))
		}
	}
	chainFindings, final := verify.RootChain(anchor, next, at)
	for _, f := range chainFindings {
		if f.Check == "threshold" && f.Severity == verify.Error {
			f.Severity = thresholdSeverity
		}
		rep.Findings = append(rep.Findings, f)
	}
	if final.File != nil {
		rep.RootVersion = BundleVersion(final.File)
	}
	if final.Path != newest.Path && info.Partial {
		// Trust stopped short only for want of signatures: go on with the
		// newest root to check the rest.
		final = newest
	}
	var finalRoot *metadata.RootType
	if final.File != nil && final.Path == newest.Path {
		finalRoot, _ = newest.File.Root()
	} else {
		add(verify.Error, newest.Path, metadata.ROOT, "root", "root v%d is not trusted: the roles it delegates are not checked", BundleVersion(newest.File))
	}

	// targets and claimed, signed by their delegators.
	var targets *metadata.TargetsType
	for _, role := range []string{metadata.TARGETS, plan.RoleClaimed} {
		n, ok := roles[role]
		if !ok || finalRoot == nil {
			continue
		}
		var rule threshold.Rule
		var err error
		if role == metadata.TARGETS {
			rule, err = threshold.FromRoot(finalRoot, role, fmt.Sprintf("root v%d", finalRoot.Version))
			targets, _ = n.File.Targets()
		} else if targets == nil {
			err = fmt.Errorf("no targets metadata in the bundle delegates claimed")
		} else {
			rule, err = threshold.FromTargets(targets, role, fmt.Sprintf("targets v%d", targets.Version))
		}
		if err != nil {
			add(verify.Error, n.Path, role, "delegation", "%v", err)
			continue
		}
		t, err := threshold.Count(rule, n.File)
		if err != nil {
			add(verify.Error, n.Path, role, "parse", "%v", err)
			continue
		}
		for _, id := range t.Invalid {
			add(verify.Error, n.Path, role, "signature", "signature by key %s does not verify", id)
		}
		if !t.Met() {
			add(thresholdSeverity, n.Path, role, "threshold", "%d of %d required signatures from %s, have %d", rule.Threshold, len(rule.KeyIDs), rule.Delegator, len(t.Signed))
		}
		h, _ := n.File.Header()
		switch {
		case !h.Expires.After(at):
			add(verify.Error, n.Path, role, "expiry", "expired at %s", h.Expires.UTC().Format(time.RFC3339))
		case h.Expires.Sub(at) < ExpiryWarning:
			add(verify.Warning, n.Path, role, "expiry", "expires at %s", h.Expires.UTC().Format(time.RFC3339))
		}
		if info.Metadata[role] != n.Path {
			add(verify.Error, n.Path, role, "bundle", "%s names %q for %s", ceremony.BundleInfo, info.Metadata[role], role)
		}
		rep.Roles = append(rep.Roles, verify.RoleState{Role: role, File: n.Path, Delegator: rule.Delegator, Version: h.Version,
			Expires: h.Expires, Threshold: rule.Threshold, Signed: t.Signed})
	}
	for role, name := range info.Metadata {
		if _, ok := b.Get(name); !ok {
			add(verify.Error, name, role, "missing", "%s lists it, but the bundle does not hold it", ceremony.BundleInfo)
		}
	}

	checkPayload(add, b, info, newest, roots, known)
	CheckBundledTranscript(c.Engine, add, b, info, known)
	CheckBundledAttestations(add, b, known)
	extra(c, known)
	WarnUnknown(c, known)
}

// parseEntry reads a metadata entry and checks its type and the version
// its name gives ("" for none).
func bundleParseEntry(add AddFunc, e bundle.Entry, role, v string) (*metafile.File, bool) {
	f, err := metafile.Parse(e.Data)
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
		if _, ok := b.Get(name); ok {
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
	if err != nil || !ceremony.BundleSameSignatures(f, newest.File) {
		add(verify.Error, want, metadata.ROOT, "payload", "metadata.root is not %s (its signed bytes or signatures differ)", newest.Path)
	}
}

// RefuseRotationFiles refuses a rotation plan or an incident report in the
// bundle of another kind of ceremony: the online side would act on them.
func RefuseRotationFiles(c *BundleCheck, known map[string]bool) {
	for _, name := range []string{workspace.RotationFile, workspace.IncidentFile} {
		if _, has := c.Bundle.Get(name); has {
			known[name] = true
			c.Add(verify.Error, name, "", "bundle", "a %s bundle holds no rotation plan or incident report", c.Info.Kind)
		}
	}
}
