package tui

import (
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// noteView shows the note being typed; the end of a note longer than the
// window is wide, so the cursor stays in sight.
func noteView(text widget.Text, width int, s Styles) []string {
	return []string{
		s.Title.Render("add a note to the transcript"),
		"",
		"say what happened: a device that would not read, a keyholder replaced,",
		"a witness's remark.",
		"",
		s.Prompt.Render("note> ") + widget.NewText(safetext.Escape(text.String())).Tail(width-len("note> ")-2) + "█",
	}
}
