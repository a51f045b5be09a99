package claimed

import (
	_ "embed"
	"encoding/json"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/delegated"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// A claims ceremony's bundle carries, besides the new claimed and the
// trusted metadata it started from, the claim requests it took in
// (claims/NAME), their review (claims-review.json) and the projects added
// (accepted-projects.json), which the online server drops from
// recently-claimed.

//go:embed readme.tmpl
var readmeText string

var readme = ceremony.ReadmeTemplate("readme.tmpl", readmeText)

// readmeRekey is one rekeyed project as readme.tmpl says it.
type readmeRekey struct {
	Project, From, To, Reason  string
	FromThreshold, ToThreshold int
}

// claimsReadme is a claims bundle's README.txt: what the online server's
// operator does with it, in order.
func claimsReadme(ws *workspace.Workspace, info ceremony.BundleInfoFile) (string, error) {
	d := struct {
		Info                                ceremony.BundleInfoFile
		Repository, ClaimedEntry            string
		ClaimsDir, ReviewFile, AcceptedFile string
		Version                             int64
		Projects, RekeyedNames              []string
		Rekeyed                             []readmeRekey
	}{Info: info, Repository: ceremony.ReadmeRepository(info), ClaimedEntry: info.Metadata[plan.RoleClaimed],
		ClaimsDir: workspace.ClaimsDir, ReviewFile: workspace.ClaimsReviewFile, AcceptedFile: workspace.AcceptedFile}
	if a, err := delegated.ReadAcceptedFile(ws); err == nil {
		d.Version = a.ClaimedVersion
		for _, pr := range a.Projects {
			d.Projects = append(d.Projects, pr.Project)
		}
		for _, r := range a.Rekeyed {
			d.RekeyedNames = append(d.RekeyedNames, r.Project)
			d.Rekeyed = append(d.Rekeyed, readmeRekey{Project: r.Project, From: abbrevList(r.PreviousKeyIDs), FromThreshold: r.PreviousThreshold,
				To: abbrevList(r.KeyIDs), ToThreshold: r.Threshold, Reason: r.Reason})
		}
	}
	return ceremony.RenderReadme(readme, d)
}

// checkBundledClaims checks what a claims bundle adds: each accepted
// project's request, verified again as of the ceremony's time, and claimed
// (next) adding exactly those projects to the trusted claimed (prev).
func checkBundledClaims(add audit.AddFunc, b *bundle.Bundle, entry string, prev, next *metafile.File, known map[string]bool) {
	for _, e := range b.Manifest.Entries {
		if (Kind{}).IsFile(e.Name) {
			known[e.Name] = true
		}
	}
	data, ok := b.Get(workspace.AcceptedFile)
	if !ok {
		add(verify.Error, workspace.AcceptedFile, plan.RoleClaimed, "missing", "a claims bundle must list the projects it adds")
		return
	}
	list, err := delegated.ParseAcceptedFile(data, workspace.AcceptedFile)
	if err != nil {
		add(verify.Error, workspace.AcceptedFile, plan.RoleClaimed, "parse", "%v", err)
		return
	}
	if !b.Has(workspace.ClaimsReviewFile) {
		add(verify.Error, workspace.ClaimsReviewFile, plan.RoleClaimed, "missing", "a claims bundle must hold the review of its claim requests")
	}
	var st workspace.State
	if data, ok := b.Get(ceremony.BundleState); ok {
		_ = json.Unmarshal(data, &st) // checkBundledAttestations reports it
	}
	var req delegated.ClaimsRequestFile
	at := time.Time{}
	if data, ok := b.Get(ceremony.BundlePlan); ok && yaml.Unmarshal(data, &req) == nil {
		at, _ = time.Parse(time.RFC3339, req.Claims.Time)
	}
	if at.IsZero() {
		add(verify.Error, ceremony.BundlePlan, plan.RoleClaimed, "parse", "holds no claims ceremony's time (claims.time): the claim requests cannot be checked as of it")
		return
	}
	if why := checkRekeysRecorded(&req.Claims, list); why != "" {
		add(verify.Error, workspace.AcceptedFile, plan.RoleClaimed, "rekey", "%s", why)
	}
	accepted, rekeyed, file, why := acceptedClaims(list, b.Get, at, []byte(st.AttestationRoots))
	if why != "" {
		add(verify.Error, file, plan.RoleClaimed, "claim", "%s", why)
		return
	}
	// next's header was read when it was counted: kept, not read again.
	if h, err := next.Header(); err != nil || h.Version != list.ClaimedVersion {
		add(verify.Error, workspace.AcceptedFile, plan.RoleClaimed, "version", "is for claimed v%d, but the bundle holds claimed v%d", list.ClaimedVersion, h.Version)
	}
	for _, problem := range checkClaimedChange(prev, next, accepted, rekeyedRoles(list, rekeyed)) {
		add(verify.Error, entry, plan.RoleClaimed, "delegations", "%s", problem)
	}
}
