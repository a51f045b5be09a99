package widget

import tea "charm.land/bubbletea/v2"

// Text is a line being typed: a note, a form field's value.
type Text struct{ runes []rune }

// NewText is a line that holds s.
func NewText(s string) Text { return Text{[]rune(s)} }

// Insert is t with s typed at its end.
func (t Text) Insert(s string) Text {
	return Text{append(append(make([]rune, 0, len(t.runes)+len(s)), t.runes...), []rune(s)...)}
}

// Erase is t without its last character.
func (t Text) Erase() Text {
	if len(t.runes) == 0 {
		return t
	}
	return Text{append([]rune(nil), t.runes[:len(t.runes)-1]...)}
}

func (t Text) String() string { return string(t.runes) }

// Tail is the end of t that fits in room characters, "…" in front when
// some of it is cut, so that the cursor after it stays in sight.
func (t Text) Tail(room int) string {
	if room > 0 && len(t.runes) > room {
		return "…" + string(t.runes[len(t.runes)-room+1:])
	}
	return string(t.runes)
}

// Typed is the text msg types, "" for a key that types nothing: a named
// key, or a letter with ctrl, alt or super held.
func Typed(msg tea.KeyPressMsg) string {
	if msg.Mod&^tea.ModShift != 0 {
		return ""
	}
	return msg.Text
}
