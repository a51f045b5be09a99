package tui

import (
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

// noteView shows the note being typed and who writes it; the end of a
// note longer than the window is wide, so the cursor stays in sight.
func (m Model) noteView() []string {
	s := m.styles
	by := "by " + safetext.Escape(m.noteAuthor())
	if len(m.noteAuthors()) > 1 {
		by += " (tab: someone else in the room)"
	}
	label := "note> "
	if m.skipAt != "" {
		label = "reason> "
	}
	prompt := s.Prompt.Render(label) + widget.NewText(safetext.Escape(m.note.String())).Tail(m.width-len(label)-2) + "█"
	if m.skipAt != "" {
		name := safetext.Escape(m.walk.person.Name)
		return []string{
			s.Title.Render("skip " + name + "? say why"),
			"",
			"the reason goes into the transcript with " + name + "'s key; " + name + " is passed",
			"over until the roll call is taken again. esc: not skipped.",
			"",
			by,
			prompt,
		}
	}
	return []string{
		s.Title.Render("add a note to the transcript"),
		"",
		"say what happened: a device that would not read, a keyholder replaced,",
		"a witness's remark.",
		"",
		by,
		prompt,
	}
}

// noteAuthors are who may write a note: the operator (--who), then each
// person the roll call marked present.
func (m Model) noteAuthors() []string {
	out := []string{m.who}
	for _, e := range m.walk.names() {
		if m.walk.present[e.name] && e.name != m.who {
			out = append(out, e.name)
		}
	}
	return out
}

// noteAuthor is who the note being typed is by.
func (m Model) noteAuthor() string {
	a := m.noteAuthors()
	return a[m.noteBy%len(a)]
}
