package bootstrap

import (
	"fmt"
	"path"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// RootReadme is the README.txt of a bundle with a new root: what the
// operator of the online server does with it, in order. It depends on the
// workspace only. A rotation's bundle sends the reader to its incident
// report first.
func RootReadme(l *ceremony.Loaded, info ceremony.BundleInfoFile, rotation bool) string {
	ws := l.WS
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	repo := info.Repository
	if repo == "" {
		repo = "(unnamed repository)"
	}
	p("CEREMONY BUNDLE: %s ceremony, profile %s, %s", info.Kind, info.Profile, repo)
	if info.TrustedRootVersion > 0 {
		p("Root v%d, following root v%d.", info.RootVersion, info.TrustedRootVersion)
	} else {
		p("Root v%d: a new repository.", info.RootVersion)
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
	step := 0
	next := func() int { step++; return step }
	p("%d. CHECK THE BUNDLE before anything else.", next())
	p("   The SHA-256 of this bundle file, and the same as PGP words, were read")
	p("   aloud and written down at the ceremony ('ceremony bundle' printed them;")
	p("   they cannot be in this file). Compute it and compare every word:")
	p("     sha256sum BUNDLE")
	if info.TrustedRootVersion > 0 {
		p("   Then check everything in it against the root the server trusts now:")
		p("     ceremony verify BUNDLE --trusted-root CURRENT-ROOT.json")
	} else {
		p("   Then check everything in it:")
		p("     ceremony verify BUNDLE")
	}
	p("   Do not go on unless both hold.")
	p("")
	if rotation {
		p("%d. READ %s FIRST: this is a key rotation. It says what was", next(), workspace.IncidentFile)
		p("   compromised or changed, what the new metadata revokes, and the online")
		p("   steps in the order they must happen (%s is the plan itself).", workspace.RotationFile)
		p("   The steps below are only the upload; follow the report's order.")
		p("")
	}
	if info.OnlineKeyChanged {
		p("%d. !!! THE ONLINE KEY CHANGES WITH THIS ROOT. !!!", next())
		p("   Root v%d's online key: %s", l.TrustedRoot.Version, ceremony.BundleOnlineKeyNames(l.TrustedRoot))
		p("   Root v%d's online key: %s", l.Root.Version, ceremony.BundleOnlineKeyNames(l.Root))
		p("   The server MUST be able to sign with the NEW online key BEFORE the new")
		p("   root is uploaded: configure it and check that the server can use it")
		p("   first. Once the new root is up, clients accept only timestamp and")
		p("   snapshot metadata signed by the new key; a server that cannot sign")
		p("   with it stops the repository.")
		p("")
	}
	var roles []string
	for _, role := range ws.State.Roles {
		roles = append(roles, info.Metadata[role])
	}
	switch {
	case info.Profile == string(plan.ProfileRSTUF) && info.Payload == ceremony.BundleBootstrap:
		p("%d. UPLOAD to RSTUF: bootstrap the repository with %s", next(), ceremony.BundleBootstrap)
		p("   (POST /api/v1/bootstrap/ with the file as its body), e.g.")
		p("     curl -X POST -H 'Content-Type: application/json' --data-binary @%s \\", ceremony.BundleBootstrap)
		p("          https://RSTUF-API/api/v1/bootstrap/")
		p("   RSTUF's online key (root's roles.timestamp.keyids[0], %s)", ceremony.BundleOnlineKeyNames(l.Root))
		p("   must be configured in RSTUF's worker before the bootstrap.")
		p("")
		p("%d. CHECK: the bootstrap task finishes, and the repository serves", next())
		p("   %s byte for byte as %s in this bundle.", path.Base(info.Metadata[metadata.ROOT]), info.Metadata[metadata.ROOT])
	case info.Profile == string(plan.ProfileRSTUF) && info.Payload == ceremony.BundleUpdate:
		p("%d. UPLOAD to RSTUF: the new root with %s", next(), ceremony.BundleUpdate)
		p("   (POST /api/v1/metadata/ with the file as its body), e.g.")
		p("     curl -X POST -H 'Content-Type: application/json' --data-binary @%s \\", ceremony.BundleUpdate)
		p("          https://RSTUF-API/api/v1/metadata/")
		p("")
		p("%d. CHECK: the task finishes, and the repository serves %s", next(), path.Base(info.Metadata[metadata.ROOT]))
		p("   byte for byte as in this bundle, with new timestamp and snapshot.")
	case info.Profile == string(plan.ProfileRSTUF):
		p("%d. NOTHING TO UPLOAD: a partial bundle carries no RSTUF payload.", next())
	default:
		p("%d. UPLOAD: copy into the repository's metadata directory, in this order:", next())
		for _, r := range roles {
			p("     %s -> %s", r, path.Base(r))
		}
		p("   (metadata/ROLE.json names are the repository's own; never replace a")
		p("   file that is already published.)")
		p("")
		p("%d. Then, with the online key, publish new snapshot and timestamp", next())
		p("   metadata that cover them (timestamp last).")
		p("")
		p("%d. CHECK: refresh a TUF client that trusts the current root against", next())
		p("   the repository; it must reach root v%d.", info.RootVersion)
	}
	p("")
	p("Contents: metadata/ (signed metadata as the repository serves it),")
	p("rstuf/ (RSTUF payload, rstuf profile), transcript/ (the ceremony's")
	p("hash-chained record and the metadata states it names), attestations/,")
	p("ceremony.json, plan.yaml, bundle-info.json, and this file.")
	if rotation {
		p("A rotation bundle also holds %s and %s.", workspace.IncidentFile, workspace.RotationFile)
	}
	return b.String()
}
