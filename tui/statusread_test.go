package tui

import "testing"

// A status read that started earlier and ends later is not shown over a
// later one: after a signature, the counts never go back.
func TestStaleStatusReadIsNotShown(t *testing.T) {
	m := walkModel()
	later, earlier := fakeStatus(), fakeStatus()
	later.Warnings = []string{"the later read"}
	m, _ = update(t, m, statusLoadedMsg{status: later, ws: m.ws, read: 7})
	m, _ = update(t, m, statusLoadedMsg{status: earlier, ws: m.ws, read: 6})
	if w := m.walk.status.Warnings; len(w) != 1 || w[0] != "the later read" {
		t.Fatalf("an earlier read replaced a later one: warnings %q", w)
	}
	m, _ = update(t, m, statusLoadedMsg{status: earlier, ws: "another-ws", read: 9})
	if w := m.walk.status.Warnings; len(w) != 1 {
		t.Fatal("another workspace's status was shown")
	}
}
