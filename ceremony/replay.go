package ceremony

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"

	"github.com/tuf-ceremony/ceremony/metafile"
	"github.com/tuf-ceremony/ceremony/threshold"
	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// ReplayEntry is one record of the ceremony, as people read it.
type ReplayEntry struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`
	Kind    string    `json:"kind"`
	Who     string    `json:"who,omitempty"`
	Device  string    `json:"device,omitempty"`
	Role    string    `json:"role,omitempty"`
	KeyID   string    `json:"keyid,omitempty"` // short: 12 hex digits
	Message string    `json:"message,omitempty"`
	// Redacted names the fields in which a secret was replaced by
	// transcripts.RedactedMark when the record was written.
	Redacted []string `json:"redacted,omitempty"`
}

// ReplayProblem is the first record that does not hold, and why.
type ReplayProblem struct {
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

// ReplayReport is what Replay found.
type ReplayReport struct {
	Dir string `json:"dir"`
	// Head is the hash of the last record that holds the chain.
	Head    string        `json:"head"`
	Records int           `json:"records"`
	Account []ReplayEntry `json:"account"`
	// Sealed says the transcript ends in a seal that holds; SealedBy names
	// the keyholders whose signatures on it verify.
	Sealed   bool           `json:"sealed"`
	SealedBy []string       `json:"sealed_by,omitempty"`
	FirstBad *ReplayProblem `json:"first_bad,omitempty"`
	// Rehearsal marks a practice ceremony (workspace.State).
	Rehearsal bool `json:"rehearsal,omitempty"`
	// DateConfirmed is the room's confirmation of the date before the
	// workspace was made (workspace.State, covered by the init record).
	DateConfirmed string `json:"date_confirmed,omitempty"`
	// Tool is the ceremony binary that created the workspace, as its init
	// record says; nil for a workspace made before init records said so.
	Tool *transcripts.Tool `json:"tool,omitempty"`
	// TimeFlags say where the records' times do not go forward as one
	// ceremony's do (transcripts.TimeFlags): warnings, not failures.
	TimeFlags []string `json:"time_flags,omitempty"`

	// given holds the trusted metadata of the workspace at givenDir that
	// the replay read (replayer.load), for Rebuild of that workspace
	// (ReplayKeeping); nil once Rebuild took it, or if not kept.
	given    *Loaded
	givenDir string
}

// OK reports whether the whole ceremony replays.
func (r *ReplayReport) OK() bool { return r.FirstBad == nil }

// Print writes the account of the ceremony and the verdict for people.
func (r *ReplayReport) Print(w io.Writer) error {
	var b strings.Builder
	if r.Rehearsal {
		b.WriteString(workspace.RehearsalNotice + "\n")
	}
	fmt.Fprintf(&b, "Replay of %s: %d records, head %s\n", r.Dir, r.Records, r.Head)
	if r.DateConfirmed != "" {
		fmt.Fprintf(&b, "  date: %s\n", r.DateConfirmed)
	}
	if r.Tool != nil {
		fmt.Fprintf(&b, "  made with: %s\n", r.Tool)
		if r.Tool.SHA256 != "" {
			fmt.Fprintf(&b, "  its binary's sha256: %s\n", r.Tool.SHA256)
		}
	}
	for _, e := range r.Account {
		fmt.Fprintf(&b, "  %s\n", e)
	}
	for _, f := range r.TimeFlags {
		fmt.Fprintf(&b, "WARNING: %s\n", f)
	}
	if r.FirstBad != nil {
		fmt.Fprintf(&b, "FAILED: record %d does not hold: %s\n", r.FirstBad.Seq, r.FirstBad.Reason)
	} else {
		b.WriteString("OK: the chain holds, every signature verifies under the key its role authorizes, every state follows from the one before, and the metadata files are the final states\n")
		if r.Sealed {
			fmt.Fprintf(&b, "sealed by %s\n", strings.Join(r.SealedBy, ", "))
		} else {
			b.WriteString("not sealed\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Replay checks a workspace's ceremony from its transcript alone: the chain
// of records; that the init record's states are unsigned metadata; that
// each sign record's signature verifies, over the state before it, under a
// key the rules of that state authorize, and that adding it to that state
// gives the stored state byte for byte; that the metadata files are the
// final states byte for byte; and the seal, if any (see Seal).
//
// A ceremony that does not replay is reported in FirstBad with a nil error;
// the error is for a workspace that cannot be read at all.
func (e *Engine) Replay(dir string) (*ReplayReport, error) {
	return e.replayDir(dir, false)
}

// ReplayKeeping is Replay for a caller that makes the workspace's bundle
// again right after (Rebuild): the report keeps the trusted metadata the
// replay read for Rebuild to take, which lets go of it.
func (e *Engine) ReplayKeeping(dir string) (*ReplayReport, error) {
	return e.replayDir(dir, true)
}

func (e *Engine) replayDir(dir string, keep bool) (*ReplayReport, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	// The replay reads every state a record names and checks it against
	// its name: the chain is verified without them.
	trep, err := transcripts.VerifyLeavingStates(ws.TranscriptPath())
	if trep == nil {
		return nil, err
	}
	return e.replay(ws, dir, trep, keep)
}

// ReplayVerified is ReplayKeeping of the workspace dir whose transcript
// the caller has just verified (trep is transcripts.VerifyLeavingStates of
// its transcript directory, or Verify): 'verify BUNDLE' verifies the
// transcript it unpacked, then replays it, which reads and checks every
// state a record names, then makes the bundle again (Rebuild).
func (e *Engine) ReplayVerified(dir string, trep *transcripts.Report) (*ReplayReport, error) {
	ws, err := workspace.Open(dir)
	if err != nil {
		return nil, err
	}
	return e.replay(ws, dir, trep, true)
}

// replay replays ws's records (trep); with keep, the report keeps the
// trusted metadata read (ReplayKeeping).
func (e *Engine) replay(ws *workspace.Workspace, dir string, trep *transcripts.Report, keep bool) (*ReplayReport, error) {
	rep, err := e.replayRecords(ws, dir, trep)
	if rep != nil && !keep {
		rep.given, rep.givenDir = nil, ""
	}
	return rep, err
}

func (e *Engine) replayRecords(ws *workspace.Workspace, dir string, trep *transcripts.Report) (*ReplayReport, error) {
	rep := &ReplayReport{Dir: dir, Head: trep.Head, Records: len(trep.Records), Rehearsal: ws.State.Rehearsal,
		TimeFlags: transcripts.TimeFlags(trep.Records), DateConfirmed: ws.State.DateConfirmed}
	for _, r := range trep.Records {
		rep.Account = append(rep.Account, EntryOf(r))
		if r.Kind == transcripts.Init && rep.Tool == nil {
			rep.Tool = r.Tool
		}
	}
	rp := &replayer{e: e, ws: ws, trDir: ws.TranscriptPath(), rep: rep, cur: map[string]string{}, setBy: map[string]int64{}}
	for _, r := range trep.Records {
		if why := rp.step(r); why != "" {
			rep.FirstBad = &ReplayProblem{Seq: r.Seq, Reason: why}
			return rep, nil
		}
		rp.forget()
	}
	if trep.FirstBad != nil {
		rep.FirstBad = &ReplayProblem{Seq: trep.FirstBad.Seq, Reason: "the chain does not hold: " + trep.FirstBad.Reason}
		return rep, nil
	}
	if len(trep.Records) == 0 {
		rep.FirstBad = &ReplayProblem{Seq: 1, Reason: "the transcript is empty: no init record"}
		return rep, nil
	}
	for _, role := range ws.State.Roles {
		data, err := ws.MetadataBytes(role)
		if err != nil {
			rep.FirstBad = &ReplayProblem{Seq: rp.setBy[role], Reason: fmt.Sprintf("%s: %v", ws.MetadataPath(role), err)}
			return rep, nil
		}
		want, _ := rp.state(rp.cur[role])
		if !bytes.Equal(data, want) {
			rep.FirstBad = &ReplayProblem{Seq: rp.setBy[role], Reason: fmt.Sprintf("%s is not the state this record left %s in (state %s): it was changed outside the ceremony, or a recorded signature was not written yet (the next signing in the workspace completes it)", ws.MetadataPath(role), role, AbbrevHash(rp.cur[role]))}
			return rep, nil
		}
	}
	return rep, nil
}

func EntryOf(r transcripts.Record) ReplayEntry {
	e := ReplayEntry{Seq: r.Seq, Time: r.Time, Kind: string(r.Kind), Who: r.Who, Message: r.Message, Redacted: r.Redacted}
	if d := r.Device; d != nil {
		var parts []string
		for _, s := range []string{d.Kind, d.Model, d.Serial, d.Firmware} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		e.Device = strings.Join(parts, " ")
	}
	if s := r.Signature; s != nil {
		e.Role, e.KeyID = s.Role, AbbrevHash(s.KeyID)
	}
	return e
}

// AbbrevHash is the first 12 hex digits of a key ID or hash, as people read
// them aloud.
func AbbrevHash(id string) string { return id[:min(12, len(id))] }

// step replays one record and returns why it does not hold, or "".
func (rp *replayer) step(r transcripts.Record) string {
	if !rp.init && r.Kind != transcripts.Init {
		return fmt.Sprintf("the first record is %s, not init", r.Kind)
	}
	switch r.Kind {
	case transcripts.Init:
		if rp.init {
			return "a second init record"
		}
		rp.init = true
		rp.records = []transcripts.Record{r}
		return rp.stepInit(r)
	case transcripts.Sign:
		return rp.stepSign(r)
	case transcripts.Seal:
		return rp.stepSeal(r)
	}
	if len(r.States) > 0 {
		return fmt.Sprintf("a %s record changes metadata states: only init and sign records may", r.Kind)
	}
	return ""
}

func (rp *replayer) stepInit(r transcripts.Record) string {
	ws := rp.ws
	for _, in := range []struct{ file, what string }{{workspace.PlanFile, "the plan"}, {workspace.StateFile, "the workspace's keys, holders, key URIs and roles"}} {
		data, err := os.ReadFile(filepath.Join(ws.Dir, in.file))
		if err != nil {
			return fmt.Sprintf("cannot read %s: %v", in.file, err)
		}
		switch got, want := transcripts.Sum(data), r.Inputs[in.file]; {
		case want == "":
			return fmt.Sprintf("the init record names no %s: %s are not covered by the transcript", in.file, in.what)
		case got != want:
			return fmt.Sprintf("%s hashes to %s, the init record names %s: %s changed after init", in.file, AbbrevHash(got), AbbrevHash(want), in.what)
		}
	}
	trustedPath := filepath.Join(ws.Dir, filepath.FromSlash(workspace.TrustedRoot))
	want, recorded := r.Inputs[workspace.TrustedRoot]
	switch trusted, err := os.ReadFile(trustedPath); {
	case err != nil && recorded:
		return fmt.Sprintf("the init record names a trusted root, but it cannot be read: %v", err)
	case err == nil && !recorded:
		return fmt.Sprintf("the workspace has %s, but the init record names none", workspace.TrustedRoot)
	case err == nil && transcripts.Sum(trusted) != want:
		return fmt.Sprintf("%s hashes to %s, the init record names %s: the trusted root was changed", workspace.TrustedRoot, AbbrevHash(transcripts.Sum(trusted)), AbbrevHash(want))
	}
	for _, role := range ws.State.Roles {
		h, ok := r.States[role]
		if !ok {
			return fmt.Sprintf("the init record has no state for %s", role)
		}
		f, why, err := rp.file(h)
		if why != "" {
			return why
		}
		if err != nil {
			return fmt.Sprintf("the initial state of %s: %v", role, err)
		}
		for _, s := range f.Signatures {
			if s.Sig != "" {
				return fmt.Sprintf("the initial state of %s is signed (by %s): init writes unsigned metadata", role, AbbrevHash(s.KeyID))
			}
		}
		rp.cur[role], rp.setBy[role] = h, r.Seq
	}
	for role := range r.States {
		if !ws.HasRole(role) {
			return fmt.Sprintf("the init record has a state for %s, which the workspace does not sign", role)
		}
	}
	k, err := rp.e.KindOf(ws.State.Kind)
	if err != nil {
		return err.Error()
	}
	// The kind's check (claimed's: both versions viewed whole) is the
	// replay's largest: while it runs, the replay holds only the state it
	// asks for, parsed, which it keeps for the first signature.
	first := r.States[ws.State.Roles[0]]
	rp.keepOnly(func(h string) bool { return h == first })
	why := k.CheckInit(ws, r, func() (*metafile.File, string) {
		f, why, err := rp.file(first)
		if err != nil {
			return nil, fmt.Sprintf("the initial state of %s: %v", ws.State.Roles[0], err)
		}
		return f, why
	})
	// What the check made and let go (claimed's: the trusted version as
	// read and the views of both, 130 MB at PyPI's scale) is collected
	// now, before the signatures' states are read into the room it
	// leaves.
	runtime.GC()
	return why
}

func (rp *replayer) stepSign(r transcripts.Record) string {
	s := r.Signature
	if s == nil {
		return "a sign record without a signature"
	}
	role := s.Role
	if !rp.ws.HasRole(role) {
		return fmt.Sprintf("signs %s, which the workspace does not sign", role)
	}
	if len(r.States) != 1 || r.States[role] == "" {
		return fmt.Sprintf("a sign record of %s must name exactly one state, %s's", role, role)
	}
	if r.Inputs[role] != rp.cur[role] {
		return fmt.Sprintf("signs state %s of %s, but its last state is %s", AbbrevHash(r.Inputs[role]), role, AbbrevHash(rp.cur[role]))
	}
	files, why := rp.files()
	if why != "" {
		return why
	}
	stored, why := rp.state(r.States[role])
	if why != "" {
		return why
	}
	l, err := rp.load(files)
	if err != nil {
		return err.Error()
	}
	if why := rederive(l, files, role, s, r.Who, stored); why != "" {
		return why
	}
	rp.cur[role], rp.setBy[role] = r.States[role], r.Seq
	return ""
}

// rederive checks one signature step: files holds every role's state before
// it, loaded as l. The signature must verify over role's canonical bytes under the key
// KeyID names in the rules of those states, that key must not have signed
// yet, who must be its holder, and adding the signature (under every key ID
// the rules list that key by, as Sign does) must give stored byte for byte.
func rederive(l *Loaded, files map[string]*metafile.File, role string, s *transcripts.Signature, who string, stored []byte) string {
	ws := l.WS
	rules, err := l.Rules(role)
	if err != nil {
		return err.Error()
	}
	var key *metadata.Key
	for _, rule := range rules {
		if k, ok := rule.Keys[s.KeyID]; ok && slices.Contains(rule.KeyIDs, s.KeyID) {
			key = k
			break
		}
	}
	if key == nil {
		return fmt.Sprintf("key %s may not sign %s (%s)", AbbrevHash(s.KeyID), role, whoMay(ws, rules))
	}
	ids := threshold.KeyIDsOf(rules, key)
	if len(ids) == 0 || ids[0] != s.KeyID {
		return fmt.Sprintf("key %s is recorded under %s, but signing names it %v", AbbrevHash(s.KeyID), s.KeyID, ids)
	}
	if h := ws.Holder(ids[0]); who != h {
		return fmt.Sprintf("the record says %q signed, but key %s is %q's", who, AbbrevHash(s.KeyID), h)
	}
	prev := files[role]
	if signedBy(prev, ids) {
		return fmt.Sprintf("key %s had signed %s already", AbbrevHash(s.KeyID), role)
	}
	raw, err := hex.DecodeString(s.Sig)
	if err != nil {
		return fmt.Sprintf("the signature is not hex: %v", err)
	}
	if err := threshold.VerifyFile(prev, key, raw); err != nil {
		if noCanonical := (*threshold.NoCanonicalError)(nil); errors.As(err, &noCanonical) {
			return fmt.Sprintf("%s: %v", role, noCanonical.Err)
		}
		return fmt.Sprintf("the signature of %s by %s (key %s) does not verify over the state before it: %v", role, who, AbbrevHash(s.KeyID), err)
	}
	// The canonical form is checked; the comparison below needs the
	// state's bytes only, and makes none (MarshalsTo): at PyPI's scale
	// neither the canonical form nor the state made again (53 and 77 MB)
	// is held beside the stored state.
	prev.ReleaseCanonical()
	for _, id := range ids {
		prev.AddSignature(id, s.Sig)
	}
	if !prev.MarshalsTo(stored) {
		got, err := prev.Marshal()
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("the state it stores for %s (%s) is not the state before it with this signature added (%s): the state holds more than the signature", role, AbbrevHash(transcripts.Sum(stored)), AbbrevHash(transcripts.Sum(got)))
	}
	return ""
}

// holderKeys maps the key IDs of the ceremony's keyholders to their keys:
// the keys the rules of the roles signed in the workspace (from the given
// states, and the trusted root's) authorize, that ceremony.json names as
// an offline keyholder's. The metadata states are chained by the
// transcript, so an edited ceremony.json cannot add a key.
func holderKeys(l *Loaded) map[string]*metadata.Key {
	offline := map[string]bool{}
	for _, e := range l.WS.State.Keys {
		if !e.Online {
			offline[e.KeyID] = true
		}
	}
	out := map[string]*metadata.Key{}
	for _, role := range l.WS.State.Roles {
		rules, err := l.Rules(role)
		if err != nil {
			continue
		}
		for _, r := range rules {
			for _, id := range r.KeyIDs {
				if k := r.Keys[id]; k != nil && offline[id] {
					out[id] = k
				}
			}
		}
	}
	return out
}

// String is the entry as one line of the account: seq, time, kind, who,
// device, what was signed with which key, and the message.
func (e ReplayEntry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%-3d %s  %-11s", e.Seq, e.Time.UTC().Format(time.RFC3339), e.Kind)
	if e.Who != "" {
		fmt.Fprintf(&b, " %s", e.Who)
	}
	if e.Device != "" {
		fmt.Fprintf(&b, " [%s]", e.Device)
	}
	if e.Role != "" {
		fmt.Fprintf(&b, " signed %s", e.Role)
	}
	if e.KeyID != "" {
		fmt.Fprintf(&b, " with key %s", e.KeyID)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if len(e.Redacted) > 0 {
		fmt.Fprintf(&b, " (a secret was redacted from: %s)", strings.Join(e.Redacted, ", "))
	}
	return b.String()
}
