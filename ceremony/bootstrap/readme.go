package bootstrap

import (
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/profiles"
	"github.com/tuf-ceremony/ceremony/workspace"
)

//go:embed readme.tmpl
var readmeText string

var readme = ceremony.ReadmeTemplate("readme.tmpl", readmeText)

// readmeData is what readme.tmpl says.
type readmeData struct {
	Info       ceremony.BundleInfoFile
	Repository string
	// Rotation: the bundle of a rotation, whose incident report comes
	// first.
	Rotation                   bool
	IncidentFile, RotationFile string
	// TrustedRootVersion and TrustedOnlineKey are the previous root's,
	// OnlineKey the new root's.
	TrustedRootVersion          int64
	TrustedOnlineKey, OnlineKey string
	// Upload is how the metadata goes up: "rstuf-bootstrap",
	// "rstuf-update", "rstuf-none" (a partial rstuf bundle) or "files".
	Upload string
	// RootEntry is the new root's entry; Entries are every role's, in the
	// workspace's order.
	RootEntry string
	Entries   []string
	// Bins are the hash bins the online side signs after a bootstrap;
	// nil otherwise.
	Bins *readmeBins
}

// readmeBins says which roles the server signs with the online key.
type readmeBins struct {
	// Online are the online roles targets delegates to (pep480).
	Online []string
	// Via is the role that delegates to the bins.
	Via               string
	Count, BitLength  int
	First, Last, Keys string
}

// RootReadme is the README.txt of a bundle with a new root: what the
// operator of the online server does with it, in order. It depends on the
// workspace only. A rotation's bundle sends the reader to its incident
// report first.
func RootReadme(l *ceremony.Loaded, info ceremony.BundleInfoFile, rotation bool) (string, error) {
	d := readmeData{Info: info, Repository: ceremony.ReadmeRepository(info), Rotation: rotation,
		IncidentFile: workspace.IncidentFile, RotationFile: workspace.RotationFile,
		OnlineKey: ceremony.BundleOnlineKeyNames(l.Root), RootEntry: info.Metadata[metadata.ROOT], Upload: "files"}
	if l.TrustedRoot != nil {
		d.TrustedRootVersion, d.TrustedOnlineKey = l.TrustedRoot.Version, ceremony.BundleOnlineKeyNames(l.TrustedRoot)
	}
	for _, role := range l.WS.State.Roles {
		d.Entries = append(d.Entries, info.Metadata[role])
	}
	if d.TrustedRootVersion == 0 {
		bins, err := binsOf(l, info)
		if err != nil {
			return "", err
		}
		d.Bins = bins
	}
	if info.Profile == string(plan.ProfileRSTUF) {
		switch info.Payload {
		case ceremony.BundleBootstrap:
			d.Upload = "rstuf-bootstrap"
		case ceremony.BundleUpdate:
			d.Upload = "rstuf-update"
		default:
			d.Upload = "rstuf-none"
		}
	}
	return ceremony.RenderReadme(readme, d)
}

// binsOf says which roles the online side signs with the online key after
// a bootstrap, from the workspace's plan (pep458 and pep480; nil for
// rstuf).
func binsOf(l *ceremony.Loaded, info ceremony.BundleInfoFile) (*readmeBins, error) {
	if info.Profile != string(plan.ProfilePEP458) && info.Profile != string(plan.ProfilePEP480) {
		return nil, nil
	}
	data, err := os.ReadFile(filepath.Join(l.WS.Dir, workspace.PlanFile))
	if err != nil {
		return nil, fmt.Errorf("failed to read the workspace's plan for the bundle's README: %w", err)
	}
	p, err := plan.ParseSettings(data, workspace.PlanFile)
	if err != nil {
		return nil, fmt.Errorf("the workspace's plan, for the bundle's README: %w", err)
	}
	var names []string
	for _, k := range p.OnlineKeysFor(plan.RoleBins) {
		names = append(names, k.Name)
	}
	b := &readmeBins{Via: metadata.TARGETS, Count: p.Roles.Bins.Count,
		BitLength: profiles.BitLength(p.Roles.Bins.Count), Keys: "the plan's online key for bins (" + strings.Join(names, ", ") + ")"}
	if info.Profile == string(plan.ProfilePEP480) {
		b.Online, b.Via = []string{plan.RoleRecentlyClaimed, plan.RoleUnclaimed}, plan.RoleUnclaimed
	}
	width := (b.BitLength + 3) / 4
	b.First = fmt.Sprintf("%s-%0*x", profiles.BinsPrefix, width, 0)
	b.Last = fmt.Sprintf("%s-%0*x", profiles.BinsPrefix, width, b.Count-1)
	return b, nil
}
