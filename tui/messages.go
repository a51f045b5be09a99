package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/audit"
	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/ceremony/bootstrap"
	"github.com/tuf-ceremony/ceremony/keys"
	"github.com/tuf-ceremony/ceremony/plan"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// The commands below are the app's only effects. Each calls the ceremony
// function the CLI calls and answers with a message.

// statusLoadedMsg carries a workspace's fresh status.
type statusLoadedMsg struct {
	status *ceremony.Status
	ws     string
	read   int64 // statusReads, when the read started
}

// statusFailedMsg says the status could not be read.
type statusFailedMsg struct {
	err  error
	ws   string
	read int64
}

// noteRecordedMsg says a note became transcript record seq.
type noteRecordedMsg struct{ seq int64 }

// noteFailedMsg says a note was refused or could not be written.
type noteFailedMsg struct{ err error }

// LoadStatus reads the workspace's status.
func LoadStatus(ws string) tea.Cmd {
	return func() tea.Msg {
		read := statusReads.Add(1)
		st, err := ceremony.GetStatus(ws)
		if err != nil {
			return statusFailedMsg{err: err, ws: ws, read: read}
		}
		return statusLoadedMsg{status: st, ws: ws, read: read}
	}
}

// statusReads numbers the reads of a status in the order they start: a
// read that started later saw the workspace as it was later, and a slower
// earlier one that ends after it is not shown over it.
var statusReads atomic.Int64

// RecordNote appends a note by who to the workspace's transcript.
func RecordNote(ws, who, text string) tea.Cmd {
	return func() tea.Msg {
		// What the note completed first shows in the status the app
		// loads after it.
		rec, _, err := ceremony.Note(ws, who, text)
		if err != nil {
			return noteFailedMsg{err}
		}
		return noteRecordedMsg{int64(rec.Seq)}
	}
}

// rollCallRecordedMsg says the roll call became transcript record seq.
type rollCallRecordedMsg struct{ seq int64 }

// RecordRollCall appends the roll call to the transcript, as a note.
func RecordRollCall(ws, who, text string) tea.Cmd {
	return func() tea.Msg {
		rec, _, err := ceremony.Note(ws, who, text)
		if err != nil {
			return noteFailedMsg{fmt.Errorf("roll call: %w", err)}
		}
		return rollCallRecordedMsg{int64(rec.Seq)}
	}
}

// initDoneMsg says a workspace was created.
type initDoneMsg struct{ ws string }

// initFailedMsg says the plan (or trusted root) was refused.
type initFailedMsg struct{ err error }

// CreateWorkspace runs 'ceremony init': from planFile, and for a next root
// version from trustedRoot; dateConfirmed is what the room confirmed of
// today's date (kept in the workspace's state).
func CreateWorkspace(eng *ceremony.Engine, planFile, trustedRoot, ws, dateConfirmed string) tea.Cmd {
	return func() tea.Msg {
		if _, err := bootstrap.Init(eng, bootstrap.Options{Plan: planFile, Dir: ws, TrustedRoot: trustedRoot, DateConfirmed: dateConfirmed}); err != nil {
			return initFailedMsg{err}
		}
		return initDoneMsg{ws}
	}
}

// deviceCheckedMsg is what CheckDevice found, for the poll of generation
// gen (later generations make earlier answers stale).
type deviceCheckedMsg struct {
	gen   int
	check *ceremony.DeviceCheck
	err   error
}

// devicePollMsg asks for the next look at the device.
type devicePollMsg struct{ gen int }

// devicePoll is how often the device screen looks for the device.
const devicePoll = 700 * time.Millisecond

// CheckDevice looks for the device of key keyID (no PIN, nothing written).
func CheckDevice(eng *ceremony.Engine, ws, keyID string, gen int) tea.Cmd {
	return func() tea.Msg {
		dc, err := eng.CheckDevice(ws, keyID)
		return deviceCheckedMsg{gen: gen, check: dc, err: err}
	}
}

// pollDevice schedules the next look.
func pollDevice(gen int) tea.Cmd {
	return tea.Tick(devicePoll, func(time.Time) tea.Msg { return devicePollMsg{gen} })
}

// signDoneMsg is the outcome of one keyholder's signing.
type signDoneMsg struct {
	keyID string
	res   *ceremony.SignResult
	err   error
}

// Sign runs 'ceremony sign --key URI WS', asking for the PIN through p.
func Sign(eng *ceremony.Engine, ws, keyID, uri string, p keys.Prompter) tea.Cmd {
	return func() tea.Msg {
		res, err := eng.Sign(ceremony.SignOptions{Dir: ws, KeyURI: uri, Prompter: p})
		return signDoneMsg{keyID: keyID, res: res, err: err}
	}
}

// bundleDoneMsg is the outcome of writing the bundle.
type bundleDoneMsg struct {
	res *ceremony.BundleResult
	err error
}

// WriteBundle runs 'ceremony bundle WS --out OUT'.
func WriteBundle(eng *ceremony.Engine, ws, out string) tea.Cmd {
	return func() tea.Msg {
		res, err := eng.Bundle(ceremony.BundleOptions{Dir: ws, Out: out})
		return bundleDoneMsg{res, err}
	}
}

// verifyDoneMsg is the outcome of verifying and replaying a bundle.
type verifyDoneMsg struct {
	title string
	lines []string
	ok    bool
}

// VerifyBundle runs 'ceremony verify [--trusted-root ROOT] BUNDLE' and
// 'ceremony replay BUNDLE'; trustedRoot "" trusts the bundle's root v1.
func VerifyBundle(eng *ceremony.Engine, path, trustedRoot string) tea.Cmd {
	return func() tea.Msg {
		title := "verify and replay " + path
		if trustedRoot != "" {
			title += " from " + trustedRoot
		}
		var lines []string
		ok := true
		rep, err := audit.VerifyBundle(eng, path, trustedRoot, time.Time{})
		switch {
		case err != nil:
			ok = false
			lines = append(lines, "✗ verify: "+err.Error())
		case !rep.OK():
			ok = false
			lines = append(lines, "✗ verify: a client would refuse this bundle's metadata:")
			for _, f := range rep.Errors() {
				lines = append(lines, "  "+f.String())
			}
		default:
			lines = append(lines, "✓ verify: every role holds as a client would check it")
			for _, r := range rep.Roles {
				lines = append(lines, fmt.Sprintf("  %s v%d: %d signed, %d needed (keys of %s)", r.Role, r.Version, len(r.Signed), r.Threshold, r.Delegator))
			}
		}
		if rep != nil {
			for _, f := range rep.Warnings() {
				lines = append(lines, "  warning: "+f.String())
			}
			if rep.Rehearsal {
				lines = append([]string{workspace.RehearsalNotice}, lines...)
			}
		}
		replay, err := audit.ReplayBundle(eng, path)
		switch {
		case err != nil:
			ok = false
			lines = append(lines, "✗ replay: "+err.Error())
		case !replay.OK():
			ok = false
			lines = append(lines, fmt.Sprintf("✗ replay: record %d does not hold: %s", replay.FirstBad.Seq, replay.FirstBad.Reason))
		default:
			sealed := "not sealed"
			if replay.Sealed {
				sealed = "sealed by " + strings.Join(replay.SealedBy, ", ")
			}
			lines = append(lines, fmt.Sprintf("✓ replay: all %d transcript records hold, every state re-derived (%s)", replay.Records, sealed))
		}
		return verifyDoneMsg{title: title, lines: lines, ok: ok}
	}
}

// workspacesFoundMsg lists the workspaces found for the chooser.
// workspacesFoundMsg: the workspaces found under the chooser's directory,
// and the names in it (for the forms' defaults).
type workspacesFoundMsg struct {
	found []foundWorkspace
	names map[string]bool
}

// foundWorkspace is a workspace the chooser offers to resume.
type foundWorkspace struct {
	dir     string
	summary string
	// finished: every threshold is met.
	finished bool
	created  time.Time
	// kind is the workspace's (bootstrap, claims ...); signsClaimed: it
	// signs PEP 480's claimed role.
	kind         workspace.Kind
	signsClaimed bool
}

// FindWorkspaces looks for workspaces in dir and its subdirectories, two
// levels deep.
func FindWorkspaces(dir string) tea.Cmd {
	return func() tea.Msg {
		var found []foundWorkspace
		var walk func(d string, depth int)
		walk = func(d string, depth int) {
			if workspace.IsWorkspace(d) {
				found = append(found, summarize(d))
				return
			}
			if depth == 0 {
				return
			}
			entries, err := os.ReadDir(d)
			if err != nil {
				return
			}
			for _, e := range entries {
				if e.IsDir() && e.Name()[0] != '.' {
					walk(filepath.Join(d, e.Name()), depth-1)
				}
			}
		}
		walk(dir, 2)
		slices.SortFunc(found, func(a, b foundWorkspace) int { return compareStrings(a.dir, b.dir) })
		names := map[string]bool{}
		if entries, err := os.ReadDir(dir); err == nil {
			for _, e := range entries {
				names[e.Name()] = true
			}
		}
		return workspacesFoundMsg{found: found, names: names}
	}
}

// summarize says what a workspace is and how far it got.
func summarize(dir string) foundWorkspace {
	f := foundWorkspace{dir: dir}
	st, err := ceremony.GetStatus(dir)
	if err != nil {
		f.summary = "unreadable: " + err.Error()
		return f
	}
	if w, err := workspace.Open(dir); err == nil {
		f.created = w.State.Created
	}
	met := 0
	for _, r := range st.Roles {
		if r.Met {
			met++
		}
	}
	state := fmt.Sprintf("%d of %d roles ready", met, len(st.Roles))
	if f.finished = st.AllMet(); f.finished {
		state = "every threshold met"
	}
	f.kind = st.Kind
	for _, r := range st.Roles {
		f.signsClaimed = f.signsClaimed || r.Role == plan.RoleClaimed
	}
	f.summary = fmt.Sprintf("%s %s, %s", st.Profile, st.Kind, state)
	return f
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reviewLoadedMsg is the change key keyID is about to sign, as lines.
type reviewLoadedMsg struct {
	keyID string
	lines []string
	err   error
}

// LoadReview runs 'ceremony review --key URI WS' and keeps the roles the
// key is about to sign: the lines a keyholder reads aloud before the PIN.
func LoadReview(eng *ceremony.Engine, ws, uri, keyID string) tea.Cmd {
	return func() tea.Msg {
		rep, err := eng.Review(ws, uri, time.Time{})
		if err != nil {
			return reviewLoadedMsg{keyID: keyID, err: err}
		}
		lines := append([]string(nil), rep.Lines...)
		for _, r := range rep.Roles {
			if r.Key != nil && (!r.Key.Authorized || r.Key.AlreadySigned) {
				continue
			}
			lines = append(lines, "")
			lines = append(lines, r.Lines...)
			for _, p := range r.Problems {
				lines = append(lines, "✗ "+p)
			}
		}
		return reviewLoadedMsg{keyID: keyID, lines: lines}
	}
}
