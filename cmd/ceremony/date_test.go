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
	now := time.Date(2026, 12, 6, 10, 30, 0, 0, time.UTC)
	for date, ok := range map[string]bool{
		"2026-12-06": true, "2026-12-05": true, "2026-12-07": true,
		"2026-12-04": false, "2026-12-08": false, "2031-12-06": false, "2023-01-01": false,
	} {
		rec, err := confirmDate(date, now)
		if (err == nil) != ok {
			t.Errorf("--date %s with the clock at %s: %v", date, now, err)
		}
		if ok && !strings.Contains(rec, date) || !ok && (err == nil || !strings.Contains(err.Error(), "set the clock")) {
			t.Errorf("--date %s: record %q, error %v", date, rec, err)
		}
	}
	for _, date := range []string{"", "6/12/2026", "2026-13-01"} {
		if _, err := confirmDate(date, now); err == nil {
			t.Errorf("--date %q accepted", date)
		}
	}
}

// TestInitConfirmsTheDate: init refuses without --date and with a date
// more than a day from the machine's clock, writing nothing; with today's
// date it records the confirmation in the transcript.
func TestInitConfirmsTheDate(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("pass", []byte("correct horse battery staple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := "profile: rstuf\nkeyholders:\n  - {name: a, key: \"file:a.key\"}\n  - {name: b, key: \"file:b.key\"}\nroles:\n  root: {keyholders: [a, b], threshold: 2}\n  bins: {count: 4}\nonline:\n  - {name: online, key: \"file:o.key\", uri: \"fn:online\"}\n"
	os.WriteFile("plan.yaml", []byte(plan), 0o644)
	for _, k := range []string{"a", "b", "o"} {
		var o, e bytes.Buffer
		if run([]string{"keygen", "--uri", "file:" + k + ".key?pin-source=pass"}, &o, &e) != 0 {
			t.Fatal(e.String())
		}
	}
	for args, want := range map[string]string{
		"init --plan plan.yaml ws":                   "--date is required",
		"init --plan plan.yaml --date 2001-01-01 ws": "the machine's clock says",
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
	if code := run([]string{"init", "--plan", "plan.yaml", "--date", today(), "ws"}, &o, &e); code != 0 {
		t.Fatalf("init with today's date: %s", e.String())
	}
	tr, _ := os.ReadFile(filepath.Join("ws", "transcript", "transcript.jsonl"))
	if !strings.Contains(string(tr), "the room confirmed the date "+today()+" (--date); the machine") {
		t.Errorf("the transcript does not record the confirmed date:\n%s", tr)
	}
}
