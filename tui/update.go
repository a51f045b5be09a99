package tui

import (
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// Update handles what every screen shares, then routes to the current one.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		resized := msg.Width != m.width
		m.width, m.height = msg.Width, msg.Height
		if resized && m.claims.lines != nil {
			m = m.keepClaimsLines()
		}
		return m, nil
	case tea.KeyPressMsg:
		return m.updateKey(msg)
	case statusLoadedMsg:
		return m.statusLoaded(msg)
	case statusFailedMsg:
		return m.statusFailed(msg), nil
	case noteRecordedMsg:
		m.setInfo("note recorded as transcript record %d", msg.seq)
		return m, nil
	case noteFailedMsg:
		m.setError("note not recorded: %v", msg.err)
		return m, nil
	case workspacesFoundMsg:
		m.chooser.found, m.chooser.names, m.chooser.scanned = msg.found, msg.names, true
		return m, nil
	case initDoneMsg:
		m.ws = msg.ws
		m.setInfo("created workspace %s", msg.ws)
		m.walk = newWalk()
		m.walk.loading = true
		m.open(screenPlan)
		return m, LoadStatus(m.ws)
	case initFailedMsg:
		m.setError("%v", msg.err)
		return m, nil
	case rollCallRecordedMsg:
		m.setInfo("roll call recorded as transcript record %d", msg.seq)
		return m.nextKeyholder()
	case deviceCheckedMsg:
		return m.deviceChecked(msg)
	case devicePollMsg:
		if msg.gen != m.walk.gen || m.screen != screenDevice {
			return m, nil
		}
		return m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen)
	case touchedMsg:
		return m.touched(msg), nil
	case trayDoneMsg:
		if msg.err != nil {
			m.setError("%v", msg.err)
		} else {
			m.setInfo("%s", msg.what)
		}
		m.open(screenDevice)
		m.walk.gen++
		return m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen)
	case reviewLoadedMsg:
		if msg.keyID != m.walk.keyID || m.walk.seal.active() {
			return m, nil
		}
		m.walk.review, m.walk.reviewErr, m.walk.reviewScroll, m.walk.reviewSeen = msg.lines, msg.err, widget.Scroll{}, false
		m.walk.reviewSeen = m.reviewAtEnd()
		return m, nil
	case secretRequestMsg:
		return m.secretRequested(msg)
	case notifyMsg:
		return m.notified(msg)
	case touchStartMsg:
		if !m.walk.signing || m.screen != screenSigning {
			return m, nil
		}
		return m.touchFrom(msg.at)
	case touchTickMsg:
		if m.screen != screenTouch {
			return m, nil
		}
		m.walk.touchNow = msg.at
		return m, touchTick()
	case signDoneMsg:
		return m.signDone(msg)
	case unblockDoneMsg:
		return m.unblocked(msg)
	case bundleDoneMsg:
		m.walk.bundling = false
		if msg.err != nil {
			m.setError("bundle not written: %v", msg.err)
			return m, nil
		}
		m.walk.bundle = msg.res
		m.clearStatus()
		// The status names the bundle records.
		return m, LoadStatus(m.ws)
	case rotationPlannedMsg:
		return m.rotationPlanned(msg)
	case rotationCreatedMsg:
		return m.rotationCreated(msg)
	case rotationCreateFailedMsg:
		m.rotate.creating = false
		m.setError("the workspace was not created: %v", msg.err)
		return m, nil
	case kindLoadedMsg:
		return m.kindLoaded(msg)
	case claimsReviewedMsg:
		return m.claimsReviewed(msg)
	case claimsCreatedMsg:
		return m.claimsCreated(msg)
	case claimsCreateFailedMsg:
		m.claims.creating = false
		m.setError("the workspace was not created: %v", msg.err)
		return m, nil
	case verifyDoneMsg:
		m.result = resultScreen{title: msg.title, lines: msg.lines, ok: msg.ok}
		m.open(screenResult)
		m.clearStatus()
		return m, nil
	}
	return m.updateEnds(msg)
}

// updateEnds handles the messages of the ends of a ceremony: the date
// confirmed before a workspace is made, the seal and the bundle's words.
func (m Model) updateEnds(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case sealBegunMsg:
		return m.sealBegun(msg)
	case sealSignedMsg:
		return m.sealSigned(msg)
	case sealFinishedMsg:
		return m.sealFinished(msg)
	case wordsRecordedMsg:
		return m.wordsRecorded(msg)
	case dateClockMsg:
		return m.clockRead(msg)
	}
	return m, nil
}

func (m Model) updateKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if isAbort(msg) {
		return m.abort()
	}
	if p, ok := pageOf(m.screen); ok {
		return p.update(m, msg)
	}
	return m, nil
}

// abort handles ctrl+c. Nothing is lost by quitting: every step is in the
// transcript before it counts. A signing in progress is let finish (its
// PIN prompt answered "cancelled") so that it records its outcome; a
// second ctrl+c leaves at once.
func (m Model) abort() (tea.Model, tea.Cmd) {
	if m.walk.seal.finishing && !m.quitting {
		m.quitting = true
		m.setError("stopping: letting the seal be written (ctrl+c again leaves at once)")
		return m, nil
	}
	if !m.walk.signing || m.quitting {
		return m, tea.Quit
	}
	m.quitting = true
	m.setError("stopping: letting the device finish (ctrl+c again leaves at once)")
	if m.walk.pin.pending() {
		reply := m.walk.pin.reply
		m.walk.pin.drop()
		return m, answer(reply, nil, errCancelled)
	}
	return m, nil
}

// common handles the keys every walk-through screen shares: quit, note,
// status, help. It reports whether it used the key.
func (m Model) common(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	switch {
	case m.keys.Quit.Matches(msg):
		if m.walk.signing || m.walk.seal.finishing {
			r, cmd := m.abort()
			return r.(Model), cmd, true
		}
		return m, tea.Quit, true
	case m.keys.Note.Matches(msg) && m.noteRefused() != "":
		m.setError("%s", m.noteRefused())
		return m, nil, true
	case m.keys.Note.Matches(msg) && m.ws != "" && !m.walk.loading && m.walk.status != nil:
		m.open(screenNote)
		m.note, m.noteBy = widget.Text{}, 0
		return m, nil, true
	case m.keys.Status.Matches(msg) && m.walk.status != nil:
		m.dash = dashboard{status: m.walk.status}
		m.open(screenDashboard)
		return m, nil, true
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
		return m, nil, true
	}
	return m, nil, false
}

// noteRefused says why no note may be added now, "" if one may: a sealed
// transcript takes none, and one under way to its seal must not move.
func (m Model) noteRefused() string {
	switch {
	case m.walk.sealed():
		return "the ceremony is sealed: its transcript takes no more notes"
	case m.walk.seal.active() || m.walk.seal.beginning:
		return "a seal is under way: a note now would change the transcript it seals; add it before the seal, or after it in a new ceremony"
	}
	return ""
}

// statusFailed says the workspace could not be read; counts shown are
// from before (stale) if a recount was asked.
func (m Model) statusFailed(msg statusFailedMsg) Model {
	if m.staleRead(msg.ws, msg.read) {
		return m
	}
	m.walk.statusRead = max(m.walk.statusRead, msg.read)
	m.walk.stale = m.walk.stale || m.walk.recounting
	m.dash.loading, m.walk.loading, m.walk.recounting, m.walk.advance = false, false, false, false
	m.setError("failed to read the workspace: %v", msg.err)
	return m
}

// staleRead says whether a status read is not to be shown: of another
// workspace than the one open now, or started before the one shown last
// (tests build messages with no read number: shown).
func (m Model) staleRead(ws string, read int64) bool {
	return (ws != "" && ws != m.ws) || (read != 0 && read < m.walk.statusRead)
}

func (m Model) statusLoaded(msg statusLoadedMsg) (tea.Model, tea.Cmd) {
	if m.staleRead(msg.ws, msg.read) {
		return m, nil
	}
	m.walk.statusRead = max(m.walk.statusRead, msg.read)
	msg.status = shownStatus(msg.status)
	m.dash = dashboard{status: msg.status}
	m.walk.status, m.walk.loading = msg.status, false
	if m.statusErr {
		m.clearStatus()
	}
	if m.walk.sealed() && (m.screen == screenPlan || m.screen == screenRollCall || m.screen == screenSeal) {
		// A sealed workspace opens at its end, where nothing is appended.
		m.open(screenFinish)
	}
	m.walk.stale = false
	if m.walk.recounting {
		m.walk.recounting = false
		if m.walk.advance && m.screen == screenSigned {
			m.walk.advance = false
			m.clearStatus()
			r, cmd := m.nextKeyholder()
			r2, cmd2 := r.(Model).loadKind()
			return r2, tea.Batch(cmd, cmd2)
		}
	}
	return m.loadKind()
}

func (m Model) updateDashboard(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Quit.Matches(msg):
		return m, tea.Quit
	case m.keys.Refresh.Matches(msg):
		m.dash.loading = true
		m.clearStatus()
		return m, LoadStatus(m.ws)
	case m.keys.Note.Matches(msg) && m.noteRefused() != "":
		m.setError("%s", m.noteRefused())
		return m, nil
	case m.keys.Note.Matches(msg):
		m.screen, m.note, m.noteBy = screenNote, widget.Text{}, 0
		return m, nil
	case m.keys.Help.Matches(msg):
		m.showHelp = !m.showHelp
		return m, nil
	case m.keys.Cancel.Matches(msg) && m.back != screenDashboard:
		m.screen = m.back
		return m.returned()
	}
	return m, nil
}

// returned starts again what the screen come back to needs: the device
// screen looks for the device again (its polling stopped while away).
func (m Model) returned() (tea.Model, tea.Cmd) {
	if m.screen != screenDevice {
		return m, nil
	}
	m.walk.gen++
	return m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen)
}

func (m Model) updateNote(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Cancel.Matches(msg) && m.skipAt != "":
		m.screen, m.note, m.skipAt = m.back, widget.Text{}, ""
		m.setInfo("%s is not skipped", m.walk.person.Name)
		return m.returned()
	case m.keys.Cancel.Matches(msg):
		m.screen, m.note = m.back, widget.Text{}
		m.setInfo("note cancelled")
		return m.returned()
	case m.keys.Submit.Matches(msg) && m.skipAt != "" && strings.TrimSpace(m.note.String()) == "":
		m.setError("say why %s is skipped: the reason goes into the transcript", m.walk.person.Name)
		return m, nil
	case m.keys.Submit.Matches(msg) && m.skipAt != "":
		return m.skipWithReason(m.noteAuthor(), strings.TrimSpace(m.note.String()))
	case m.keys.Submit.Matches(msg):
		text, by := m.note.String(), m.noteAuthor()
		m.screen, m.note = m.back, widget.Text{}
		m.setInfo("recording the note by %s...", by)
		r, cmd := m.returned()
		return r, tea.Batch(RecordNote(m.ws, by, text), cmd)
	case m.keys.NextFld.Matches(msg) && msg.String() == "tab":
		m.noteBy = (m.noteBy + 1) % len(m.noteAuthors())
		return m, nil
	case m.keys.Erase.Matches(msg):
		m.note = m.note.Erase()
		return m, nil
	}
	if s := widget.Typed(msg); s != "" {
		m.note = m.note.Insert(s)
	}
	return m, nil
}

func (m Model) updateResult(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case m.keys.Quit.Matches(msg):
		return m, tea.Quit
	case m.keys.Cancel.Matches(msg) && m.walk.bundle != nil:
		m.open(screenFinish)
		return m, nil
	case m.keys.Cancel.Matches(msg) && m.chooser.dir != "":
		m.open(screenChooser)
		return m, nil
	}
	if next, ok := m.result.Scroll.Update(msg, m.keys.scroll(), len(m.resultLines()), m.resultRoom()); ok {
		m.result.Scroll = next
	}
	return m, nil
}

// touchTick is the touch screen's one-second clock.
func touchTick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return touchTickMsg{at: t} })
}
