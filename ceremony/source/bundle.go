package source

import (
	"crypto/sha256"
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
// until checked: it is copied once into a private directory (so that what
// is checked is what is read), checked there as 'ceremony verify BUNDLE'
// checks it (VerifyBundle: the manifest, the root chain from its own
// oldest root, every threshold, expiry, the transcript replayed with its
// seal), and refused with one line unless it passes and is complete (a
// partial bundle was never published). Only then is the ceremony's
// workspace it carries (ceremony.json, the metadata, the trusted root) laid
// out in that directory and read as a finished workspace.

// LoadBundle reads a verified ceremony bundle as a rotation source,
// verified from trustedRoot (the operator's own root) when given.
func LoadBundle(e *ceremony.Engine, path, trustedRoot string, now time.Time) (*Source, error) {
	tmp, err := os.MkdirTemp("", "ceremony-rotate-bundle-")
	if err != nil {
		return nil, fmt.Errorf("failed to read bundle %s: %w", path, err)
	}
	defer os.RemoveAll(tmp)
	private := filepath.Join(tmp, "bundle.tar")
	digest, err := copyBundle(path, private)
	if err != nil {
		return nil, err
	}
	// Messages name the bundle the user gave, not the private copy.
	named := func(s string) string { return strings.ReplaceAll(s, private, path) }

	b, err := readPrivate(private, tmp)
	if err != nil {
		var v *bundle.Violation
		switch {
		case errors.As(err, &v) && v.Rule == bundle.RuleNotTar:
			return nil, fmt.Errorf("%s is a file, but not a ceremony bundle (%s): give the repository directory (holding metadata/), a finished ceremony workspace, or a ceremony's bundle", path, v.Error())
		case errors.As(err, &v):
			return nil, hint.With(fmt.Errorf("bundle %s is broken (%s): rotate from a bundle that verifies, the repository directory, or the last finished workspace", path, oneLine(v.Error())), "verify "+path)
		}
		return nil, fmt.Errorf("failed to read bundle %s: %s", path, named(err.Error()))
	}
	defer b.Close()
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
	rep, err := audit.VerifyBundle(e, private, trustedRoot, now)
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
	src.BundleSHA256 = digest
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

// copyBundle copies the bundle at path into dst (a new file in a private
// directory), no larger than a bundle within bundle.DefaultLimits can be,
// and returns the SHA-256 of what it copied, in hex.
func copyBundle(path, dst string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("failed to read %q: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a directory or a regular file: give the repository directory (holding metadata/), a finished ceremony workspace, or a ceremony's bundle", path)
	}
	in, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("failed to read bundle %s: %w", path, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("failed to copy bundle %s: %w", path, err)
	}
	defer out.Close()
	limit := maxBundleFile()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(in, limit+1))
	if err != nil {
		return "", fmt.Errorf("failed to copy bundle %s: %w", path, err)
	}
	if n > limit {
		return "", fmt.Errorf("%s is over %d bytes, more than any ceremony bundle holds: give a ceremony's bundle", path, limit)
	}
	if err := out.Close(); err != nil {
		return "", fmt.Errorf("failed to copy bundle %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// maxBundleFile bounds the file a bundle within bundle.DefaultLimits can
// be: its data, and per entry a header, a PAX header of two blocks and
// padding, and the end-of-archive marker (bundle.Read checks it exactly).
func maxBundleFile() int64 {
	l := bundle.DefaultLimits()
	const block = 512
	return l.MaxTotal + int64(l.MaxEntries+1)*(4*block) + 2*block
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

// readPrivate reads the private copy of a bundle, unpacked as it is
// checked into tmp/entries, so that the workspace written out of it is
// second names of those files (audit.WriteBundledWorkspace).
func readPrivate(private, tmp string) (*bundle.Bundle, error) {
	entries := filepath.Join(tmp, "entries")
	if err := os.Mkdir(entries, 0o700); err != nil {
		return nil, &bundle.UnpackError{Err: err}
	}
	return bundle.ReadUnpacked(private, bundle.DefaultLimits(), entries)
}
