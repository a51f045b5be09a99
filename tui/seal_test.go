package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/tuf-ceremony/ceremony/ceremony"
	"github.com/tuf-ceremony/ceremony/transcripts"
)

// sealAll seals from the seal screen with whoever is marked, each with a
// file key and the passphrase, and returns on the finish screen once the
// bundle is written.
func sealAll(t *testing.T, m Model) Model {
	t.Helper()
	if m.screen != screenSeal {
		t.Fatalf("screen %s, want the seal:\n%s", m.screen, view(m))
	}
	m, cmd := update(t, m, key("enter"))
	m = run[sealBegunMsg](t, m, cmd)
	for m.screen == screenDevice {
		name := m.walk.person.Name
		m = run[deviceCheckedMsg](t, m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen))
		mustShowWrapped(t, m, name+"'s turn · to seal the ceremony", "is here and holds")
		m, _ = update(t, m, key("enter"))
		mustShow(t, m, "what "+name+" is about to sign", "The seal is a signed statement", ".json, SHA-256:")
		m, _ = update(t, m, keyCode(tea.KeyEnd))
		m, cmd = update(t, m, key("y"))
		var msg tea.Msg
		m, msg = withPassphrase(t, m, cmd)
		done := msg.(sealSignedMsg)
		if done.err != nil {
			t.Fatalf("%s's seal signature: %v", name, done.err)
		}
		m, _ = update(t, m, done)
		mustShow(t, m, "✓ "+name+" signed the seal")
		m, cmd = update(t, m, key("enter"))
		if m.walk.seal.finishing {
			if _, again := update(t, m, key("enter")); again != nil {
				t.Fatal("enter while the seal is written wrote it again")
			}
			m = run[sealFinishedMsg](t, m, cmd)
			if !m.walk.sealed() || strings.Contains(view(m), "enter goes to the seal") {
				t.Fatalf("just sealed, the app does not know it:\n%s", view(m))
			}
			for _, msg := range execBatch(cmd2(m)) {
				m, _ = update(t, m, msg)
			}
		}
	}
	return m
}

// cmd2 is the command sealFinished answered with: the status and the bundle.
func cmd2(m Model) tea.Cmd {
	return tea.Batch(LoadStatus(m.ws), WriteBundle(m.engine, m.ws, m.bundlePath()))
}

// TestSealInTheApp: once every threshold is met the app moves to the seal,
// each sealer signs at their device, the bundle is written, the words are
// confirmed; reopened, the sealed workspace opens at its end, appends
// nothing, and writes the very same bundle again.
func TestSealInTheApp(t *testing.T) {
	ws := fileWorkspace(t)
	m := toDevice(t, ws)
	for m.screen == screenDevice {
		m = signFileTurn(t, m)
		m, _ = update(t, m, key("enter"))
	}
	// root 2 of 3 and targets 1 of 1: alice and bob; carol is not called.
	mustShow(t, m, "the seal · every threshold is met", "[x] alice", "[ ] bob", "1 present keyholder could still sign", "c calls them")
	// x marks bob too.
	m, _ = update(t, m, key("down"))
	m, _ = update(t, m, key("space"))
	m = sealAll(t, m)
	mustShow(t, m, "✓ sealed at transcript record", "by alice, bob", "✓ bundle written: "+ws+".bundle.tar", "enter: the words are copied onto the script")
	st, err := ceremony.GetStatus(ws)
	if err != nil || st.Seal == nil || st.Seal.By != "alice, bob" || len(st.Bundles) != 1 {
		t.Fatalf("status after the seal in the app: %+v %v", st, err)
	}
	first := m.walk.bundle
	data, err := os.ReadFile(first.Out)
	if err != nil {
		t.Fatal(err)
	}

	// A note now is refused on the screen; nothing is appended.
	m, _ = update(t, m, key("n"))
	if m.screen != screenFinish || !strings.Contains(m.statusLine, "sealed") {
		t.Fatalf("n on a sealed workspace: screen %s, %q", m.screen, m.statusLine)
	}
	m, _ = update(t, m, key("enter"))
	mustShow(t, m, "who copied them onto the script", first.PGPWords[:20])
	m, cmd := update(t, m, key("enter"))
	if cmd != nil || !m.statusErr {
		t.Fatal("words recorded with no one marked")
	}
	m, _ = update(t, m, key("space"))
	m, cmd = update(t, m, key("enter"))
	m = run[wordsRecordedMsg](t, m, cmd)
	if !strings.Contains(m.statusLine, "confirmed by alice") {
		t.Fatalf("after the words: %q", m.statusLine)
	}
	recs, err := transcripts.ReadRecords(filepath.Join(ws, "transcript"))
	if err != nil {
		t.Fatal(err)
	}
	last := recs[len(recs)-1]
	if last.Kind != transcripts.Bundle || last.Outputs["bundle"] != first.SHA256 || !strings.Contains(last.Message, "copied onto the ceremony script; confirmed by alice") {
		t.Fatalf("the words' record: %+v", last)
	}

	// Reopened: the end screen, read-only; b gives the same bytes and
	// appends nothing.
	m = New(eng, ws).WithStyles(DefaultStyles(true))
	m = run[statusLoadedMsg](t, m, m.Init())
	if m.screen != screenFinish {
		t.Fatalf("a sealed workspace opened at %s", m.screen)
	}
	mustShow(t, m, "✓ sealed at transcript record", "b writes the bundle", "nothing is appended")
	// No roll call was taken in this session: anyone the plan names may
	// confirm the words.
	if got := strings.Join(m.walk.wordsPeople(), ", "); got != "alice, bob, carol" {
		t.Fatalf("who may confirm the words after reopening: %q", got)
	}
	if strings.Contains(view(m), "roll call") {
		t.Fatalf("the sealed workspace offers the roll call:\n%s", view(m))
	}
	m, cmd = update(t, m, key("b"))
	m = run[bundleDoneMsg](t, m, cmd)
	mustShowWrapped(t, m, "holds this very bundle already (the same bytes); the transcript named it at record")
	again, err := os.ReadFile(first.Out)
	if err != nil || string(again) != string(data) {
		t.Fatalf("the bundle changed when written again: %v", err)
	}
	after, err := transcripts.ReadRecords(filepath.Join(ws, "transcript"))
	if err != nil || len(after) != len(recs) {
		t.Fatalf("reopening and writing the bundle again appended %d records (%v)", len(after)-len(recs), err)
	}
	m, cmd = update(t, m, key("v"))
	m = run[verifyDoneMsg](t, m, cmd)
	mustShowWrapped(t, m, "✓ verify", "✓ replay", "(sealed by alice, bob)")
}

// signFileTurn signs the current keyholder's turn with their file key,
// the review showing each of reviewShows, and returns at the signed screen
// with the status read.
func signFileTurn(t *testing.T, m Model, reviewShows ...string) Model {
	t.Helper()
	m = run[deviceCheckedMsg](t, m, CheckDevice(m.engine, m.ws, m.walk.keyID, m.walk.gen))
	name := m.walk.person.Name
	mustShowWrapped(t, m, "holds "+name+"'s key")
	m, cmd := update(t, m, key("enter"))
	m = run[reviewLoadedMsg](t, m, cmd)
	mustShow(t, m, append([]string{"what " + name + " is about to sign"}, reviewShows...)...)
	m, _ = update(t, m, keyCode(tea.KeyEnd))
	m, cmd = update(t, m, key("y"))
	m, msg := withPassphrase(t, m, cmd)
	done := msg.(signDoneMsg)
	if done.err != nil {
		t.Fatalf("%s: %v", name, done.err)
	}
	m, cmd = update(t, m, done)
	m = run[statusLoadedMsg](t, m, cmd)
	mustShow(t, m, "✓ "+name+" signed")
	return m
}

// withPassphrase runs cmd, a signing, answering its passphrase request
// with the test's passphrase, and returns the signing's outcome.
func withPassphrase(t *testing.T, m Model, cmd tea.Cmd) (Model, tea.Msg) {
	t.Helper()
	msgs := make(chan tea.Msg, 4)
	m.bridge.Attach(func(msg tea.Msg) { msgs <- msg })
	go func() { msgs <- cmd() }()
	m, _ = update(t, m, next(t, msgs).(secretRequestMsg))
	m = typeText(t, m, passphrase)
	m, cmd = update(t, m, key("enter"))
	cmd()
	return m, next(t, msgs)
}

// sealGoldenCases are the screens of the seal, for the golden test.
func sealGoldenCases() map[string]func() Model {
	met := func() Model {
		m := walkModel()
		for i := range m.walk.status.Roles {
			c := &m.walk.status.Roles[i].Thresholds[0]
			c.Signed, c.Missing, c.Met = append(c.Signed, c.Missing...), nil, true
			m.walk.status.Roles[i].Met = true
		}
		return m
	}
	return map[string]func() Model{
		"seal": func() Model {
			r, _ := met().openSeal()
			return r.(Model)
		},
		"seal-review": func() Model {
			m := met()
			m.walk.seal.draft = &ceremony.SealDraft{Dir: "ws", Head: "64840d341a2616786ec86e4a42420b63b5ff2e3c6177db2ae4837b6ec356114f", Records: 14,
				Statement: ceremony.Statement{Subject: []ceremony.StatementSubject{
					{Name: "metadata/root.json", Digest: map[string]string{"sha256": "f522e8ed87db098ca1d8c04f9f4ef06e7e7b9a5a04f706531e2760ad781a4b01"}},
					{Name: "metadata/targets.json", Digest: map[string]string{"sha256": "b335015fcb252d2215cf7aa9375024c99246f6380785ab7a01ed8f1e9fb9c2cd"}}}}}
			m.walk.seal.queue = []ceremony.Person{m.walk.status.People[0], m.walk.status.People[3]}
			m.walk.review = sealReview(m.walk.seal.draft)
			m.open(screenReview)
			m.walk.reviewSeen = m.reviewAtEnd() // as the app sets it when the review arrives
			return m
		},
		"words": func() Model {
			m := met()
			m.walk.status.Seal = &ceremony.SealStatus{Record: 12, By: "alice, wendy"}
			m.walk.bundle = &ceremony.BundleResult{Out: "ws.bundle.tar",
				SHA256:   "6e24932e0c7d02e45dcd6335a591d22b38a26adfe3f03d4e532297df9011a4e2",
				PGPWords: "goldfish Capricorn playhouse coherence ammo insincere accrue tradition exceed sandalwood flatfoot conformist reindeer miracle standard Cherokee classic Pacific Geiger therapist tissue upcoming commence distortion dwelling candidate preshrunk therapist peachy Babylon regain tomorrow"}
			r, _ := m.openWords()
			return r.(Model)
		},
	}
}
