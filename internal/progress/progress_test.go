package progress

import (
	"strings"
	"testing"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
	"github.com/tuf-ceremony/ceremony/internal/testutil/syncbuf"
)

func TestLongStepShowsAndErasesItsLine(t *testing.T) {
	var out syncbuf.Buffer
	l := start(&out, fit(safetext.Escape("verifying claims\x1b[2J.tar"), 0), 10*time.Millisecond, 5*time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "verifying") && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	l.Stop()
	l.Stop()
	got := out.String()
	if !strings.HasPrefix(got, "\r\x1b[Kverifying claims\\u001b[2J.tar: 0 s") {
		t.Fatalf("the line is %q: want the label, escaped, and the seconds, written in place", got)
	}
	if !strings.HasSuffix(got, "s\r\x1b[K") {
		t.Errorf("the line is not erased at the end: %q", got)
	}
	if n := strings.Count(got, "\r\x1b[K"); n < 2 {
		t.Errorf("%d writes in place, want the line and its erasure at least", n)
	}
}

func TestShortStepShowsNothing(t *testing.T) {
	var out syncbuf.Buffer
	l := start(&out, "reading ws", time.Hour, time.Hour)
	l.Stop()
	if got := out.String(); got != "" {
		t.Errorf("a step shorter than the delay wrote %q", got)
	}
}

func TestNoTerminalShowsNothing(t *testing.T) {
	l := Start(nil, "verifying", 80)
	l.Stop() // nothing to wait for, nothing to write, no panic
}

// A label wider than the terminal is cut: a wrapped line is not rewritten
// in place, each rewrite would leave a copy.
func TestLabelFitsTheTerminal(t *testing.T) {
	long := "verifying /media/usb/" + strings.Repeat("ceremony-", 20) + "claims.tar"
	got := fit(long, 40)
	if n := len([]rune(got)) + len(": 99999 s"); n >= 40 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "verifying /media/usb/") {
		t.Errorf("fit = %q (%d columns with the seconds), want it cut to fit 40", got, n)
	}
	if got := fit("verifying x.tar", 40); got != "verifying x.tar" {
		t.Errorf("a short label was changed: %q", got)
	}
	if got := fit(long, 0); got != long {
		t.Errorf("an unknown width cut the label: %q", got)
	}
}

// A prompt in the middle of a step: Pause erases the line so that the
// prompt stands alone, Resume shows it again, and after Stop nothing
// brings it back.
func TestPauseForAPrompt(t *testing.T) {
	var out syncbuf.Buffer
	waitFor := func(n int) {
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(out.String(), "signing ws: ") < n && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
	}
	l := start(&out, "signing ws", 5*time.Millisecond, 5*time.Millisecond)
	waitFor(1)
	l.Pause()
	paused := out.String()
	if !strings.HasSuffix(paused, "\r\x1b[K") {
		t.Fatalf("after Pause the line is %q: want it erased", paused)
	}
	time.Sleep(30 * time.Millisecond)
	if got := out.String(); got != paused {
		t.Fatalf("the line was drawn while paused: %q", got[len(paused):])
	}
	l.Resume()
	l.Resume() // once is enough: no second goroutine
	waitFor(strings.Count(paused, "signing ws: ") + 1)
	l.Stop()
	stopped := out.String()
	if len(stopped) == len(paused) || !strings.HasSuffix(stopped, "\r\x1b[K") {
		t.Fatalf("after Resume and Stop: %q; want the line again, then erased", stopped[len(paused):])
	}
	l.Resume()
	time.Sleep(30 * time.Millisecond)
	if got := out.String(); got != stopped {
		t.Errorf("Resume after Stop drew %q", got[len(stopped):])
	}
}
