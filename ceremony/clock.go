package ceremony

import "time"

// Now is the engine's time: the one place the engine, the kinds and the
// auditor's checks read the machine's clock. Every step that needs the time
// takes it as a value, an Options.Now or a now parameter, and a zero value
// means this clock.
func (e *Engine) Now() time.Time { return time.Now() }

// NowOr is t, or the engine's time when t is zero.
func (e *Engine) NowOr(t time.Time) time.Time {
	if t.IsZero() {
		return e.Now()
	}
	return t
}
