package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/tui/widget"
)

func (m Model) sealView() []string {
	s := m.styles
	lines := []string{s.Title.Render("the seal · every threshold is met"), ""}
	if sw := m.walk.seal; sw.ready() {
		var names []string
		for _, p := range sw.queue {
			names = append(names, p.Name)
		}
		return append(lines, wrap(fmt.Sprintf("Every sealer left has signed: %s. Enter writes the seal with their signatures; after it the workspace takes no more signatures or notes. Esc drops these signatures, to choose again.", strings.Join(names, ", ")), m.width-2)...)
	}
	lines = append(lines, wrap("Sealing signs a statement of the final metadata files and of the transcript as it stands; after it the workspace takes no more signatures or notes. Each one marked signs it in turn, with their own device.", m.width-2)...)
	lines = append(lines, "", s.Title.Render("who seals"))
	list := m.walk.sealers()
	if len(list) == 0 {
		lines = append(lines, s.Pending.Render("  no one present holds a key that may seal: take the roll call again (esc)"))
	}
	for i, p := range list {
		role := "keyholder"
		if p.Witness {
			role = "witness"
		}
		lines = append(lines, fmt.Sprintf("%s %-9s %-9s %s", markRow(s, i == m.walk.seal.cursor, m.walk.seal.pick[p.KeyID]), p.Name, role, p.Device))
	}
	if n := len(m.walk.unsigned()); n > 0 {
		for _, l := range wrap(fmt.Sprintf("%s could still sign: signatures beyond a threshold are spares, should a key be lost. c calls %s before the seal.",
			countNoun(n, "present keyholder", "present keyholders"), plural(n, "them", "them")), m.width-2) {
			lines = append(lines, l)
		}
	}
	if m.walk.seal.beginning {
		lines = append(lines, "", "checking the workspace before the seal...")
	}
	return lines
}

// countNoun says n things, singular or plural: "1 keyholder has".
func countNoun(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// plural picks the word for n things.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (m Model) sealHelp() string {
	k := m.keys
	if m.walk.seal.ready() {
		return widget.HelpLine(k.Submit.With("write the seal"), k.Cancel.With("drop and choose again"), k.Quit)
	}
	bs := []Binding{k.Toggle.With("seals/not"), k.Submit.With("begin the seal")}
	if len(m.walk.unsigned()) > 0 {
		bs = append(bs, k.Call)
	}
	return m.help(append(bs, k.Cancel.With("roll call"), k.Note, k.Status, k.Quit)...)
}

// sealSignedLines is the signed screen of a sealer.
func (m Model) sealSignedLines(o *signOutcome) []string {
	s := m.styles
	p := o.person
	sw := m.walk.seal
	if o.err != nil {
		lines := []string{s.Error.Render(fmt.Sprintf("✗ %s did not sign the seal", p.Name)), ""}
		lines = append(lines, wrap(o.err.Error()+hintText(o.err), m.width-2)...)
		return append(lines, "", "Nothing of the seal is written until every sealer has signed.",
			"Enter goes back to the device; x leaves "+p.Name+" out of this seal.")
	}
	lines := []string{s.Met.Render(fmt.Sprintf("✓ %s signed the seal with %s (%d of %d)", p.Name, p.Device, len(sw.sigs), len(sw.queue))),
		"  the signature was verified against the key at once"}
	if len(sw.sigs) < len(sw.queue) {
		next := sw.queue[len(sw.sigs)]
		return append(lines, "", "next: "+next.Name+" with "+next.Device)
	}
	return append(lines, "", "next: the seal is written, then the bundle")
}

// sealedLines is the end of a sealed ceremony on the finish screen: the
// seal, the bundles recorded, the bundle written now and its words.
func (m Model) sealedLines() []string {
	s := m.styles
	st := m.walk.status
	lines := []string{s.Met.Render(fmt.Sprintf("✓ sealed at transcript record %d by %s", st.Seal.Record, safetext.Escape(st.Seal.By))),
		s.Dim.Render("  the workspace takes no more signatures or notes")}
	for _, b := range st.Bundles {
		for _, l := range wrap(fmt.Sprintf("record %d: %s", b.Record, safetext.Escape(b.Message)), m.width-4) {
			lines = append(lines, s.Dim.Render("  "+l))
		}
	}
	return lines
}

// wordsConfirmed reports whether the transcript records that the words of
// the bundle shown were copied onto the script.
func (m Model) wordsConfirmed() bool {
	if m.walk.bundle == nil || m.walk.status == nil {
		return false
	}
	for _, b := range m.walk.status.Bundles {
		if b.SHA256 == m.walk.bundle.SHA256 && b.Who != "" {
			return true
		}
	}
	return m.walk.seal.wordsAt != 0
}

// wordsPeople are who may confirm the words: everyone present, witnesses
// first; everyone the plan names when no roll call was taken here (a
// sealed workspace reopened).
func (w walk) wordsPeople() []string {
	var out []string
	for _, e := range w.names() {
		if w.present[e.name] || !w.called {
			out = append(out, e.name)
		}
	}
	return out
}

// openWords asks who confirms that the words are on the script.
func (m Model) openWords() (tea.Model, tea.Cmd) {
	sw := &m.walk.seal
	sw.words, sw.wordsCursor = map[string]bool{}, 0
	for _, e := range m.walk.names() {
		if e.witness && m.walk.present[e.name] && m.walk.called {
			sw.words[e.name] = true
		}
	}
	m.open(screenWords)
	return m, nil
}

func (m Model) wordsView() []string {
	s := m.styles
	b := m.walk.bundle
	lines := []string{s.Title.Render("the bundle's words · who copied them onto the script?"), ""}
	lines = append(lines, wrap("Read the words aloud; someone in the room copies them onto the printed script and reads them back. Mark who confirmed they match; enter records it in the transcript (the bundle does not change).", m.width-2)...)
	lines = append(lines, "")
	for _, l := range wrap(b.PGPWords, m.width-4) {
		lines = append(lines, "  "+s.Prompt.Render(l))
	}
	lines = append(lines, "")
	people := m.walk.wordsPeople()
	if len(people) == 0 {
		lines = append(lines, s.Pending.Render("  the plan names no one to confirm them"))
	}
	for i, n := range people {
		lines = append(lines, markRow(s, i == m.walk.seal.wordsCursor, m.walk.seal.words[n])+" "+n)
	}
	return lines
}

func (m Model) wordsHelp() string {
	k := m.keys
	return widget.HelpLine(k.Toggle.With("confirmed/not"), k.Submit.With("record"), k.Cancel.With("back"), k.Quit)
}

func (m Model) updateWords(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if m.keys.Quit.Matches(msg) {
		return m, tea.Quit
	}
	sw := &m.walk.seal
	people := m.walk.wordsPeople()
	switch {
	case sw.recordingWords:
		return m, nil
	case m.keys.Cancel.Matches(msg):
		m.open(screenFinish)
	case m.keys.Up.Matches(msg):
		sw.wordsCursor = max(sw.wordsCursor-1, 0)
	case m.keys.Down.Matches(msg):
		sw.wordsCursor = min(sw.wordsCursor+1, max(len(people)-1, 0))
	case m.keys.Toggle.Matches(msg) && len(people) > 0:
		n := people[sw.wordsCursor]
		sw.words = copyMap(sw.words)
		sw.words[n] = !sw.words[n]
	case m.keys.Submit.Matches(msg):
		var who []string
		for _, n := range people {
			if sw.words[n] {
				who = append(who, n)
			}
		}
		if len(who) == 0 {
			m.setError("no one is marked: space marks who read the words back from the script")
			return m, nil
		}
		sw.recordingWords = true
		m.setInfo("recording who confirmed the words...")
		return m, RecordWords(m.ws, slices.Clone(who), m.walk.bundle.SHA256)
	}
	return m, nil
}

// wordsRecordedMsg is the words' record, or why it was not made.
type wordsRecordedMsg struct {
	seq int64
	who []string
	err error
}

// RecordWords records who confirmed the bundle's words on the script.
func RecordWords(ws string, who []string, sum string) tea.Cmd {
	return func() tea.Msg {
		rec, err := ceremony.RecordWordsCopied(ws, who, sum)
		return wordsRecordedMsg{seq: rec.Seq, who: who, err: err}
	}
}

func (m Model) wordsRecorded(msg wordsRecordedMsg) (tea.Model, tea.Cmd) {
	m.walk.seal.recordingWords = false
	if msg.err != nil {
		m.setError("not recorded: %v", msg.err)
		return m, nil
	}
	m.walk.seal.wordsAt = msg.seq
	m.setInfo("record %d: the words are on the script, confirmed by %s", msg.seq, strings.Join(msg.who, ", "))
	m.open(screenFinish)
	return m, LoadStatus(m.ws)
}
