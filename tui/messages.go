package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// statusLoadedMsg carries a workspace's fresh status.
type statusLoadedMsg struct{ status *ceremony.Status }

// statusFailedMsg says the status could not be read.
type statusFailedMsg struct{ err error }

// noteRecordedMsg says a note became transcript record seq.
type noteRecordedMsg struct{ seq int64 }

// noteFailedMsg says a note was refused or could not be written.
type noteFailedMsg struct{ err error }

// LoadStatus reads the workspace's status.
func LoadStatus(ws string) tea.Cmd {
	return func() tea.Msg {
		st, err := ceremony.GetStatus(ws)
		if err != nil {
			return statusFailedMsg{err}
		}
		return statusLoadedMsg{st}
	}
}

// RecordNote appends a note by who to the workspace's transcript.
func RecordNote(ws, who, text string) tea.Cmd {
	return func() tea.Msg {
		rec, err := ceremony.Note(ws, who, text)
		if err != nil {
			return noteFailedMsg{err}
		}
		return noteRecordedMsg{int64(rec.Seq)}
	}
}
