package tui

// notePrompt is the text of a note being typed.
type notePrompt struct{ text []rune }

func (n notePrompt) insert(s string) notePrompt {
	n.text = append(append([]rune(nil), n.text...), []rune(s)...)
	return n
}

func (n notePrompt) erase() notePrompt {
	if len(n.text) > 0 {
		n.text = append([]rune(nil), n.text[:len(n.text)-1]...)
	}
	return n
}

func (n notePrompt) String() string { return string(n.text) }

// view shows the end of a note longer than the window is wide, so the
// cursor stays in sight.
func (n notePrompt) view(width int, s Styles) []string {
	text := n.text
	if room := width - len("note> ") - 2; room > 0 && len(text) > room {
		text = append([]rune("…"), text[len(text)-room+1:]...)
	}
	return []string{
		s.Title.Render("add a note to the transcript"),
		"",
		"say what happened: a device that would not read, a keyholder replaced,",
		"a witness's remark.",
		"",
		s.Prompt.Render("note> ") + string(text) + "█",
	}
}
