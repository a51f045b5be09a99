package ceremony

// The steps of Bundle: what may be bundled, and each part of the bundle.

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/bundle"
	"github.com/tuf-ceremony/ceremony/internal/crashpoint"
	"github.com/tuf-ceremony/ceremony/internal/hint"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// openBundleable loads the workspace of a bundle about to be written from
// its role files as read (once, when the transcript was reconciled), and
// refuses what must not be bundled: unmet thresholds unless opts.Partial,
// expired metadata. (An output that exists is checked when the bundle's
// bytes are known: writeBundle.) The thresholds are counted on the
// metadata loaded here, the metadata bundled. The trusted metadata is read
// as the rules ask for it (targets' delegation), and to be carried as it
// is (givenBytes), not decoded for that.
func openBundleable(opts BundleOptions, ws *workspace.Workspace, read *roleBytes, now time.Time) (*Loaded, []string, error) {
	if opts.Out == "" {
		return nil, nil, fmt.Errorf("no bundle file given")
	}
	l, err := loadRead(ws, read, true)
	if err != nil {
		return nil, nil, err
	}
	st, err := countForBundle(ws, l)
	if err != nil {
		return nil, nil, err
	}
	missing := bundleMissing(st)
	if len(missing) > 0 && !opts.Partial {
		return nil, nil, fmt.Errorf("workspace %q: thresholds not met, refusing to bundle (--partial makes a bundle for review, never for upload):\n  %s", opts.Dir, strings.Join(missing, "\n  "))
	}
	for _, role := range ws.State.Roles {
		h, err := l.Files[role].Header()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", ws.MetadataPath(role), err)
		}
		if !h.Expires.After(now) {
			return nil, nil, fmt.Errorf("%s: %s expired at %s: a new ceremony is needed", ws.MetadataPath(role), role, h.Expires.UTC().Format(time.RFC3339))
		}
	}
	return l, missing, nil
}

// countForBundle counts the signatures of the workspace ws, loaded as l,
// for a bundle about to be put together (Bundle) or made again (Rebuild).
// Once they are counted, what follows needs the files' bytes only, and the
// bundle's largest part is yet to be read (the transcript's states): the
// canonical forms the counting made (53 MB for claimed at 100,000
// projects) go now, collected before that part is read (a collection of
// a heap of large byte slices takes little).
func countForBundle(ws *workspace.Workspace, l *Loaded) (*Status, error) {
	st, err := statusOf(ws, l)
	if err != nil {
		return nil, err
	}
	for _, f := range l.Files {
		f.ReleaseCanonical()
	}
	runtime.GC()
	return st, nil
}

// bundleParts are the entries of a bundle being put together, and its
// bundle-info.json.
type bundleParts struct {
	entries []bundle.Entry
	info    BundleInfoFile
	states  statesForm
	// trusted are the trusted files carried, by role, for Bundle to check
	// against the init record (checkCarriedTrusted).
	trusted map[string][]byte
	// sums are the SHA-256 of the entries whose bytes were hashed as
	// they were checked (a role's metadata, which is its last state), by
	// name: what Rebuild gives its caller so as not to hash them again.
	sums map[string]string
	// ahead are the digests of large entries being computed since their
	// bytes were read (bundle.HashAhead), for the entries of those bytes.
	ahead []*bundle.Hashing
	// hashAhead says the bundle is to be written (Bundle), so that its
	// large entries are hashed ahead as their bytes are read; a bundle
	// made again only to be compared (Rebuild) is not hashed.
	hashAhead bool
}

// statesForm is how a bundle stores its transcript's states.
type statesForm int

const (
	// statesAgainstMetadata: each role's last state whole, the very bytes
	// of its metadata (which the bundle then holds once), and every other
	// large state that differs little from one of them as that difference
	// (transcripts.StatesAgainst). What Bundle writes.
	statesAgainstMetadata statesForm = iota
	// statesAsStored: the state store as it is. What Rebuild makes from a
	// bundle unpacked as a workspace, whose store is the bundle's own, as
	// this version or an earlier one wrote it.
	statesAsStored
)

func (b *bundleParts) add(name string, data []byte) {
	e := bundle.Entry{Name: name, Data: data}
	for _, h := range b.ahead {
		if h.Of(data) {
			e.Hashing = h
		}
	}
	b.entries = append(b.entries, e)
}

// knownSum records that the entry called name hashes to sum (see sums).
func (b *bundleParts) knownSum(name, sum string) {
	if b.sums == nil {
		b.sums = map[string]string{}
	}
	b.sums[name] = sum
}

// checkCarriedTrusted refuses to bundle trusted metadata (trusted, by
// role) that is not what the transcript's init record names: a trusted
// file changed after init would be carried to the online side as what the
// ceremony started from. The replay of the bundle refuses it too; Bundle
// says so before the bundle is carried there.
func checkCarriedTrusted(ws *workspace.Workspace, recs []transcripts.Record, trusted map[string][]byte) error {
	var inputs map[string]string
	if len(recs) > 0 && recs[0].Kind == transcripts.Init {
		inputs = recs[0].Inputs
	}
	for _, role := range ws.State.Trusted {
		data, ok := trusted[role]
		if !ok {
			continue
		}
		name := workspace.TrustedPath(role)
		want, got := inputs[name], transcripts.Sum(data)
		switch {
		case want == "":
			return fmt.Errorf("%s: the transcript's init record names no %s, refusing to bundle", ws.Dir, name)
		case got != want:
			return hint.With(fmt.Errorf("%s: %s hashes to %s, the init record names %s: it was changed after init, refusing to bundle", ws.Dir, name, AbbrevHash(got), AbbrevHash(want)), "verify "+ws.Dir)
		}
	}
	return nil
}

// addMetadata adds the metadata signed here, byte for byte, under the
// names a repository serves; the trusted metadata a claims or project
// ceremony started from, to check the new metadata against (not for
// upload); and the trusted root a new root follows.
func (b *bundleParts) addMetadata(ws *workspace.Workspace, l *Loaded, root *metadata.RootType) error {
	for _, role := range ws.State.Roles {
		data, err := l.roleData(role)
		if err != nil {
			return err
		}
		h, _ := l.Files[role].Header()
		name := BundleMetadataEntry(role, h.Version, root.ConsistentSnapshot)
		b.add(name, data)
		b.info.Metadata[role] = name
	}
	for _, role := range ws.State.Trusted {
		data, err := l.givenBytes(role)
		if err != nil {
			return err
		}
		if b.trusted == nil {
			b.trusted = map[string][]byte{}
		}
		b.trusted[role] = data
		if b.hashAhead {
			// Hashed for the bundle while the transcript is read and checked.
			b.ahead = append(b.ahead, bundle.HashAhead(data))
		}
		if b.info.Trusted == nil {
			b.info.Trusted = map[string]string{}
		}
		b.info.Trusted[role] = workspace.TrustedPath(role)
		b.add(workspace.TrustedPath(role), data)
	}
	if l.Trusted != nil {
		data, err := os.ReadFile(filepath.Join(ws.Dir, workspace.TrustedRoot))
		if err != nil {
			return err
		}
		b.add(BundleMetadataEntry(metadata.ROOT, l.TrustedRoot.Version, true), data)
		b.info.OnlineKeyChanged = bundleOnlineKeysChanged(l.TrustedRoot, l.Root)
	}
	return nil
}

// addTranscript adds the transcript, its states, torn pieces and seal. The
// bundle carries the transcript without its trailing bundle records: those
// record earlier bundles, and a bundle's bytes do not depend on how many
// were written before it. The prefix is a chain of its own, ending at the
// seal (or the last step). The metadata must be the states it records last.
// The states are stored as b.states says: for a new bundle, against the
// metadata, whose bytes the bundle then holds once.
func (b *bundleParts) addTranscript(ws *workspace.Workspace, l *Loaded) error {
	var tr *transcripts.Report
	var err error
	if b.states == statesAsStored {
		// Rebuild: the replay has just read every state against its name.
		tr, err = transcripts.VerifyLeavingStates(ws.TranscriptPath())
	} else {
		tr, err = transcripts.Verify(ws.TranscriptPath())
	}
	if err != nil {
		return fmt.Errorf("the transcript of %q does not verify, refusing to bundle: %w", ws.Dir, err)
	}
	if b.states == statesAgainstMetadata {
		// Rebuild's caller compares the trusted files with the bundle's,
		// which the replay checked against the init record.
		if err := checkCarriedTrusted(ws, tr.Records, b.trusted); err != nil {
			return err
		}
	}
	kept, head, seq, err := withoutTrailingBundles(ws.TranscriptPath(), tr)
	if err != nil {
		return err
	}
	b.info.TranscriptHead, b.info.TranscriptSeq = head, seq
	known := map[string][]byte{BundleTranscript + "/" + transcripts.FileName: kept}
	wholes := map[string][]byte{}
	for _, role := range ws.State.Roles {
		sum, err := l.roleSum(role)
		if err != nil {
			return err
		}
		if transcripts.LastState(tr.Records, role) != sum {
			return hint.With(fmt.Errorf("%s is not the state the transcript recorded last: it was changed outside the ceremony", ws.MetadataPath(role)), "verify "+ws.Dir)
		}
		// The state Verify just found hashing to its name (or the replay
		// did, before Rebuild) is these bytes, which hash to it too: the
		// bundle carries them once.
		data, err := l.roleData(role)
		if err != nil {
			return err
		}
		wholes[sum] = data
		b.knownSum(b.info.Metadata[role], sum)
	}
	if b.states == statesAsStored {
		for sum, data := range wholes {
			name := path.Join(BundleTranscript, transcripts.StatesDir, sum+".json")
			known[name] = data
			b.knownSum(name, sum)
		}
		return bundleAddTreeKnown(ws.TranscriptPath(), BundleTranscript, known, "", b.add)
	}
	if err := bundleAddTreeKnown(ws.TranscriptPath(), BundleTranscript, known, transcripts.StatesDir, b.add); err != nil {
		return err
	}
	states, err := transcripts.StatesAgainst(ws.TranscriptPath(), wholes)
	if err != nil {
		return err
	}
	for _, f := range states {
		b.add(path.Join(BundleTranscript, f.Name), f.Data)
	}
	return nil
}

// addWorkspaceFiles adds the attestations, by holder, the workspace's
// state and its plan.
func (b *bundleParts) addWorkspaceFiles(ws *workspace.Workspace) error {
	seen := map[string]bool{}
	for _, k := range ws.State.Keys {
		if k.Attestation == "" || seen[k.Holder] {
			continue
		}
		name := "attestations/" + bundle.NameElement(k.Holder) + ".pem"
		if err := bundle.CheckName(name); err != nil {
			return fmt.Errorf("keyholder %q: %w", k.Holder, err)
		}
		seen[k.Holder] = true
		b.add(name, []byte(k.Attestation))
	}
	for _, f := range []string{workspace.StateFile, workspace.PlanFile} {
		data, err := os.ReadFile(filepath.Join(ws.Dir, f))
		if err != nil {
			return err
		}
		b.add(f, data)
	}
	return nil
}

// addKindFiles adds the kind's own files and what else its bundle carries.
func (b *bundleParts) addKindFiles(ws *workspace.Workspace, k Kind) error {
	files, err := k.Files(ws)
	if err != nil {
		return err
	}
	for _, name := range files {
		data, err := ws.ReadFile(name)
		if err != nil {
			return err
		}
		b.add(name, data)
	}
	return k.BundleExtras(ws, b.add)
}

// writeBundle writes the bundle to out and records it in the transcript.
// A file already at out that holds these very bytes is left as it is and
// said so (Again); one that holds other bytes is refused, never replaced.
// A bundle the transcript records already (written before, from a sealed
// workspace that has not changed since) is not recorded a second time.
func writeBundle(tr *transcripts.Transcript, out string, b *bundleParts) (*BundleResult, error) {
	p, err := bundle.Prepare(b.entries)
	if err != nil {
		return nil, err
	}
	s, same, err := putBundle(out, p)
	if errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("%s %s: it was left as it is (a bundle is never overwritten); choose a new name: %w", out, whatIsThere(tr, out), err)
	}
	if err != nil {
		return nil, err
	}
	sum := hex.EncodeToString(s[:])
	res := &BundleResult{Out: out, SHA256: sum, PGPWords: bundle.PGPWords(s[:]),
		Partial: b.info.Partial, Missing: b.info.Missing, OnlineKeyChanged: b.info.OnlineKeyChanged, Rehearsal: b.info.Rehearsal, Again: same}
	for _, e := range b.entries {
		res.Entries = append(res.Entries, e.Name)
	}
	sort.Strings(res.Entries)
	res.RecordedAt = recordedBundle(tr, sum)
	crashpoint.Hit("bundle:after-write")
	if res.RecordedAt != 0 {
		return res, nil
	}
	if err := recordBundle(tr, out, sum, len(b.entries), b.info.Partial); err != nil {
		if same {
			return nil, fmt.Errorf("failed to record bundle %s in the transcript: %w", out, err)
		}
		// What is not recorded is not left behind to be carried.
		if rmErr := os.Remove(out); rmErr != nil {
			return nil, fmt.Errorf("wrote %s but failed to record it in the transcript (%w), and failed to remove it: %v: delete it, it is not this ceremony's", out, err, rmErr)
		}
		return nil, fmt.Errorf("failed to record bundle %s in the transcript, so it was removed: %w", out, err)
	}
	return res, nil
}

// whatIsThere says what the file at out holds, which is not the bundle
// about to be written: an earlier bundle the transcript records (records
// were appended since), or bytes it does not.
func whatIsThere(tr *transcripts.Transcript, out string) string {
	f, err := os.Open(out)
	if err != nil {
		return "exists"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "exists"
	}
	if at := recordedBundle(tr, hex.EncodeToString(h.Sum(nil))); at != 0 {
		return fmt.Sprintf("holds the bundle transcript record %d names, made before the records appended since", at)
	}
	return "exists, and holds no bundle this workspace's transcript records (another file, or a bundle cut off before it was recorded: delete it, it is not this ceremony's)"
}

// recordedBundle is the record that names a bundle of SHA-256 sum, 0 if
// none does.
func recordedBundle(tr *transcripts.Transcript, sum string) int64 {
	for _, r := range tr.Records() {
		if r.Kind == transcripts.Bundle && r.Outputs["bundle"] == sum {
			return r.Seq
		}
	}
	return 0
}
