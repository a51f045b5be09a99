package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// today is the date the room confirms in tests: the machine's own.
func today() string { return time.Now().UTC().Format("2006-01-02") }

func TestConfirmDate(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		date, clock string
		ok          bool
	}{
		{"2026-12-06", "2026-12-06 10:30", true},
		// 09:00 on the 6th at UTC+14 and at UTC-12.
		{"2026-12-06", "2026-12-05 19:00", true},
		{"2026-12-06", "2026-12-06 21:00", true},
		// The edges of the day anywhere on Earth.
		{"2026-12-06", "2026-12-05 10:00", true},
		{"2026-12-06", "2026-12-05 09:59", false},
		{"2026-12-06", "2026-12-07 11:59", true},
		{"2026-12-06", "2026-12-07 12:00", false},
		{"2026-12-06", "2031-12-06 10:30", false},
		{"2026-12-06", "2023-01-01 10:30", false},
	} {
		rec, err := confirmDate(c.date, at(c.clock))
		if (err == nil) != c.ok {
			t.Errorf("--date %s with the clock at %s UTC: %v", c.date, c.clock, err)
		}
		if c.ok && !strings.Contains(rec, c.date) || !c.ok && (err == nil || !strings.Contains(err.Error(), "set the clock first")) {
			t.Errorf("--date %s with the clock at %s UTC: record %q, error %v", c.date, c.clock, rec, err)
		}
	}
	for _, date := range []string{"", "6/12/2026", "2026-13-01"} {
		if _, err := confirmDate(date, at("2026-12-06 10:30")); err == nil {
			t.Errorf("--date %q accepted", date)
		}
	}
}

// TestInitConfirmsTheDate: init refuses without --date, and with a date it
// is nowhere by the machine's clock, writing nothing; with today's date it
// records the confirmation in the transcript.
func TestInitConfirmsTheDate(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("pass", []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := "profile: rstuf\nkeyholders:\n  - {name: a, key: \"file:a.key\"}\n  - {name: b, key: \"file:b.key\"}\nroles:\n  root: {keyholders: [a, b], threshold: 2}\n  bins: {count: 4}\nonline:\n  - {name: online, key: \"file:o.key\", uri: \"fn:online\"}\n"
	if err := os.WriteFile("plan.yaml", []byte(plan), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "o"} {
		var o, e bytes.Buffer
		if run([]string{"keygen", "--uri", "file:" + k + ".key?pin-source=pass"}, &o, &e) != 0 {
			t.Fatal(e.String())
		}
	}
	for args, want := range map[string]string{
		"init --plan plan.yaml ws":                   "--date is required",
		"init --plan plan.yaml --date 2001-01-01 ws": "set the clock first",
	} {
		var o, e bytes.Buffer
		if code := run(strings.Fields(args), &o, &e); code == 0 || !strings.Contains(e.String(), want) {
			t.Errorf("ceremony %s: exit %d\n%s", args, code, e.String())
		}
		if _, err := os.Stat("ws"); err == nil {
			t.Fatalf("ceremony %s wrote the workspace", args)
		}
	}
	var o, e bytes.Buffer
	date := today()
	if code := run([]string{"init", "--plan", "plan.yaml", "--date", date, "ws"}, &o, &e); code != 0 {
		t.Fatalf("init with today's date: %s", e.String())
	}
	// Kept in ceremony.json, which the init record covers: no
	// interruption leaves the workspace without it.
	state, _ := os.ReadFile(filepath.Join("ws", "ceremony.json"))
	if !strings.Contains(string(state), "the room confirmed the date "+date+" (--date); the machine") {
		t.Errorf("ceremony.json does not keep the confirmed date:\n%s", state)
	}
	o.Reset()
	if run([]string{"replay", "ws"}, &o, &e) != 0 || !strings.Contains(o.String(), "  date: the room confirmed the date "+date) {
		t.Errorf("replay does not show the confirmed date:\n%s", o.String())
	}
}
