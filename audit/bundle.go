package audit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

var (
	bundleRootEntryRE = regexp.MustCompile(`^metadata/([1-9][0-9]{0,18})\.root\.json$`)
	bundleRoleEntryRE = regexp.MustCompile(`^metadata/(?:([1-9][0-9]{0,18})\.)?(targets|claimed)\.json$`)
)

// VerifyBundle checks a bundle written by Bundle, as the operator of the
// online server does before uploading it. The bundle is read as hostile
// input (bundle.Read with DefaultLimits: the manifest, every entry's size
// and digests). Then: the bundled roots as a client walks them, from
// trustedRoot if given (a file; it must be the bundle's previous root or
// older), else from the lowest bundled root; every threshold met (in a
// partial bundle, unmet thresholds are warnings); targets and claimed
// signed by their delegators and not expired at `at`; the RSTUF payload
// (rstuf profile) passing CheckBootstrap or CheckUpdate and carrying
// exactly the bundled root; the transcript's chain and states, its last
// states being the bundled metadata, and its init record naming the bundled
// plan and trusted root. Findings name the entry and the check. The error
// is for a trusted root that cannot be read; a bundle that breaks the
// format is an Error finding.
func VerifyBundle(e *ceremony.Engine, bundlePath, trustedRoot string, at time.Time) (*verify.Report, error) {
	if at.IsZero() {
		at = time.Now()
	}
	rep := &verify.Report{}
	add := func(sev verify.Severity, file, role, check, format string, args ...any) {
		rep.Findings = append(rep.Findings, verify.Finding{Severity: sev, File: file, Role: role, Check: check, Message: fmt.Sprintf(format, args...)})
	}
	var trusted *verify.Named
	var trustedBytes []byte
	if trustedRoot != "" {
		data, err := os.ReadFile(trustedRoot)
		if err != nil {
			return nil, fmt.Errorf("failed to read trusted root: %w", err)
		}
		f, err := metafile.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("trusted root %s: %w", trustedRoot, err)
		}
		trusted, trustedBytes = &verify.Named{Path: trustedRoot, File: f}, data
	}

	b, err := bundle.Read(bundlePath, bundle.DefaultLimits())
	if err != nil {
		entry := bundlePath
		var v *bundle.Violation
		if errors.As(err, &v) && v.Entry != "" {
			entry = v.Entry
		}
		add(verify.Error, entry, "", "bundle", "%v", err)
		return rep, nil
	}

	var info ceremony.BundleInfoFile
	if data, ok := b.Get(ceremony.BundleInfo); !ok {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%v", ceremony.ErrNotCeremonyBundle)
		return rep, nil
	} else if err := json.Unmarshal(data, &info); err != nil || info.Format != ceremony.BundleInfoFormat {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "not a bundle-info format this version reads (format %d, want %d): %v", info.Format, ceremony.BundleInfoFormat, err)
		return rep, nil
	}
	// A partial bundle turns unmet thresholds into warnings: it never
	// passes for one ready to upload.
	if info.Partial {
		add(verify.Warning, ceremony.BundleInfo, "", "partial", "PARTIAL BUNDLE, NOT FOR UPLOAD: %s", strings.Join(info.Missing, "; "))
	}
	thresholdSeverity := verify.Error
	if info.Partial {
		thresholdSeverity = verify.Warning
	}
	k, err := e.KindOf(info.Kind)
	if err != nil {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%v: this version reads bundles of %s", err, strings.Join(e.KindNames(), ", "))
		return rep, nil
	}
	v, ok := k.(Verifier)
	if !ok {
		add(verify.Error, ceremony.BundleInfo, "", "bundle", "%s bundles cannot be verified by this build", info.Kind)
		return rep, nil
	}
	v.VerifyBundle(&BundleCheck{Engine: e, Report: rep, Add: add, Bundle: b, Info: info, Given: trusted, GivenBytes: trustedBytes,
		givenPath: trustedRoot, At: at, Severity: thresholdSeverity})
	return rep, nil
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

// WarnUnknown warns of every entry no check has looked at.
func WarnUnknown(c *BundleCheck, known map[string]bool) {
	for _, e := range c.Bundle.Entries {
		if !known[e.Name] {
			c.Add(verify.Warning, e.Name, "", "bundle", "an entry a ceremony bundle does not hold; it was not checked")
		}
	}
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

func BundleVersion(f *metafile.File) int64 {
	h, err := f.Header()
	if err != nil {
		return 0
	}
	return h.Version
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

// CheckBundledTranscript verifies the bundled transcript (written out to a
// temporary directory) and that its last states are the bundled metadata.
func CheckBundledTranscript(e *ceremony.Engine, add AddFunc, b *bundle.Bundle, info ceremony.BundleInfoFile, known map[string]bool) {
	const file = ceremony.BundleTranscript + "/" + transcripts.FileName
	tmp, err := os.MkdirTemp("", "ceremony-verify-")
	if err != nil {
		add(verify.Error, file, "", "transcript", "%v", err)
		return
	}
	defer os.RemoveAll(tmp)
	// The bundle is unpacked as a workspace (transcript/, ceremony.json,
	// plan.yaml, trusted/root.json, metadata/ROLE.json) so that Replay can
	// check every step and the seal's signatures.
	wsDir := tmp
	tmp = filepath.Join(wsDir, workspace.TranscriptDir)
	prefix := ceremony.BundleTranscript + "/"
	for _, e := range b.Entries {
		if !strings.HasPrefix(e.Name, prefix) {
			continue
		}
		known[e.Name] = true
		// Names passed bundle.CheckName: relative, no "..", printable ASCII.
		p := filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(e.Name, prefix)))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			add(verify.Error, e.Name, "", "transcript", "%v", err)
			return
		}
		if err := os.WriteFile(p, e.Data, 0o600); err != nil {
			add(verify.Error, e.Name, "", "transcript", "%v", err)
			return
		}
	}
	if _, ok := b.Get(file); !ok {
		add(verify.Error, file, "", "missing", "the bundle holds no transcript")
		return
	}
	trep, err := transcripts.Verify(tmp)
	if trep == nil || err != nil {
		msg := fmt.Sprint(err)
		if trep != nil && trep.FirstBad != nil {
			msg = fmt.Sprintf("record %d does not hold: %s", trep.FirstBad.Seq, trep.FirstBad.Reason)
		}
		add(verify.Error, file, "", "transcript", "%s", strings.ReplaceAll(msg, tmp, ceremony.BundleTranscript))
		return
	}
	if trep.Head != info.TranscriptHead || len(trep.Records) != info.TranscriptSeq {
		add(verify.Error, file, "", "transcript", "ends at record %d with head %s, but %s says record %d, head %s", len(trep.Records), trep.Head, ceremony.BundleInfo, info.TranscriptSeq, info.TranscriptHead)
	}
	sealData, sealed := b.Get(ceremony.BundleSeal)
	var sealRec *transcripts.Record
	for i := range trep.Records {
		if trep.Records[i].Kind == transcripts.Seal {
			sealRec = &trep.Records[i]
		}
	}
	switch {
	case sealRec == nil:
		add(verify.Warning, file, "", "seal", "the transcript is not sealed")
		if sealed {
			add(verify.Error, ceremony.BundleSeal, "", "seal", "a seal envelope, but no seal record in the transcript")
		}
	case !sealed:
		add(verify.Error, ceremony.BundleSeal, "", "missing", "the transcript has a seal record, but the bundle holds no envelope")
	case sealRec.Outputs[path.Base(ceremony.BundleSeal)] != transcripts.Sum(sealData):
		add(verify.Error, ceremony.BundleSeal, "", "seal", "is not the envelope the seal record names (%s)", BundleShort(sealRec.Outputs[path.Base(ceremony.BundleSeal)]))
	}
	ReplayBundled(e, add, b, info, wsDir)
	for role, name := range info.Metadata {
		data, ok := b.Get(name)
		if !ok {
			continue
		}
		if got, want := transcripts.Sum(data), ceremony.BundleLastState(trep.Records, role); got != want {
			add(verify.Error, name, role, "transcript", "is not the state of %s the transcript recorded last (%s)", role, BundleShort(want))
		}
	}
	if len(trep.Records) > 0 {
		init := trep.Records[0]
		check := func(input, entry string) {
			data, ok := b.Get(entry)
			want := init.Inputs[input]
			switch {
			case want == "" && !ok:
			case !ok:
				add(verify.Error, entry, "", "transcript", "the transcript's init record names %s, but the bundle does not hold it", input)
			case transcripts.Sum(data) != want:
				add(verify.Error, entry, "", "transcript", "is not the %s the transcript's init record names (%s)", input, BundleShort(want))
			}
		}
		check(workspace.PlanFile, ceremony.BundlePlan)
		if info.TrustedRootVersion > 0 {
			check(workspace.TrustedRoot, ceremony.BundleMetadataEntry(metadata.ROOT, info.TrustedRootVersion, true))
		}
	}
}

// checkAttestations checks that each bundled attestation is the one
// ceremony.json records for its holder.
func CheckBundledAttestations(add AddFunc, b *bundle.Bundle, known map[string]bool) {
	var st workspace.State
	data, ok := b.Get(ceremony.BundleState)
	if !ok {
		add(verify.Error, ceremony.BundleState, "", "missing", "the bundle holds no %s", ceremony.BundleState)
		return
	}
	if err := json.Unmarshal(data, &st); err != nil {
		add(verify.Error, ceremony.BundleState, "", "parse", "%v", err)
		return
	}
	want := map[string]string{}
	for _, k := range st.Keys {
		if k.Attestation != "" {
			want["attestations/"+ceremony.BundleEntryWord(k.Holder)+".pem"] = k.Attestation
		}
	}
	for _, e := range b.Entries {
		if !strings.HasPrefix(e.Name, "attestations/") {
			continue
		}
		known[e.Name] = true
		if w, ok := want[e.Name]; !ok || w != string(e.Data) {
			add(verify.Error, e.Name, "", "attestation", "is not an attestation %s records", ceremony.BundleState)
		}
	}
}

func BundleShort(h string) string {
	if len(h) > 16 {
		return h[:16]
	}
	return h
}

// ReplayBundled lays the bundled workspace files beside the unpacked
// transcript and replays the ceremony: every signature under the key its
// role authorizes, every state re-derived, and the seal's signatures.
func ReplayBundled(e *ceremony.Engine, add AddFunc, b *bundle.Bundle, info ceremony.BundleInfoFile, wsDir string) {
	const file = ceremony.BundleTranscript + "/" + transcripts.FileName
	if name, err := WriteBundledWorkspace(e, b, info, wsDir); err != nil {
		add(verify.Error, name, "", "replay", "%v", err)
		return
	}
	rep, err := e.Replay(wsDir)
	if err != nil {
		add(verify.Error, file, "", "replay", "%s", strings.ReplaceAll(err.Error(), wsDir, "bundle"))
		return
	}
	if !rep.OK() {
		add(verify.Error, file, "", "replay", "record %d does not hold: %s", rep.FirstBad.Seq, strings.ReplaceAll(rep.FirstBad.Reason, wsDir, "bundle"))
	}
}

// WriteBundledWorkspace writes the workspace files a bundle carries
// (ceremony.json, plan.yaml, the trusted root, the metadata) into dir as a
// workspace lays them out. On failure it names the entry.
func WriteBundledWorkspace(e *ceremony.Engine, b *bundle.Bundle, info ceremony.BundleInfoFile, dir string) (string, error) {
	files := map[string]string{workspace.StateFile: ceremony.BundleState, workspace.PlanFile: ceremony.BundlePlan}
	if info.TrustedRootVersion > 0 {
		files[workspace.TrustedRoot] = ceremony.BundleMetadataEntry(metadata.ROOT, info.TrustedRootVersion, true)
	}
	for role, name := range info.Metadata {
		if problem := workspace.RoleFileProblem(role); problem != "" {
			return ceremony.BundleInfo, fmt.Errorf("metadata: role %q: %s", role, problem)
		}
		files[filepath.Join(workspace.MetadataDir, role+".json")] = name
	}
	// A claims or project ceremony's trusted metadata and own files, at
	// the paths they have in the workspace.
	for role, name := range info.Trusted {
		if problem := workspace.RoleFileProblem(role); problem != "" {
			return ceremony.BundleInfo, fmt.Errorf("trusted: role %q: %s", role, problem)
		}
		files[filepath.FromSlash(workspace.TrustedPath(role))] = name
	}
	if k, err := e.KindOf(info.Kind); err == nil {
		for _, e := range b.Entries {
			if k.IsFile(e.Name) {
				files[filepath.FromSlash(e.Name)] = e.Name
			}
		}
	}
	for dst, name := range files {
		data, ok := b.Get(name)
		if !ok {
			return name, fmt.Errorf("the bundle does not hold it, so the ceremony cannot be replayed")
		}
		p := filepath.Join(dir, dst)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			return name, err
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			return name, err
		}
	}
	return "", nil
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
