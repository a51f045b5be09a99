package ceremony

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/rstuf"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// Names of the entries of a ceremony bundle, besides the metadata
// (metadata/N.root.json, metadata/[V.]ROLE.json), the transcript
// (transcript/...) and the attestations (attestations/HOLDER.pem).
const (
	BundleInfo       = "bundle-info.json"
	BundleReadme     = "README.txt"
	BundleBootstrap  = "rstuf/bootstrap.json"
	BundleUpdate     = "rstuf/update.json"
	BundleState      = workspace.StateFile
	BundlePlan       = workspace.PlanFile
	BundleTranscript = "transcript"
	// BundleSeal is the transcript's signed seal, carried if the workspace
	// holds one (TranscriptDir/seal.dsse.json).
	BundleSeal = BundleTranscript + "/seal.dsse.json"
)

// BundleInfoFormat is the only format of bundle-info.json.
const BundleInfoFormat = 1

// BundleOptions says which workspace to bundle and where.
type BundleOptions struct {
	// Dir is the workspace.
	Dir string
	// Out is the bundle file; it must not exist.
	Out string
	// Partial bundles a workspace whose thresholds are not all met; the
	// bundle says so, and names the missing signatures, in bundle-info.json
	// and README.txt. It is for review, never for upload.
	Partial bool
	// PlanDir is the directory the relative paths of the workspace's
	// plan.yaml (public_key files) are resolved against; "" means the
	// workspace. Only the RSTUF bootstrap payload needs the plan (its
	// settings: expiry periods and bin count).
	PlanDir string
	// Now is when the metadata must not have expired; zero means the
	// engine's clock. It is not written into the bundle.
	Now time.Time
}

// BundleResult is what Bundle wrote.
type BundleResult struct {
	Out string
	// SHA256 is the lowercase hex SHA-256 of the bundle file.
	SHA256 string
	// PGPWords is the same SHA-256 as PGP words, to read aloud.
	PGPWords string
	// Entries are the names of the entries, sorted (the manifest is not
	// listed).
	Entries []string
	Partial bool
	// Missing describes each unmet threshold (partial bundles only).
	Missing []string
	// OnlineKeyChanged: the new root's online keys differ from the trusted
	// root's; the server must be able to use the new ones before the new
	// root is uploaded.
	OnlineKeyChanged bool
	// Rehearsal: the bundle is a practice ceremony's.
	Rehearsal bool
	// Notices say what was completed first (a torn record resumed, a
	// recorded signature written).
	Notices []string
	// Again: a file holding these very bytes was at Out already, and was
	// left as it is.
	Again bool
	// RecordedAt is the transcript record that named this bundle before
	// (written again from a workspace that did not change); 0 if it was
	// recorded now.
	RecordedAt int64
}

// BundleInfoFile is the content of bundle-info.json: what the bundle is,
// for VerifyBundle and for people.
type BundleInfoFile struct {
	Format             int            `json:"format"`
	Kind               workspace.Kind `json:"kind"`
	Profile            string         `json:"profile"`
	Repository         string         `json:"repository,omitempty"`
	RootVersion        int64          `json:"root_version"`
	TrustedRootVersion int64          `json:"trusted_root_version,omitempty"`
	// Metadata maps each role signed in the ceremony to its entry.
	Metadata map[string]string `json:"metadata"`
	// Trusted maps each role whose trusted metadata a claims or project
	// ceremony started from to its entry (trusted/ROLE.json).
	Trusted map[string]string `json:"trusted,omitempty"`
	// Payload is the RSTUF payload entry, "" if none.
	Payload string `json:"payload,omitempty"`
	// Rehearsal marks the bundle of a practice ceremony (workspace.State).
	Rehearsal        bool     `json:"rehearsal,omitempty"`
	OnlineKeyChanged bool     `json:"online_key_changed"`
	Partial          bool     `json:"partial"`
	Missing          []string `json:"missing,omitempty"`
	// TranscriptHead is the hash of the transcript's last record.
	TranscriptHead string `json:"transcript_head"`
	TranscriptSeq  int    `json:"transcript_records"`
}

// Bundle writes the outputs of a finished ceremony as one reproducible
// bundle file (package bundle): the signed metadata under the names a
// repository serves, the RSTUF payload (rstuf profile), the transcript and
// its states, the attestations, ceremony.json, plan.yaml, bundle-info.json
// and README.txt, the instructions for the online server's operator. The
// same workspace always gives the same bytes. It refuses while a threshold
// is unmet, unless opts.Partial, and while a seal is incomplete.
//
// The transcript is held (locked) from the first read to the bundle's
// record, so no signature lands between what is bundled and what is
// recorded; a signature the transcript recorded but an interruption kept
// out of its file is completed first, as signing does.
func (e *Engine) Bundle(opts BundleOptions) (*BundleResult, error) {
	now := e.NowOr(opts.Now)
	held, err := workspace.Open(opts.Dir)
	if err != nil {
		return nil, err
	}
	o, err := openCompleted(held)
	if err != nil {
		return nil, err
	}
	tr, notices := o.tr, o.notices
	defer tr.Close()
	if err := refuseHalfSealed(held, tr); err != nil {
		return nil, err
	}
	ws := held
	// Each role's bytes are hashed for the bundle while its signatures
	// are counted.
	var ahead []*bundle.Hashing
	for _, role := range ws.State.Roles {
		ahead = append(ahead, bundle.HashAhead(o.read.bytes(role)))
	}
	l, missing, err := openBundleable(opts, ws, o.read, now)
	if err != nil {
		return nil, err
	}
	planDir := opts.PlanDir
	if planDir == "" {
		planDir = ws.State.PlanDir
	}
	b, err := e.assemble(ws, l, missing, statesAgainstMetadata, ahead, func() ([]byte, string, error) { return bundleRSTUFPayload(e.keys, ws, l, planDir) })
	if err != nil {
		return nil, err
	}
	res, err := writeBundle(tr, opts.Out, b)
	if err != nil {
		return nil, err
	}
	res.Notices = notices
	return res, nil
}

// assemble puts the bundle of ws together: every entry, bundle-info.json
// and README.txt. missing are the unmet thresholds (a partial bundle);
// states is how the transcript's states are stored; ahead are digests of
// entries computed since their bytes were read, for a bundle to be written
// (nil for one made again only to be compared: Rebuild); rstufPayload makes
// the RSTUF payload and its entry name, asked for only for a root whose
// thresholds are met (RSTUF would take a partly signed root and hold it
// pending).
func (e *Engine) assemble(ws *workspace.Workspace, l *Loaded, missing []string, states statesForm, ahead []*bundle.Hashing, rstufPayload func() ([]byte, string, error)) (*bundleParts, error) {
	root, err := l.rootInForce()
	if err != nil {
		return nil, err
	}
	b := &bundleParts{states: states, ahead: ahead, hashAhead: ahead != nil, info: BundleInfoFile{Format: BundleInfoFormat, Kind: ws.State.Kind, Profile: ws.State.Profile, Repository: ws.State.Repository,
		RootVersion: root.Version, TrustedRootVersion: ws.State.TrustedRootVersion, Metadata: map[string]string{},
		Partial: len(missing) > 0, Missing: missing, Rehearsal: ws.State.Rehearsal}}
	if err := b.addMetadata(ws, l, root); err != nil {
		return nil, err
	}
	if ws.State.Profile == string(plan.ProfileRSTUF) && !b.info.Partial {
		payload, name, err := rstufPayload()
		if err != nil {
			return nil, err
		}
		b.add(name, payload)
		b.info.Payload = name
	}
	if err := b.addTranscript(ws, l); err != nil {
		return nil, err
	}
	if err := b.addWorkspaceFiles(ws); err != nil {
		return nil, err
	}
	// The kind's own files, what else its bundle carries, and its README.
	k, err := e.KindOf(ws.State.Kind)
	if err != nil {
		return nil, err
	}
	if err := b.addKindFiles(ws, k); err != nil {
		return nil, err
	}
	ib, err := json.MarshalIndent(b.info, "", "  ")
	if err != nil {
		return nil, err
	}
	b.add(BundleInfo, append(ib, '\n'))
	readme, err := k.Readme(l, b.info)
	if err != nil {
		return nil, err
	}
	if b.info.Rehearsal {
		readme = workspace.RehearsalNotice + "\n\n" + readme
	}
	b.add(BundleReadme, []byte(readme))
	return b, nil
}

// Rebuild makes again, in memory, the bundle of the workspace dir: a
// bundle unpacked as a workspace (its transcript, ceremony.json, plan.yaml,
// trusted files, metadata and the kind's files, each covered by the
// transcript). The same workspace gives the same bytes, so verify compares
// what Rebuild makes with the bundle, entry by entry and byte for byte:
// what is made from the covered entries (bundle-info.json, README.txt,
// the attestations, an incident report, an RSTUF payload) cannot be
// rewritten unseen. An RSTUF bootstrap payload is made again from the
// covered plan.yaml's settings (plan.ParseSettings: the plan's key files
// stay behind) and the bundled root. It is for a workspace whose replay has
// just held (replayed, which must be OK): the transcript's states are not
// read against their names again, and the trusted metadata a replay that
// kept it read (ReplayKeeping) is taken from replayed, which lets go of
// it, not read again.
func (e *Engine) Rebuild(dir string, replayed *ReplayReport) (*Rebuilt, error) {
	if replayed == nil || !replayed.OK() {
		return nil, fmt.Errorf("workspace %q is made into a bundle again only once its replay holds", dir)
	}
	// The trusted metadata is carried as it is, not decoded (givenBytes):
	// the replay decoded and checked it, and the caller compares what is
	// made with the bundle. What of it the replay read (a project's rule
	// in the trusted claimed) is taken, not read again.
	ws, l, err := openLoaded(dir)
	if err != nil {
		return nil, err
	}
	if replayed.given != nil && replayed.givenDir == dir {
		l.shareGiven(replayed.given)
	}
	replayed.given, replayed.givenDir = nil, ""
	st, err := countForBundle(ws, l)
	if err != nil {
		return nil, err
	}
	b, err := e.assemble(ws, l, bundleMissing(st), statesAsStored, nil, func() ([]byte, string, error) {
		if l.Trusted != nil {
			return bundleRSTUFPayload(e.keys, ws, l, "")
		}
		return rebuildBootstrap(ws, l)
	})
	if err != nil {
		return nil, err
	}
	return &Rebuilt{Entries: b.entries, Sums: b.sums}, nil
}

// Rebuilt is a bundle made again (Rebuild): its entries, and the SHA-256
// of those hashed already as they were checked (a role's metadata and its
// last state, one slice of 77 MB for claimed at 100,000 projects), by
// entry name, so that the caller need not hash them again.
type Rebuilt struct {
	Entries []bundle.Entry
	Sums    map[string]string
}

// bundleMissing describes every unmet threshold: role, rule, and who
// has not signed.
func bundleMissing(st *Status) []string {
	var out []string
	for _, r := range st.Roles {
		for _, c := range r.Thresholds {
			if c.Met {
				continue
			}
			var who []string
			for _, p := range c.Missing {
				who = append(who, p.Holder)
			}
			out = append(out, fmt.Sprintf("%s v%d: %d of %d signatures required by %s (not signed: %s)",
				r.Role, r.Version, len(c.Signed), c.Threshold, c.Delegator, strings.Join(who, ", ")))
		}
	}
	return out
}

// BundleMetadataEntry is the entry a role's metadata is served under: roots
// always by version, other roles by version with consistent snapshots.
func BundleMetadataEntry(role string, version int64, consistent bool) string {
	if role == metadata.ROOT || consistent {
		return fmt.Sprintf("%s/%d.%s.json", workspace.MetadataDir, version, role)
	}
	return fmt.Sprintf("%s/%s.json", workspace.MetadataDir, role)
}

// BundleAddTree adds every regular file under dir as prefix/REL, in a fixed
// order; anything else (a link, a device) is refused.
func BundleAddTree(dir, prefix string, add func(string, []byte)) error {
	return bundleAddTreeKnown(dir, prefix, nil, "", add)
}

// bundleAddTreeKnown is BundleAddTree taking the bytes of the entries in
// known from there instead of reading their files (which must be there,
// regular files, all the same), and leaving out the directory skip (a
// path under dir; "" leaves out nothing).
func bundleAddTreeKnown(dir, prefix string, known map[string][]byte, skip string, add func(string, []byte)) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if skip != "" && rel == filepath.FromSlash(skip) {
				return filepath.SkipDir
			}
			return nil
		}
		name := path.Join(prefix, filepath.ToSlash(rel))
		if strings.HasPrefix(d.Name(), ".") {
			return nil // the transcript's lock file and temporary files
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file: refusing to bundle it", p)
		}
		if data, ok := known[name]; ok {
			add(name, data)
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		add(name, data)
		return nil
	})
}

// rstufPayload builds the RSTUF payload: the bootstrap for root v1 (with
// the plan's settings), the metadata update for a later root (checked
// against the trusted root).
func bundleRSTUFPayload(k *keys.Backends, ws *workspace.Workspace, l *Loaded, planDir string) ([]byte, string, error) {
	root := l.Files[metadata.ROOT]
	if l.Trusted != nil {
		payload, err := rstuf.Update(root)
		if err != nil {
			return nil, "", err
		}
		if err := rstuf.CheckUpdate(payload, l.Trusted); err != nil {
			return nil, "", err
		}
		return payload, BundleUpdate, nil
	}
	data, err := os.ReadFile(filepath.Join(ws.Dir, workspace.PlanFile))
	if err != nil {
		return nil, "", err
	}
	if planDir == "" {
		planDir = ws.Dir
	}
	p, err := plan.Parse(data, filepath.Join(ws.Dir, workspace.PlanFile), planDir, k)
	if err != nil {
		return nil, "", fmt.Errorf("the RSTUF bootstrap payload needs the plan, and %s does not load with its relative paths taken from %s (give the directory the plan was written in): %w", workspace.PlanFile, planDir, err)
	}
	payload, err := rstuf.Bootstrap(p, root, rstuf.DefaultTimeout)
	if err != nil {
		return nil, "", err
	}
	return payload, BundleBootstrap, nil
}

// rebuildBootstrap makes again the RSTUF bootstrap payload of a bundle
// unpacked as the workspace ws.
func rebuildBootstrap(ws *workspace.Workspace, l *Loaded) ([]byte, string, error) {
	data, err := os.ReadFile(filepath.Join(ws.Dir, workspace.PlanFile))
	if err != nil {
		return nil, "", err
	}
	p, err := plan.ParseSettings(data, BundlePlan)
	if err != nil {
		return nil, "", err
	}
	payload, err := rstuf.RebuildBootstrap(p, l.Files[metadata.ROOT], rstuf.DefaultTimeout)
	if err != nil {
		return nil, "", err
	}
	return payload, BundleBootstrap, nil
}

// bundleOnlineRoles are the roles an online key signs (RSTUF's targets too, but
// its online key is the timestamp's).
var bundleOnlineRoles = []string{metadata.TIMESTAMP, metadata.SNAPSHOT}

// onlineKeysChanged reports whether next's online keys differ from
// trusted's (compared as keys, not key IDs).
func bundleOnlineKeysChanged(trusted, next *metadata.RootType) bool {
	a, b := bundleOnlineKeys(trusted), bundleOnlineKeys(next)
	covers := func(x, y []*metadata.Key) bool {
		for _, k := range x {
			found := false
			for _, o := range y {
				if keys.SameKey(k, o) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return !covers(a, b) || !covers(b, a)
}

func bundleOnlineKeys(r *metadata.RootType) []*metadata.Key {
	var out []*metadata.Key
	for _, role := range bundleOnlineRoles {
		if rr := r.Roles[role]; rr != nil {
			for _, id := range rr.KeyIDs {
				if k := r.Keys[id]; k != nil {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// BundleOnlineKeyNames describes the online keys of r for the README.
func BundleOnlineKeyNames(r *metadata.RootType) string {
	var out []string
	seen := map[string]bool{}
	for _, role := range bundleOnlineRoles {
		if rr := r.Roles[role]; rr != nil {
			for _, id := range rr.KeyIDs {
				if seen[id] {
					continue
				}
				seen[id] = true
				s := id
				if k := r.Keys[id]; k != nil {
					if uri, _ := k.UnrecognizedFields[rstuf.OnlineKeyURIField].(string); uri != "" {
						s += " (" + uri + ")"
					}
				}
				out = append(out, s)
			}
		}
	}
	return strings.Join(out, ", ")
}

// ErrNotCeremonyBundle is returned for a bundle without bundle-info.json.
var ErrNotCeremonyBundle = errors.New("not a ceremony bundle: no " + BundleInfo)

// recordBundle appends the bundle record to tr, which Bundle holds: what
// was written, by its SHA-256. It may follow the seal (the bundle carries
// the sealed transcript, so it can only be recorded after).
func recordBundle(tr *transcripts.Transcript, out, sha string, entries int, partial bool) error {
	msg := fmt.Sprintf("bundle %s written: %d entries", filepath.Base(out), entries)
	if partial {
		msg += ", partial (not for upload)"
	}
	_, err := tr.Append(transcripts.Record{Kind: transcripts.Bundle, Outputs: map[string]string{"bundle": sha}, Message: msg})
	return err
}

// withoutTrailingBundles returns the transcript file cut after its last
// record that is not a bundle record, with that record's head and number.
func withoutTrailingBundles(dir string, rep *transcripts.Report) ([]byte, string, int, error) {
	data, err := os.ReadFile(filepath.Join(dir, transcripts.FileName))
	if err != nil {
		return nil, "", 0, err
	}
	n := len(rep.Records)
	for n > 0 && rep.Records[n-1].Kind == transcripts.Bundle {
		n--
	}
	end := 0
	for i := 0; i < n; i++ {
		j := bytes.IndexByte(data[end:], '\n')
		if j < 0 {
			return nil, "", 0, fmt.Errorf("transcript %s: record %d has no end", dir, i+1)
		}
		end += j + 1
	}
	kept := data[:end]
	if n == len(rep.Records) && !bytes.Equal(kept, data) {
		return nil, "", 0, fmt.Errorf("transcript %s: bytes after the last record", dir)
	}
	head := ""
	if n > 0 {
		last := kept[bytes.LastIndexByte(kept[:len(kept)-1], '\n')+1:]
		head = transcripts.Sum(last)
	}
	if n == len(rep.Records) && head != rep.Head {
		return nil, "", 0, fmt.Errorf("transcript %s: head %s, want %s", dir, head, rep.Head)
	}
	return kept, head, n, nil
}
