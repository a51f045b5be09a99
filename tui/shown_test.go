package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/tuf-ceremony/ceremony/ceremony"
)

// TestHostileTextIsEscaped: what the app shows from a workspace (names,
// contacts, devices, the repository, warnings), from errors and from any
// text it wraps reaches the terminal escaped; the key URI, which opens
// the key, is kept as it is, and the loaded status is not changed.
func TestHostileTextIsEscaped(t *testing.T) {
	st := &ceremony.Status{Repository: "pypi\x1b[2J", Warnings: []string{"w\u202e"},
		People: []ceremony.Person{{Name: "eve\x1b[8m", Contact: "c\u2066", Device: "d\x9b", URI: "file:keys/e.key"}},
		Roles:  []ceremony.RoleStatus{{Role: "root"}}}
	got := shownStatus(st)
	p := got.People[0]
	for _, s := range []string{got.Repository, got.Warnings[0], p.Name, p.Contact, p.Device} {
		if strings.ContainsAny(s, "\x1b\u202e\u2066\u009b") {
			t.Errorf("shown as it is: %q", s)
		}
	}
	if got.Repository != `pypi\u001b[2J` || p.Name != `eve\u001b[8m` || p.URI != "file:keys/e.key" {
		t.Errorf("shown: %q, %q, URI %q", got.Repository, p.Name, p.URI)
	}
	if st.Repository != "pypi\x1b[2J" || st.People[0].Name != "eve\x1b[8m" {
		t.Error("shownStatus changed the loaded status")
	}
	var m Model
	m.setError("failed: %v", errors.New("token x\x1b[1A\x1b[2K"))
	if strings.Contains(m.statusLine, "\x1b") || !strings.Contains(m.statusLine, `\u001b[1A`) {
		t.Errorf("status line %q", m.statusLine)
	}
	for _, l := range wrap("path\x1b[1A\x1b[2K  targets: none\x1b[8m", 40) {
		if strings.Contains(l, "\x1b") {
			t.Errorf("wrapped line %q", l)
		}
	}
}
