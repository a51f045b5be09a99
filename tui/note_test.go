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
	m = run[noteRecordedMsg](t, m, cmd)
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
