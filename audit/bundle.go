package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/bounded"
	"github.com/tuf-ceremony/ceremony/threshold"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

var (
	bundleRootEntryRE = regexp.MustCompile(`^metadata/([1-9][0-9]{0,18})\.root\.json$`)
	bundleRoleEntryRE = regexp.MustCompile(`^metadata/(?:([1-9][0-9]{0,18})\.)?(targets|claimed)\.json$`)
)

// VerifyBundle checks a bundle written by Bundle, as the operator of the
// online server does before uploading it. The bundle is read as hostile
// input (bundle.ReadUnpacked with DefaultLimits: the manifest, every
// entry's size and digests, each entry copied as it is checked into a
// private temporary directory, read from there after). Then: the bundled roots as a client walks them, from
// trustedRoot if given (a file; it must be the bundle's previous root or
// older), else from the lowest bundled root; every threshold met (in a
// partial bundle, unmet thresholds are warnings); targets and claimed
// signed by their delegators and not expired at now (zero: the engine's
// clock); the RSTUF payload
// (rstuf profile) passing CheckBootstrap or CheckUpdate and carrying
// exactly the bundled root; the transcript's chain and states, its last
// states being the bundled metadata, and its init record naming the bundled
// plan and trusted root. Findings name the entry and the check. The error
// is for a trusted root that cannot be read; a bundle that breaks the
// format is an Error finding.
func VerifyBundle(e *ceremony.Engine, bundlePath, trustedRoot string, now time.Time) (*verify.Report, error) {
	given, err := readGivenRoot(trustedRoot)
	if err != nil {
		return nil, err
	}
	b, err := readUnpacked(bundlePath)
	if u := (*bundle.UnpackError)(nil); errors.As(err, &u) {
		return nil, fmt.Errorf("cannot check %s: %w: it is unpacked into %s as it is checked; give TMPDIR a directory on a disk with room for it", bundlePath, u, os.TempDir())
	}
	if v := (*bundle.Violation)(nil); errors.As(err, &v) && v.Rule == bundle.RuleNotTar {
		return nil, fmt.Errorf("%s is not a bundle (nor a workspace, with its %s, or a repository, with its metadata/ directory): %w", bundlePath, workspace.StateFile, err)
	}
	if err != nil {
		entry := bundlePath
		var v *bundle.Violation
		if errors.As(err, &v) && v.Entry != "" {
			entry = v.Entry
		}
		rep := &verify.Report{}
		rep.Findings = append(rep.Findings, verify.Finding{Severity: verify.Error, File: entry, Check: "bundle", Message: err.Error()})
		return rep, nil
	}
	defer b.Close()
	return verifyUnpacked(e, bundlePath, b, given, now), nil
}

// VerifyUnpacked is VerifyBundle of the bundle at bundlePath that the
// caller has read already as hostile input (bundle.ReadUnpacked with
// DefaultLimits), and goes on using: a project ceremony started from a
// claims bundle checks it, then lays out the workspace it carries, from
// one reading of the file. The caller closes b.
func VerifyUnpacked(e *ceremony.Engine, bundlePath string, b *bundle.Bundle, trustedRoot string, now time.Time) (*verify.Report, error) {
	given, err := readGivenRoot(trustedRoot)
	if err != nil {
		return nil, err
	}
	return verifyUnpacked(e, bundlePath, b, given, now), nil
}

// givenRoot is the root in force a bundle is verified from (--trusted-root).
type givenRoot struct {
	path  string
	file  *verify.Named
	bytes []byte
}

// readGivenRoot reads the trusted root at path; none for "".
func readGivenRoot(path string) (givenRoot, error) {
	if path == "" {
		return givenRoot{}, nil
	}
	data, err := bounded.ReadFile(path, metafile.MaxSize)
	if err != nil {
		return givenRoot{}, fmt.Errorf("failed to read trusted root: %w", err)
	}
	f, err := metafile.ParseOwned(data)
	if err != nil {
		return givenRoot{}, fmt.Errorf("trusted root %s: %w", path, err)
	}
	return givenRoot{path: path, file: &verify.Named{Path: path, File: f}, bytes: data}, nil
}

// verifyUnpacked checks the bundle b, read from bundlePath, from the root
// given.
func verifyUnpacked(e *ceremony.Engine, bundlePath string, b *bundle.Bundle, given givenRoot, now time.Time) *verify.Report {
	// The signed role's signatures are verified when it is counted, when
	// the transcript is replayed and when the bundle is made again.
	threshold.KeepVerified()
	rep := &verify.Report{}
	add := func(sev verify.Severity, file, role, check, format string, args ...any) {
		rep.Findings = append(rep.Findings, verify.Finding{Severity: sev, File: file, Role: role, Check: check, Message: fmt.Sprintf(format, args...)})
	}
	verifyRead(&BundleCheck{Engine: e, Report: rep, Add: add, Bundle: b, Given: given.file, GivenBytes: given.bytes, givenPath: given.path, At: e.NowOr(now)})
	if err := b.Err(); err != nil {
		// An entry's copy could not be read again as it was written:
		// every finding drawn from the bundle is void, and this is the
		// one to report.
		*rep = verify.Report{Findings: []verify.Finding{{Severity: verify.Error, File: bundlePath, Check: "bundle", Message: err.Error()}}}
	}
	return rep
}

// verifyRead checks a bundle that bundle.ReadUnpacked accepted: its bundle-info.json,
// then everything its kind checks. c.Info and c.Severity are set here.
func verifyRead(c *BundleCheck) {
	add, b, rep := c.Add, c.Bundle, c.Report
	var info ceremony.BundleInfoFile
	if data, ok := b.Get(ceremony.BundleInfo); !ok {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%v", ceremony.ErrNotCeremonyBundle)
		return
	} else if err := json.Unmarshal(data, &info); err != nil || info.Format != ceremony.BundleInfoFormat {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "not a bundle-info format this version reads (format %d, want %d): %v", info.Format, ceremony.BundleInfoFormat, err)
		return
	}
	rep.Rehearsal = info.Rehearsal
	// A partial bundle turns unmet thresholds into warnings: it never
	// passes for one ready to upload.
	if info.Partial {
		add(verify.Warning, ceremony.BundleInfo, "", "partial", "PARTIAL BUNDLE, NOT FOR UPLOAD: %s", strings.Join(info.Missing, "; "))
	}
	c.Info, c.Severity = info, verify.Error
	if info.Partial {
		c.Severity = verify.Warning
	}
	k, err := c.Engine.KindOf(info.Kind)
	if err != nil {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%v: this version reads bundles of %s", err, strings.Join(c.Engine.KindNames(), ", "))
		return
	}
	v, ok := k.(Verifier)
	if !ok {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%s bundles cannot be verified by this build", info.Kind)
		return
	}
	v.VerifyBundle(c)
}

// Verifier is a kind of ceremony whose bundles VerifyBundle can check.
type Verifier interface {
	// VerifyBundle checks a bundle of this kind, as 'verify BUNDLE' does.
	VerifyBundle(c *BundleCheck)
}

// BundleCheck is one bundle being verified: what VerifyBundle read, and
// where each check adds its findings.
type BundleCheck struct {
	Engine *ceremony.Engine
	Report *verify.Report
	Add    AddFunc
	Bundle *bundle.Bundle
	Info   ceremony.BundleInfoFile
	// Given is the trusted root given (nil if none), givenBytes its bytes
	// and givenPath where it was read.
	Given      *verify.Named
	GivenBytes []byte
	givenPath  string
	At         time.Time
	// Severity is the severity of an unmet threshold: a warning in a partial
	// bundle, else an error.
	Severity verify.Severity
}

// WarnUnknown warns of every entry no check has looked at.
func WarnUnknown(c *BundleCheck, known map[string]bool) {
	for _, e := range c.Bundle.Manifest.Entries {
		if !known[e.Name] {
			c.Add(verify.Warning, e.Name, "", "bundle", "an entry a ceremony bundle does not hold; it was not checked")
		}
	}
}

func BundleVersion(f *metafile.File) int64 {
	h, err := f.Header()
	if err != nil {
		return 0
	}
	return h.Version
}

func BundleShort(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

func ErrorsOf(findings []verify.Finding) int {
	n := 0
	for _, f := range findings {
		if f.Severity == verify.Error {
			n++
		}
	}
	return n
}
