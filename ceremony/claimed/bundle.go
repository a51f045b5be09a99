package claimed

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
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

// claimsReadme is a claims bundle's README.txt: what the online server's
// operator does with it, in order.
func claimsReadme(ws *workspace.Workspace, info ceremony.BundleInfoFile) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	repo := info.Repository
	if repo == "" {
		repo = "(unnamed repository)"
	}
	var projects []string
	var rekeyed []delegated.RekeyedProject
	version := int64(0)
	if a, err := delegated.ReadAcceptedFile(ws); err == nil {
		version = a.ClaimedVersion
		for _, pr := range a.Projects {
			projects = append(projects, pr.Project)
		}
		rekeyed = a.Rekeyed
	}
	var rekeyedNames []string
	for _, r := range rekeyed {
		rekeyedNames = append(rekeyedNames, r.Project)
	}
	claimedEntry := info.Metadata[plan.RoleClaimed]
	p("CEREMONY BUNDLE: claims ceremony, profile %s, %s", info.Profile, repo)
	if len(projects) > 0 || len(rekeyed) == 0 {
		p("claimed v%d adds %d claimed project(s): %s.", version, len(projects), strings.Join(projects, ", "))
	} else {
		p("claimed v%d adds no project.", version)
	}
	if len(rekeyed) > 0 {
		p("claimed v%d CHANGES THE KEYS of %d claimed project(s) (rekey):", version, len(rekeyed))
		for _, r := range rekeyed {
			p("  %s: key(s) %s (threshold %d) -> key(s) %s (threshold %d);", r.Project, abbrevList(r.PreviousKeyIDs), r.PreviousThreshold, abbrevList(r.KeyIDs), r.Threshold)
			p("    reason: %s", r.Reason)
		}
	}
	p("Transcript: %d records, head %s.", info.TranscriptSeq, info.TranscriptHead)
	p("")
	if info.Partial {
		p("!!! PARTIAL BUNDLE: NOT FOR UPLOAD. Thresholds are not met. Missing signatures:")
		for _, m := range info.Missing {
			p("!!!   %s", m)
		}
		p("")
	}
	p("1. CHECK THE BUNDLE before anything else.")
	p("   The SHA-256 of this bundle file, and the same as PGP words, were read")
	p("   aloud and written down at the ceremony ('ceremony bundle' printed them;")
	p("   they cannot be in this file). Compute it and compare every word:")
	p("     sha256sum BUNDLE")
	p("   Then check everything in it against the root the server trusts now:")
	p("     ceremony verify BUNDLE --trusted-root CURRENT-ROOT.json")
	p("   It checks claimed against top-level targets' rule, takes the claim")
	p("   requests in %s/ again and checks that claimed adds exactly them.", workspace.ClaimsDir)
	if len(rekeyed) > 0 {
		p("   It also checks that claimed changes only the keys and threshold of")
		p("   the rekeyed projects, each named with its reason by the ceremony's")
		p("   request (plan.yaml), which the transcript's init record names.")
	}
	p("   Do not go on unless both hold.")
	p("")
	p("2. UPLOAD, in this order:")
	p("   a. %s -> %s (the new claimed, byte for byte;", claimedEntry, path.Base(claimedEntry))
	p("      never replace a file that is already published).")
	if len(projects) > 0 {
		p("   b. Remove the delegations to the projects %s lists", workspace.AcceptedFile)
		p("      (%s) from recently-claimed, and sign", strings.Join(projects, ", "))
		p("      recently-claimed's next version with the online key: from now on")
		p("      only claimed delegates them, to their maintainers' keys.")
	} else {
		p("   b. This ceremony adds no project: no delegation leaves")
		p("      recently-claimed.")
	}
	p("   c. With the online key, publish new snapshot and timestamp metadata")
	p("      that cover claimed and recently-claimed (timestamp last).")
	p("")
	if len(rekeyed) > 0 {
		names := strings.Join(rekeyedNames, ", ")
		p("!!! REKEYED PROJECTS (%s): their targets metadata now published is", names)
		p("!!! signed by the OLD keys, and stops verifying under claimed v%d: from", version)
		p("!!! the upload above until its maintainers publish it again, signed by")
		p("!!! their NEW keys, CLIENTS CANNOT GET THESE PROJECTS' FILES. Tell the")
		p("!!! maintainers at once: each project's role must be re-signed by the")
		p("!!! new keys with")
		p("!!!   ceremony project init PROJECT --from THIS-BUNDLE --target PATH=FILE ... WS")
		p("!!! (listing again every file to keep: nothing signed by the old keys is")
		p("!!! carried over), 'ceremony sign', 'ceremony bundle', then its upload.")
		p("!!! Never sign a rekeyed project's role with the online key, and never")
		p("!!! accept its role signed by the old keys again.")
		p("")
	}
	p("3. CHECK: refresh a TUF client against the repository; it must see")
	p("   claimed v%d. Clients find a project's files only once its", version)
	p("   maintainers have published the project's own role ('ceremony project")
	p("   init' and its bundle): claimed's delegations to them are terminating.")
	p("")
	p("Contents: metadata/ (the new claimed, as the repository serves it),")
	p("trusted/ (the root, targets and claimed the ceremony started from: not")
	p("for upload), %s/ (the claim requests taken in), %s,", workspace.ClaimsDir, workspace.ClaimsReviewFile)
	p("%s, transcript/ (the ceremony's hash-chained record),", workspace.AcceptedFile)
	p("attestations/, ceremony.json, plan.yaml (the ceremony as asked),")
	p("bundle-info.json, and this file.")
	return b.String()
}

// checkBundledClaims checks what a claims bundle adds: each accepted
// project's request, verified again as of the ceremony's time, and claimed
// (next, its "signed") adding exactly those projects to the trusted
// claimed (prev).
func checkBundledClaims(add audit.AddFunc, b *bundle.Bundle, entry string, prev, next []byte, known map[string]bool) {
	for _, e := range b.Entries {
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
	if _, ok := b.Get(workspace.ClaimsReviewFile); !ok {
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
	if v, err := bundleSignedVersion(next); err != nil || v != list.ClaimedVersion {
		add(verify.Error, workspace.AcceptedFile, plan.RoleClaimed, "version", "is for claimed v%d, but the bundle holds claimed v%d", list.ClaimedVersion, v)
	}
	for _, problem := range checkClaimedChange(prev, next, accepted, rekeyedRoles(list, rekeyed)) {
		add(verify.Error, entry, plan.RoleClaimed, "delegations", "%s", problem)
	}
}

// bundleSignedVersion reads the version of a "signed" object.
func bundleSignedVersion(signed []byte) (int64, error) {
	f := &metafile.File{Signed: signed}
	h, err := f.Header()
	return h.Version, err
}
