package tui

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/transcripts"
	"github.com/tuf-ceremony/ceremony/workspace"
)

// TestNoteAsksWhoWritesIt: a note is by the operator unless tab picks
// someone the roll call marked present; the transcript records who.
func TestNoteAsksWhoWritesIt(t *testing.T) {
	ws := fileWorkspace(t)
	m := toDevice(t, ws)
	m, _ = update(t, m, key("n"))
	mustShow(t, m, "by operator (tab: someone else in the room)", "tab who writes it")
	m, _ = update(t, m, key("tab"))
	mustShow(t, m, "by alice")
	m = typeText(t, m, "alice's YubiKey needed a second try")
	m, cmd := update(t, m, key("enter"))
	// Back on the device screen, the device is looked for again.
	var recorded, checking bool
	for _, msg := range execBatch(cmd) {
		_, isRec := msg.(noteRecordedMsg)
		_, isCheck := msg.(deviceCheckedMsg)
		recorded, checking = recorded || isRec, checking || isCheck
		m, _ = update(t, m, msg)
	}
	if !recorded || !checking || m.screen != screenDevice {
		t.Fatalf("after the note: recorded %v, device checked %v, screen %s", recorded, checking, m.screen)
	}
	notes := recordNotes(t, ws)
	if len(notes) == 0 || !strings.Contains(notes[len(notes)-1], "alice's YubiKey needed a second try") {
		t.Fatalf("notes: %q", notes)
	}
	if who := lastNoteBy(t, ws); who != "alice" {
		t.Fatalf("the note is by %q, want alice", who)
	}
}

// lastNoteBy is who the transcript's last note is by.
func lastNoteBy(t *testing.T, ws string) string {
	t.Helper()
	recs, err := transcripts.ReadRecords(filepath.Join(ws, workspace.TranscriptDir))
	if err != nil {
		t.Fatal(err)
	}
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Kind == transcripts.Note {
			return recs[i].Who
		}
	}
	return ""
}

// noteGoldenCases are the note screen, for the golden test.
func noteGoldenCases() map[string]func() Model {
	return map[string]func() Model{
		"note-by": func() Model {
			m := walkModel()
			m.walk.called = true
			m.open(screenNote)
			m.noteBy = 2
			m.note = m.note.Insert("bob's YubiKey was read on the second try")
			return m
		},
	}
}
