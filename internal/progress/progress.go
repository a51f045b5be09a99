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
	done  chan struct{}
	wg    sync.WaitGroup
	// shown: the line was written and must be erased.
	shown bool
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
	l := &Line{out: out, label: label, start: time.Now(), done: make(chan struct{})}
	if out == nil {
		return l
	}
	l.wg.Add(1)
	go l.run(delay, every)
	return l
}

func (l *Line) run(delay, every time.Duration) {
	defer l.wg.Done()
	wait := time.NewTimer(delay)
	defer wait.Stop()
	select {
	case <-l.done:
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
		case <-l.done:
			return
		case <-tick.C:
		}
	}
}

// Stop ends the step: its line, if shown, is erased. Stop may be called
// more than once.
func (l *Line) Stop() {
	if l.out == nil {
		return
	}
	select {
	case <-l.done:
		return
	default:
		close(l.done)
	}
	l.wg.Wait()
	if l.shown {
		fmt.Fprint(l.out, "\r\x1b[K")
	}
}
