package source

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/rotation"
	"github.com/tuf-ceremony/ceremony/verify"
)

// A rotation may also start from a ceremony bundle, the .tar 'ceremony
// bundle' wrote and the online server published from: its metadata is the
// trusted state. The bundle comes off a USB stick, so it is hostile input
// until checked: it is read once, each entry copied as it is checked into a
// private directory (so that what is checked is what is read:
// bundle.ReadUnpacked), checked there as 'ceremony verify BUNDLE'
// checks it (VerifyBundle: the manifest, the root chain from its own
// oldest root, every threshold, expiry, the transcript replayed with its
// seal), and refused with one line unless it passes and is complete (a
// partial bundle was never published). Only then is the ceremony's
// workspace it carries (ceremony.json, the metadata, the trusted root) laid
// out in that directory and read as a finished workspace.

// LoadBundle reads a verified ceremony bundle as a rotation source,
// verified from trustedRoot (the operator's own root) when given.
func LoadBundle(e *ceremony.Engine, path, trustedRoot string, now time.Time) (*Source, error) {
	p, err := openPrivate("ceremony-rotate-bundle-", path)
	var v *bundle.Violation
	switch {
	case errors.As(err, &v) && v.Rule == bundle.RuleNotTar:
		return nil, fmt.Errorf("%s is a file, but not a ceremony bundle (%s): give the repository directory (holding metadata/), a finished ceremony workspace, or a ceremony's bundle", path, v.Error())
	case errors.As(err, &v):
		return nil, hint.With(fmt.Errorf("bundle %s is broken (%s): rotate from a bundle that verifies, the repository directory, or the last finished workspace", path, oneLine(v.Error())), "verify "+path)
	case err != nil:
		return nil, err
	}
	defer p.close()
	b, tmp, named := p.b, p.dir, p.named
	info, ok, err := readBundleInfo(b, named)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("bundle %s holds no readable %s, so it is not a ceremony bundle: give a ceremony's bundle, the repository directory, or a finished ceremony workspace", path, ceremony.BundleInfo)
	}
	if info.Partial {
		return nil, fmt.Errorf("bundle %s is a partial bundle (for review, never uploaded): rotate from the bundle of the finished ceremony, the repository directory, or the last finished workspace", path)
	}
	rep, err := audit.VerifyUnpacked(e, path, b, trustedRoot, now)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %s", path, named(err.Error()))
	}
	if errs := rep.Errors(); len(errs) > 0 {
		more := ""
		if len(errs) > 1 {
			more = fmt.Sprintf(" (and %d more)", len(errs)-1)
		}
		return nil, hint.With(fmt.Errorf("bundle %s does not verify: %s%s: verifying it lists every finding; rotate from a bundle that verifies, the repository directory, or the last finished workspace", path, oneLine(named(findingText(errs[0]))), more), verifyHint(path, trustedRoot))
	}

	ws := filepath.Join(tmp, "workspace")
	if name, err := audit.WriteBundledWorkspace(e, b, info, ws); err != nil {
		return nil, fmt.Errorf("bundle %s: %s: %s", path, name, named(err.Error()))
	}
	src, err := loadWorkspaceSource(ws)
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %s", path, strings.ReplaceAll(err.Error(), ws, "(bundled workspace)"))
	}
	src.workspace = nil // the directory goes when this returns
	src.State.Names = withoutURIs(src.State.Names)
	src.BundleSHA256 = hex.EncodeToString(b.SHA256[:])
	src.State.Source = path
	if src.State.LastGood != nil {
		src.State.LastGood = &rotation.LastGood{Source: path, Targets: src.State.LastGood.Targets, Current: src.State.LastGood.Current}
	}
	return src, nil
}

// readBundleInfo reads b's bundle-info.json: false if it holds none that
// parses, an error if the entry cannot be read again (named gives the
// message the name of the file the user gave).
func readBundleInfo(b *bundle.Bundle, named func(string) string) (ceremony.BundleInfoFile, bool, error) {
	var info ceremony.BundleInfoFile
	data, ok := b.Get(ceremony.BundleInfo)
	if err := b.Err(); err != nil {
		return info, false, errors.New(named(err.Error()))
	}
	return info, ok && json.Unmarshal(data, &info) == nil, nil
}

// withoutURIs is names without their key URIs. A bundle crossed the air
// gap: who held which key may come from it, but how to reach a key (a
// device serial, a PKCS#11 module whose code the roll call would load)
// comes from the operator only: the local plan (--keyholders PLAN, --plan),
// a local workspace, or the command line.
func withoutURIs(names []rotation.Name) []rotation.Name {
	out := make([]rotation.Name, len(names))
	for i, n := range names {
		n.URI = ""
		out[i] = n
	}
	return out
}

// checkBundleFile refuses a path that is not a regular file (a directory
// is a repository or a workspace to the caller).
func checkBundleFile(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("failed to read %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a directory or a regular file: give the repository directory (holding metadata/), a finished ceremony workspace, or a ceremony's bundle", path)
	}
	return nil
}

// findingText is a finding for one line: the entry, the check, the
// message.
func findingText(f verify.Finding) string {
	if f.Role != "" {
		return fmt.Sprintf("%s (%s): %s: %s", f.File, f.Role, f.Check, f.Message)
	}
	return fmt.Sprintf("%s: %s: %s", f.File, f.Check, f.Message)
}

// oneLine joins the lines of s.
func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// isBundleFile reports whether path is a regular file that begins like a
// tar archive (a ustar header), as a bundle does.
func isBundleFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return false
	}
	var hdr [512]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return false
	}
	return string(hdr[257:262]) == "ustar"
}

// privateBundle is a bundle read once into a private directory
// (openPrivate), which close removes with the bundle's copies.
type privateBundle struct {
	b         *bundle.Bundle
	path, dir string
}

// openPrivate reads the bundle at path as hostile input, once: each entry
// checked and copied as it is read into a new private directory
// (bundle.ReadUnpacked), which everything after reads, and of which the
// workspace written out of the bundle is second names
// (audit.WriteBundledWorkspace). A bundle that breaks the format is a
// *bundle.Violation, for the caller to word.
func openPrivate(prefix, path string) (*privateBundle, error) {
	if err := checkBundleFile(path); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, fmt.Errorf("failed to read bundle %s: %w", path, err)
	}
	entries := filepath.Join(dir, "entries")
	if err := os.Mkdir(entries, 0o700); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("failed to read bundle %s: %w", path, err)
	}
	b, err := bundle.ReadUnpacked(path, bundle.DefaultLimits(), entries)
	if err != nil {
		os.RemoveAll(dir)
		if v := (*bundle.Violation)(nil); errors.As(err, &v) {
			return nil, err
		}
		return nil, fmt.Errorf("failed to read bundle %s: %s", path, strings.ReplaceAll(err.Error(), dir, path))
	}
	return &privateBundle{b: b, path: path, dir: dir}, nil
}

// named is s naming the bundle the user gave where it names the private
// copies of its entries.
func (p *privateBundle) named(s string) string { return strings.ReplaceAll(s, p.dir, p.path) }

func (p *privateBundle) close() {
	p.b.Close()
	os.RemoveAll(p.dir)
}
