package widget

import tea "charm.land/bubbletea/v2"

// Field is one line of a form.
type Field struct {
	Label string
	Value Text
	// Optional fields may stay empty.
	Optional bool
	// YesNo fields hold "yes" or "no": y and n set them, toggle flips them.
	YesNo bool
}

// Update is f after msg: a yes/no field takes y, n and toggle; any other
// field takes typed text and erase. Other keys leave it as it was.
func (f Field) Update(msg tea.KeyPressMsg, toggle, erase Binding) Field {
	if f.YesNo {
		switch {
		case msg.Text == "y":
			f.Value = NewText("yes")
		case msg.Text == "n":
			f.Value = NewText("no")
		case toggle.Matches(msg) && f.Value.String() == "yes":
			f.Value = NewText("no")
		case toggle.Matches(msg):
			f.Value = NewText("yes")
		}
		return f
	}
	if erase.Matches(msg) {
		f.Value = f.Value.Erase()
		return f
	}
	if s := Typed(msg); s != "" {
		f.Value = f.Value.Insert(s)
	}
	return f
}
