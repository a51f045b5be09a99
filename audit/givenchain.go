package audit

import (
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// VerifyWorkspace of a claims or project workspace: the trusted metadata
// it keeps, checked as a client checks it, and its role against what the
// ceremony may change.

// checkGivenChain checks the trusted metadata of a claims or project
// workspace as a client would: root signed by its own threshold, targets
// by root's rule, claimed by targets'.
func checkGivenChain(add AddFunc, rep *verify.Report, l *ceremony.Loaded) {
	rootFile := l.Given[metadata.ROOT]
	if rootFile == nil {
		add(verify.Error, workspace.TrustedPath(metadata.ROOT), metadata.ROOT, "missing", "a %s workspace keeps the trusted root it started from", l.WS.State.Kind)
		return
	}
	findings, final := verify.RootChain(verify.Named{Path: workspace.TrustedPath(metadata.ROOT), File: rootFile}, nil, time.Time{})
	for _, f := range findings {
		if f.Check != "expiry" {
			rep.Findings = append(rep.Findings, f)
		}
	}
	if final.File == nil {
		return
	}
	root, err := rootFile.Root()
	if err != nil {
		return
	}
	rep.RootVersion = root.Version
	check := func(role string, rule threshold.Rule, err error) {
		file := workspace.TrustedPath(role)
		if err != nil {
			add(verify.Error, file, role, "delegation", "%v", err)
			return
		}
		f := l.Given[role]
		if f == nil {
			add(verify.Error, file, role, "missing", "a %s workspace keeps the trusted %s it started from", l.WS.State.Kind, role)
			return
		}
		if t, err := threshold.Count(rule, f); err != nil || !t.Met() {
			add(verify.Error, file, role, "threshold", "the trusted %s is not signed by the %d keys %s requires", role, rule.Threshold, rule.Delegator)
		}
	}
	rule, err := threshold.FromRoot(root, metadata.TARGETS, threshold.Label(metadata.ROOT, root.Version))
	check(metadata.TARGETS, rule, err)
	if t, err := l.GivenRole(metadata.TARGETS); err != nil {
		add(verify.Error, workspace.TrustedPath(metadata.TARGETS), metadata.TARGETS, "parse", "%v", err)
	} else if t != nil {
		rule, err = threshold.FromTargets(t, plan.RoleClaimed, threshold.Label(metadata.TARGETS, t.Version))
		check(plan.RoleClaimed, rule, err)
	}
}
