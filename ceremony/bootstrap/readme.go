package bootstrap

import (
	_ "embed"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
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
