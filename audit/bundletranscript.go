package audit

// The checks every bundle gets: its transcript, verified and replayed as a
// workspace laid out from the bundle, and its attestations.

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/verify"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// VerifyBundledTranscript verifies the bundled transcript (written out to a
// temporary directory) and that its last states are the bundled metadata.
func VerifyBundledTranscript(e *ceremony.Engine, add AddFunc, b *bundle.Bundle, info ceremony.BundleInfoFile, known map[string]bool) {
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
	files := newBundledFiles(b, wsDir)
	if name, err := unpackTranscript(files, known); err != nil {
		add(verify.Error, name, "", "transcript", "%v", err)
		return
	}
	if !b.Has(file) {
		add(verify.Error, file, "", "missing", "the bundle holds no transcript")
		return
	}
	// The replay below reads every state a record names and checks it
	// against its name: the chain is verified without them.
	trep, err := transcripts.VerifyLeavingStates(tmp)
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
	for _, f := range transcripts.TimeFlags(trep.Records) {
		add(verify.Warning, file, "", "time", "%s", f)
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
	replayBundled(e, add, files, info, trep)
	for role, name := range info.Metadata {
		e, ok := b.Entry(name)
		if !ok {
			continue
		}
		if got, want := e.SHA256, transcripts.LastState(trep.Records, role); got != want {
			add(verify.Error, name, role, "transcript", "is not the state of %s the transcript recorded last (%s)", role, BundleShort(want))
		}
	}
	if len(trep.Records) > 0 {
		init := trep.Records[0]
		check := func(input, entry string) {
			e, ok := b.Entry(entry)
			want := init.Inputs[input]
			switch {
			case want == "" && !ok:
			case !ok:
				add(verify.Error, entry, "", "transcript", "the transcript's init record names %s, but the bundle does not hold it", input)
			case e.SHA256 != want:
				add(verify.Error, entry, "", "transcript", "is not the %s the transcript's init record names (%s)", input, BundleShort(want))
			}
		}
		check(workspace.PlanFile, ceremony.BundlePlan)
		if info.TrustedRootVersion > 0 {
			check(workspace.TrustedRoot, ceremony.BundleMetadataEntry(metadata.ROOT, info.TrustedRootVersion, true))
		}
	}
}

// VerifyBundledAttestations checks that each bundled attestation is the one
// ceremony.json records for its holder, and verifies each again
// (ceremony.VerifyKept).
func VerifyBundledAttestations(add AddFunc, b *bundle.Bundle, known map[string]bool) {
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
			want["attestations/"+bundle.NameElement(k.Holder)+".pem"] = k.Attestation
		}
	}
	for _, e := range b.Manifest.Entries {
		if !strings.HasPrefix(e.Name, "attestations/") {
			continue
		}
		known[e.Name] = true
		data, ok := b.Get(e.Name)
		if !ok {
			continue // read again and found changed: VerifyBundle reports it
		}
		if w, ok := want[e.Name]; !ok || w != string(data) {
			add(verify.Error, e.Name, "", "attestation", "is not an attestation %s records", ceremony.BundleState)
		}
	}
	if st.AttestationRoots != "" && !st.Rehearsal {
		add(verify.Warning, ceremony.BundleState, "", "attestation", "attestations are checked against the attestation roots %s names (claims init --attestation-roots), not Yubico's", ceremony.BundleState)
	}
	for _, k := range st.Keys {
		if k.Attestation == "" {
			continue
		}
		if _, err := ceremony.VerifyKept(&st, k, nil); err != nil {
			add(verify.Error, "attestations/"+bundle.NameElement(k.Holder)+".pem", "", "attestation", "%s's attestation does not hold: %v", k.Holder, err)
		}
	}
}

// replayBundled lays the bundled workspace files beside the unpacked
// transcript (verified already: trep) and replays the ceremony: every
// signature under the key its role authorizes, every state re-derived, and
// the seal's signatures.
func replayBundled(e *ceremony.Engine, add AddFunc, files *bundledFiles, info ceremony.BundleInfoFile, trep *transcripts.Report) {
	const file = ceremony.BundleTranscript + "/" + transcripts.FileName
	b, wsDir := files.b, files.dir
	if name, err := writeBundledWorkspace(e, files, info); err != nil {
		add(verify.Error, name, "", "replay", "%v", err)
		return
	}
	rep, err := e.ReplayVerified(wsDir, trep)
	if err != nil {
		add(verify.Error, file, "", "replay", "%s", strings.ReplaceAll(err.Error(), wsDir, "bundle"))
		return
	}
	if !rep.OK() {
		add(verify.Error, file, "", "replay", "record %d does not hold: %s", rep.FirstBad.Seq, strings.ReplaceAll(rep.FirstBad.Reason, wsDir, "bundle"))
		return
	}
	verifyRebuilt(e, add, b, wsDir, rep)
}

// verifyRebuilt makes the bundle again from the workspace it was unpacked
// as in wsDir, whose replay held (replayed; Engine.Rebuild), and compares: every entry made must be in
// the bundle, byte for byte (its size and SHA-256 are the manifest's,
// which Read checked the bundle's bytes against), and the bundle may hold
// nothing else. So an entry the transcript does not cover (README.txt,
// bundle-info.json, an attestation, an incident report) cannot be
// rewritten unseen.
func verifyRebuilt(e *ceremony.Engine, add AddFunc, b *bundle.Bundle, wsDir string, replayed *ceremony.ReplayReport) {
	made, err := e.Rebuild(wsDir, replayed)
	if err != nil {
		add(verify.Error, ceremony.BundleInfo, "", "rebuild", "the bundle cannot be made again from what its transcript covers: %s", strings.ReplaceAll(err.Error(), wsDir, "bundle"))
		return
	}
	held := map[string]bundle.ManifestEntry{}
	for _, en := range b.Manifest.Entries {
		held[en.Name] = en
	}
	want := map[string]bool{}
	for _, m := range made.Entries {
		want[m.Name] = true
		en, ok := held[m.Name]
		// A role's metadata and its last state were hashed as Rebuild
		// read them (made.Sums); the rest is hashed now.
		sum, known := made.Sums[m.Name]
		if !known {
			sum = transcripts.Sum(m.Data)
		}
		switch {
		case !ok:
			add(verify.Error, m.Name, "", "rebuild", "missing: the ceremony's bundle holds it")
		case en.Size != int64(len(m.Data)) || en.SHA256 != sum:
			add(verify.Error, m.Name, "", "rebuild", "is not the entry this ceremony's bundle holds (made again from the entries the transcript covers, its SHA-256 is %s, not %s): it was changed after the bundle was written",
				BundleShort(sum), BundleShort(en.SHA256))
		}
	}
	for _, en := range b.Manifest.Entries {
		if _, ok := want[en.Name]; !ok {
			add(verify.Error, en.Name, "", "rebuild", "an entry this ceremony's bundle does not hold: it was added after the bundle was written")
		}
	}
}

// unpackTranscript writes the bundle's transcript entries into the
// transcript directory of files' workspace, as a workspace holds them, and
// marks each known. On failure it names the entry.
func unpackTranscript(files *bundledFiles, known map[string]bool) (string, error) {
	prefix := ceremony.BundleTranscript + "/"
	for _, e := range files.b.Manifest.Entries {
		if !strings.HasPrefix(e.Name, prefix) {
			continue
		}
		known[e.Name] = true
		rel := strings.TrimPrefix(e.Name, prefix)
		if name, ok := strings.CutPrefix(rel, transcripts.StatesDir+"/"); ok {
			if _, ok := transcripts.StateOfFile(name); !ok {
				return e.Name, fmt.Errorf("is not a stored state (%s/SHA256.json or %s/SHA256%s): a ceremony's bundle does not hold it", transcripts.StatesDir, transcripts.StatesDir, transcripts.DeltaSuffix)
			}
		}
		if err := files.write(e.Name, filepath.Join(workspace.TranscriptDir, filepath.FromSlash(rel))); err != nil {
			return e.Name, err
		}
	}
	return "", nil
}

// WriteBundledWorkspace writes the workspace files a bundle carries
// (ceremony.json, plan.yaml, the trusted root, the metadata) into dir as a
// workspace lays them out. On failure it names the entry.
func WriteBundledWorkspace(e *ceremony.Engine, b *bundle.Bundle, info ceremony.BundleInfoFile, dir string) (string, error) {
	return writeBundledWorkspace(e, newBundledFiles(b, dir), info)
}

func writeBundledWorkspace(e *ceremony.Engine, files *bundledFiles, info ceremony.BundleInfoFile) (string, error) {
	b := files.b
	paths := map[string]string{workspace.StateFile: ceremony.BundleState, workspace.PlanFile: ceremony.BundlePlan}
	if info.TrustedRootVersion > 0 {
		paths[workspace.TrustedRoot] = ceremony.BundleMetadataEntry(metadata.ROOT, info.TrustedRootVersion, true)
	}
	for role, name := range info.Metadata {
		if problem := workspace.RoleFileProblem(role); problem != "" {
			return ceremony.BundleInfo, fmt.Errorf("metadata: role %q: %s", role, problem)
		}
		paths[filepath.Join(workspace.MetadataDir, role+".json")] = name
	}
	// A claims or project ceremony's trusted metadata and own files, at
	// the paths they have in the workspace.
	for role, name := range info.Trusted {
		if problem := workspace.RoleFileProblem(role); problem != "" {
			return ceremony.BundleInfo, fmt.Errorf("trusted: role %q: %s", role, problem)
		}
		paths[filepath.FromSlash(workspace.TrustedPath(role))] = name
	}
	if k, err := e.KindOf(info.Kind); err == nil {
		for _, e := range b.Manifest.Entries {
			if k.IsFile(e.Name) {
				paths[filepath.FromSlash(e.Name)] = e.Name
			}
		}
	}
	for dst, name := range paths {
		if !b.Has(name) {
			return name, fmt.Errorf("the bundle does not hold it, so the ceremony cannot be replayed")
		}
		if err := files.write(name, dst); err != nil {
			return name, err
		}
	}
	return "", nil
}
