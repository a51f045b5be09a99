// Package progress shows, on a terminal, that a long step is still
// running: one line, "verifying claims.tar: 4 s", rewritten in place
// every half second once the step has taken a second, and erased when it
// ends, so that what the command prints afterwards is all that stays.
//
// A step that ends within the second shows nothing, and nothing is shown
// where output is not a terminal (a pipe, a file, a test's buffer): the
// command line's callers decide that and pass a nil writer. The line's
// label is escaped as all text from outside is (internal/safetext): a
// path may hold anything.
package progress

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/tuf-ceremony/ceremony/internal/safetext"
)

// Delay is how long a step runs before its line is shown; Every is how
// often the line is rewritten.
const (
	Delay = time.Second
	Every = 500 * time.Millisecond
)

// Line is one step's progress line.
type Line struct {
	out   io.Writer
	label string
	start time.Time
	// delay and every are Delay and Every (shorter in tests).
	delay, every time.Duration
	// mu orders Pause, Resume and Stop, which the step's goroutine calls.
	mu   sync.Mutex
	done chan struct{}
	wg   sync.WaitGroup
	// shown: the line was written and must be erased. stopped: Stop was
	// called, and Resume shows nothing more.
	shown, stopped bool
}

// Start shows label's line on out (a terminal width columns wide; 0 if
// not known) once the step has run for Delay. A nil out shows nothing.
func Start(out io.Writer, label string, width int) *Line {
	return start(out, fit(safetext.Escape(label), width), Delay, Every)
}

// fit cuts label so that its line fits in width columns: a line that
// wraps is not rewritten in place (\r goes back to its last row only).
func fit(label string, width int) string {
	const room = len(": 99999 s") + 1
	if width <= 0 {
		return label
	}
	limit := max(width-room, 8)
	runes := []rune(label)
	if len(runes) <= limit {
		return label
	}
	return string(runes[:limit-1]) + "…"
}

func start(out io.Writer, label string, delay, every time.Duration) *Line {
	l := &Line{out: out, label: label, start: time.Now(), delay: delay, every: every}
	l.Resume()
	return l
}

func (l *Line) run(done chan struct{}, delay, every time.Duration) {
	defer l.wg.Done()
	wait := time.NewTimer(delay)
	defer wait.Stop()
	select {
	case <-done:
		return
	case <-wait.C:
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		// \r and erase-to-end-of-line: the line is rewritten in place.
		fmt.Fprintf(l.out, "\r\x1b[K%s: %d s", l.label, int(time.Since(l.start).Seconds()))
		l.shown = true
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

// Pause takes the line off the terminal while the step asks or tells
// something there (a PIN prompt, "touch the YubiKey"); Resume shows it
// again, a Delay later, its seconds still counted from the start.
func (l *Line) Pause() {
	if l.out == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.erase()
}

// Resume shows the line again after Pause (nothing once stopped).
func (l *Line) Resume() {
	if l.out == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.stopped || l.done != nil {
		return
	}
	l.done = make(chan struct{})
	l.wg.Add(1)
	go l.run(l.done, l.delay, l.every)
}

// Stop ends the step: its line, if shown, is erased. Stop may be called
// more than once.
func (l *Line) Stop() {
	if l.out == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
	l.erase()
}

// erase ends the goroutine drawing the line and erases what it drew.
func (l *Line) erase() {
	if l.done == nil {
		return
	}
	close(l.done)
	l.done = nil
	l.wg.Wait()
	if l.shown {
		fmt.Fprint(l.out, "\r\x1b[K")
		l.shown = false
	}
}
